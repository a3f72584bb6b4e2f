"""The city credit-sharing platform (issue 14): payload schemas, signing, transports."""
