"""Allocator settings for a region build: what one phase frees goes back to the system before the next.

A build runs phases one after another (GTFS reading and compile, OSM import, street
compile, geocoder, footpaths); each allocates and frees hundreds of megabytes at NVV
scale. Two allocators kept that freed memory resident, so the later phases' peaks
stacked on the earlier ones':

- **pyarrow's memory pool**: pandas 3 keeps string columns in Arrow buffers, and
  Arrow's default pool (mimalloc or jemalloc) holds freed pages for reuse. The build
  switches Arrow to the system allocator.
- **glibc malloc**: freeing a large block raises glibc's mmap threshold (up to 32 MiB),
  so later large numpy and Arrow buffers come from the heap, where a free leaves them
  resident. A fixed threshold keeps every block of 128 KiB or more in its own
  mapping, which a free returns at once.

Measured on the demo city at scale 30 (542k stop times): the resident set after the GTFS
phase fell from 330 to 276 MB (floor 229 MB), the whole build's peak from 442 to
about 400 MB; see docs/benchmarks.md (issue #22).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter (malloc.h); setting it also turns the dynamic threshold off."""
MMAP_THRESHOLD_BYTES = 128 * 1024
"""glibc's initial threshold, kept fixed: blocks this large or larger are mapped, and unmapped when freed."""


def fix_malloc_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix glibc's mmap threshold for this process; False where there is no glibc (nothing changed)."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:  # pragma: no cover - every Linux with glibc has one
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # pragma: no cover - musl has no mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))


@contextmanager
def returning_freed_memory() -> Iterator[None]:
    """Within the block, Arrow allocates with the system allocator and glibc maps large blocks.

    The Arrow pool is restored on exit; the malloc threshold stays fixed for the process
    (glibc has no way to read the dynamic setting back, and the fixed one is its start value).
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    fix_malloc_mmap_threshold()
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
