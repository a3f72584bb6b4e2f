"""The HTTP face: dependencies (session, settings, clock, actor), routing, offline docs and
one thin route module per resource family (`routes/`)."""
