"""Computing grades (Art 9, 10, 17): versioned rule sets, facts in SQL, batch runs, dynamic
adjustment from the event log, Art 17 re-grading."""
