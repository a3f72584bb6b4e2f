"""Benchmarks (`make bench`): each reports its figure and the ratio to a baseline run in the
same command on the same machine, never a wall-clock threshold."""
