"""The synthetic demo city: a deterministic generator of real input files."""
