"""A busy machine on demand: CPU hog processes for tests that must not be flaky under load."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

__all__ = ["cpu_hog"]

HOG_PROCESSES = 2


@pytest.fixture
def cpu_hog() -> Iterator[int]:
    """Keep ``HOG_PROCESSES`` busy-looping processes running for the test; yields how many run."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], stdout=subprocess.DEVNULL)
        for _ in range(HOG_PROCESSES)
    ]
    try:
        yield len(hogs)
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait(timeout=10)
