"""The credit file (Art 5-8): basic, good and dishonesty records, entered by one person,
verified by another, corrected by new versions, never deleted."""
