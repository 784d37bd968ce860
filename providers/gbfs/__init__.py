"""GBFS (v2.3 and v3.0): feed parsing, prices and, with the provider work, the polling client."""
