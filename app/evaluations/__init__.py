"""A grade's life: notice -> representation -> decision -> final (docs/law.md §3)."""
