"""The graded subjects (Art 3, 4), keyed by their unified social credit code (GB 32100)."""
