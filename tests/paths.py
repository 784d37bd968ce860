"""Where the tests find the repository, whatever directory a test module sits in."""

from __future__ import annotations

from pathlib import Path

#: The repository root (the directory holding ``pyproject.toml``).
ROOT = Path(__file__).resolve().parents[1]
#: The real data beside the checkout (``../shared/data``; tests that read it skip without it).
SHARED_DATA = ROOT.parent / "shared" / "data"
