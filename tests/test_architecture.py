"""The house keeps its shape: the routing core stays pure (import-linter), the tests mirror the packages."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.paths import ROOT

# In a child process: import-linter configures logging with dictConfig, which would
# disable the loggers (the access log among them) of the test process.
LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "raise SystemExit(lint_imports(config_filename='pyproject.toml', limit_to_contracts=(sys.argv[1],), no_cache=True))"
)
CONTRACTS = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
}
"""Every import-linter contract of pyproject.toml by id (each has one)."""

TESTS = ROOT / "tests"
PACKAGES = ("app", "routing", "providers")
"""The code's top-level packages: ``tests/<package>/<subpackage>/`` holds the tests of each."""
CROSS_CUTTING = {
    Path("."): "checks of the whole project (this module)",
    Path("deploy"): "the real servers: gunicorn workers, two hosts, the docs page in a browser",
}
"""Test directories (relative to ``tests/``) that deliberately mirror no package, and why."""


def test_the_contracts_cover_both_layerings() -> None:
    assert {"routing-pure", "providers-apart", "routing-layers", "app-layers", "app-models-bottom"} <= set(CONTRACTS)


@pytest.mark.parametrize("contract", sorted(CONTRACTS))
def test_import_contract_holds(contract: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", LINT, contract], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"{CONTRACTS[contract].split()[0]}" in completed.stdout  # this contract was the one checked
    assert "1 kept, 0 broken" in completed.stdout


def _test_directories() -> set[Path]:
    """Every directory under ``tests/`` holding a test module, relative to ``tests/``."""
    return {path.parent.relative_to(TESTS) for path in TESTS.rglob("test_*.py") if ".venv" not in path.parts}


def test_every_test_directory_mirrors_a_package() -> None:
    directories = _test_directories()
    misplaced = sorted(
        str(directory)
        for directory in directories - set(CROSS_CUTTING)
        if directory.parts[0] not in PACKAGES or not (ROOT / directory / "__init__.py").is_file()
    )
    assert not misplaced, f"test modules in tests/ directories that mirror no package: {misplaced}"
    # What was checked: the mirrored directories of each package, and only existing exceptions.
    assert {directory.parts[0] for directory in directories - set(CROSS_CUTTING)} == set(PACKAGES)
    assert set(CROSS_CUTTING) <= directories, "an exception that holds no test module any more: drop it"


def test_every_test_directory_is_a_package() -> None:
    directories = {TESTS / directory for directory in _test_directories()}
    helpers = {path.parent for path in TESTS.rglob("*.py")}
    missing = sorted(
        str(path.relative_to(ROOT)) for path in directories | helpers if not (path / "__init__.py").is_file()
    )
    assert not missing, f"test directories without __init__.py: {missing}"
    assert len(directories) > len(PACKAGES)
