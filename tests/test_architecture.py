"""The routing core stays pure: no Flask, SQLAlchemy or app imports (import-linter contract)."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT

# In a child process: import-linter configures logging with dictConfig, which would
# disable the loggers (the access log among them) of the test process.
LINT = (
    "from importlinter.cli import lint_imports; "
    "raise SystemExit(lint_imports(config_filename='pyproject.toml', no_cache=True))"
)


def test_import_contracts_hold() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", LINT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
