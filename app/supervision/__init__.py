"""What a grade does (Art 11-13): interviews today; measures and inspection plans to come."""
