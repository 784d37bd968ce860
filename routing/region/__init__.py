"""Regions: building from input files, the on-disk format, atomic switching and loading."""
