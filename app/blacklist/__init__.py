"""The wage-arrears joint-punishment list (人社部令第45号): listing, early removal, expiry."""
