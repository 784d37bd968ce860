"""Where regions live on disk, and how a new build replaces the current one atomically.

A region path such as ``regions/kassel`` is a symbolic link to one immutable build
directory in ``regions/kassel.builds/<build-id>``. A build writes a fresh directory and
then swaps the link with one ``rename`` (atomic on POSIX), so a server never sees a half
written region and a failed build never touches the current one. Older builds are
pruned, keeping the newest few so a running worker's memory maps stay valid.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from routing.errors import RegionBuildError

BUILDS_SUFFIX = ".builds"
KEEP_BUILDS = 3


def builds_directory(region_path: Path) -> Path:
    """Return the folder holding the build directories of ``region_path``."""
    return region_path.with_name(region_path.name + BUILDS_SUFFIX)


@contextmanager
def new_build_directory(region_path: Path) -> Iterator[Path]:
    """Yield an empty directory to build into; on success make it the current region.

    On any exception the partial build is removed and the current region stays.
    """
    if region_path.exists() and not region_path.is_symlink():
        msg = (
            f"{region_path} exists and is not a region link made by 'mobility region build'; "
            "choose another --out or remove it"
        )
        raise RegionBuildError(msg)
    builds = builds_directory(region_path)
    builds.mkdir(parents=True, exist_ok=True)
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"
    target = builds / build_id
    partial = builds / (build_id + ".partial")
    partial.mkdir()
    try:
        yield partial
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    switch_current(region_path, target)
    prune_builds(region_path)


def switch_current(region_path: Path, target: Path) -> None:
    """Point ``region_path`` at ``target`` with an atomic rename of a fresh link."""
    link_tmp = region_path.with_name(f".{region_path.name}.link-{os.getpid()}")
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(os.path.relpath(target, region_path.parent))
    os.replace(link_tmp, region_path)


def prune_builds(region_path: Path, keep: int = KEEP_BUILDS) -> None:
    """Remove all but the newest ``keep`` complete builds (never the current one)."""
    builds = builds_directory(region_path)
    current = region_path.resolve()
    complete = sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.endswith(".partial"))
    for old in complete[:-keep]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)
