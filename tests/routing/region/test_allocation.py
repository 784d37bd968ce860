"""The build's allocator settings: pandas' Arrow strings go to the system allocator, and back after."""

from __future__ import annotations

import sys

import pandas as pd
import pyarrow as pa
import pytest

from routing.region.allocation import fix_malloc_mmap_threshold, returning_freed_memory


def test_arrow_allocates_from_the_system_within_the_block_and_the_pool_is_restored() -> None:
    before = pa.default_memory_pool()
    system = pa.system_memory_pool()
    with returning_freed_memory():
        assert pa.default_memory_pool().backend_name == "system"
        held = system.bytes_allocated()
        strings = pd.Series([f"trip-{number}" for number in range(50_000)], dtype="str")
        if pd.api.types.is_string_dtype(strings.dtype) and getattr(strings.dtype, "storage", "") == "pyarrow":
            assert system.bytes_allocated() > held  # pandas' Arrow string buffers: from the system allocator
        del strings
    assert pa.default_memory_pool().backend_name == before.backend_name


def test_the_pool_is_restored_when_the_build_fails() -> None:
    before = pa.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), returning_freed_memory():
        raise RuntimeError("build failed")
    assert pa.default_memory_pool().backend_name == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibc_takes_the_fixed_mmap_threshold() -> None:
    assert fix_malloc_mmap_threshold()
