"""One thin module per resource family of the API map (DESIGN.md): parse, call one service
function, return a model."""
