"""One thin module per resource family of the API (docs/architecture.md): parse, call one
service function, return a model."""
