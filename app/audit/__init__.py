"""The audit trail (Art 8): every write's event in a database-built hash chain, and its check."""
