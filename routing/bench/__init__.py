"""Benchmarks that compare our engines with their peers in the same run."""
