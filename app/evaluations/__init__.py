"""A grade's life: notice -> representation -> decision -> final (DOMAIN §3)."""
