"""Working days (docs/law.md §8): the State Council's days off and make-up days, year by year."""
