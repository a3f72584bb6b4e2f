"""Staff and employer accounts, sign-in (JWT) and machine clients' API keys."""
