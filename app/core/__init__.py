"""What every stage stands on: configuration, the database, errors, the clock, the kits."""
