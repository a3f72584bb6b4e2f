"""Clients of outside systems (the city credit-sharing platform arrives with the push)."""
