"""The routing core of kassel-mobility: pure computation over compact arrays.

No Flask, no SQLAlchemy, no ``app`` import (an import-linter contract enforces it):
configuration and data come in as arguments, results go out as values.
"""
