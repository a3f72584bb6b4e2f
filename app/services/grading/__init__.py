"""The rule engine: facts from verified records (SQL), one rule definition, two evaluators."""
