"""`make fuzz`: schemathesis against the real app on real PostgreSQL, once per role."""
