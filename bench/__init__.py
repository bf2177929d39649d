"""Benchmarks, run by hand (never from the test suite)."""
