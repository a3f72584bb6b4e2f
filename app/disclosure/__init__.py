"""The public C list (Art 14) and credit repair: placeholder until the disclosure helper's merge."""
