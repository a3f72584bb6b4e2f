"""Views over one employer's whole file: the credit profile (and the credit report to come)."""
