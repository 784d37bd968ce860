"""Accessibility indicators: how long residents of each district take to reach what they need.

Pure (no Flask): ``places`` reads districts, homes and destinations; ``engine`` computes
per-origin travel times with the street router and range RAPTOR; ``run`` aggregates per
district and writes the files described in ``docs/open-data.md``.
"""
