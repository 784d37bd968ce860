"""The ``mobility`` command: serve, migrate, build regions and the demo city, benchmarks, operations.

This is an edge of the system: it reads the environment and the command line, and hands
typed values to the app and the routing core. One module per command group.
"""

from __future__ import annotations

import click

from app.cli.bench import bench
from app.cli.database import db
from app.cli.demo import demo
from app.cli.open_data import open_data
from app.cli.operations import reconcile, users
from app.cli.operators import provider_check, sandbox_operator
from app.cli.regions import region
from app.cli.serve import serve
from app.cli.tickets import ticket


@click.group()
def main() -> None:
    """kassel-mobility: trip planning, booking and pass-aware fares for Kassel."""


for command in (serve, db, region, demo, bench, reconcile, users, ticket, sandbox_operator, provider_check, open_data):
    main.add_command(command)
