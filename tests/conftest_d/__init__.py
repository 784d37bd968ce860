"""Fixtures split by domain (as r5py does)."""
