"""The audit trail (Art 8): every write's event in a database-built hash chain, signed
checkpoints that anchor it outside the database, and the verification of both."""
