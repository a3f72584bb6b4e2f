"""What a grade does (Art 11-13): interviews and inspection plans (双随机、一公开);
measures to come."""
