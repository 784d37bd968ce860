"""The ``mobility`` command: region and demo builds, summaries, clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.database import head_revision
from routing.demo.generate import DemoInputs
from tests.conftest_d.app import TEST_KERNEL_CACHE


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def test_region_build_prints_a_summary(cli: CliRunner, demo_inputs: DemoInputs, tmp_path: Path) -> None:
    out = tmp_path / "regions" / "city"
    result = cli.invoke(
        main,
        [
            "region",
            "build",
            "--osm",
            str(demo_inputs.osm),
            "--gtfs",
            f"demo={demo_inputs.gtfs}",
            "--zones",
            str(demo_inputs.zones),
            "--out",
            str(out),
            "--first-day",
            "2026-11-23",
            "--days",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "transit" in result.output and "stops" in result.output
    assert "streets" in result.output and "nodes" in result.output
    assert "peak memory" in result.output
    assert out.is_symlink()
    info = cli.invoke(main, ["region", "info", str(out)])
    assert info.exit_code == 0
    assert '"name": "city"' in info.output


def test_failed_build_says_why_and_keeps_the_current_region(
    cli: CliRunner, demo_inputs: DemoInputs, tmp_path: Path
) -> None:
    result = cli.invoke(
        main,
        [
            "region",
            "build",
            "--osm",
            str(demo_inputs.osm),
            "--gtfs",
            str(demo_inputs.gtfs),
            "--out",
            str(tmp_path / "city"),
            "--first-day",
            "2019-01-07",
        ],
    )
    assert result.exit_code == 1
    assert "current region untouched" in result.output
    assert "no trip runs" in result.output
    assert "--first-day" in result.output
    assert not (tmp_path / "city").exists()


def test_region_build_needs_exactly_one_osm_source(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["region", "build", "--gtfs", "x.zip", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "exactly one of --osm FILE, --place NAME or --bbox" in result.output


def test_unreachable_gtfs_url_is_a_clear_error(cli: CliRunner, demo_inputs: DemoInputs, tmp_path: Path) -> None:
    result = cli.invoke(
        main,
        [
            "region",
            "build",
            "--osm",
            str(demo_inputs.osm),
            "--gtfs",
            "http://127.0.0.1:9/feed.zip",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 1
    assert "cannot download GTFS http://127.0.0.1:9/feed.zip" in result.output


def test_demo_build_labels_synthetic_data(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOBILITY_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("MOBILITY_KERNEL_CACHE_PATH", str(TEST_KERNEL_CACHE))
    result = cli.invoke(main, ["demo", "build", "--first-day", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC DEMO DATA" in result.output
    assert (tmp_path / "instance" / "regions" / "demo").is_symlink()
    assert (tmp_path / "instance" / "demo-inputs" / "gtfs" / "stops.txt").is_file()


def test_invalid_environment_stops_the_command(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOBILITY_DATABASE_URL", "mysql://nope")
    result = cli.invoke(main, ["db", "current"])
    assert result.exit_code == 1
    assert "MOBILITY_DATABASE_URL" in result.output


def test_db_upgrade_and_current(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOBILITY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert cli.invoke(main, ["db", "upgrade"]).exit_code == 0
    current = cli.invoke(main, ["db", "current"])
    assert current.exit_code == 0
    head = head_revision()
    assert f"database {head}; code head {head}" in current.output


def test_users_create_makes_staff_accounts(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOBILITY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("MOBILITY_INSTANCE_PATH", str(tmp_path / "instance"))
    assert cli.invoke(main, ["db", "upgrade"]).exit_code == 0
    made = cli.invoke(
        main,
        [
            "users",
            "create",
            "Staff@Kassel.de",
            "--name",
            "Sachbearbeitung",
            "--role",
            "city_staff",
            "--password",
            "a long password",
        ],
    )
    assert made.exit_code == 0 and "created city_staff staff@kassel.de" in made.output
    again = cli.invoke(main, ["users", "create", "staff@kassel.de", "--name", "X", "--password", "a long password"])
    assert again.exit_code != 0 and "exists" in again.output
    operator = cli.invoke(
        main, ["users", "create", "ops@rad.de", "--name", "Rad", "--role", "operator", "--password", "a long password"]
    )
    assert operator.exit_code != 0 and "--provider" in operator.output
    short = cli.invoke(main, ["users", "create", "x@y.de", "--name", "X", "--password", "short"])
    assert short.exit_code != 0 and "at least" in short.output


def test_gtfs_is_downloaded_from_a_url(cli: CliRunner, demo_inputs: DemoInputs, tmp_path: Path) -> None:
    import shutil
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    served = tmp_path / "www"
    served.mkdir()
    shutil.make_archive(str(served / "demo-gtfs"), "zip", demo_inputs.gtfs)
    handler = partial(SimpleHTTPRequestHandler, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/demo-gtfs.zip"
        result = cli.invoke(
            main,
            [
                "region",
                "build",
                "--osm",
                str(demo_inputs.osm),
                "--gtfs",
                f"web={url}",
                "--out",
                str(tmp_path / "r"),
                "--first-day",
                "2026-11-23",
                "--days",
                "2",
            ],
        )
        missing = cli.invoke(
            main,
            [
                "region",
                "build",
                "--osm",
                str(demo_inputs.osm),
                "--gtfs",
                url.replace("demo-gtfs", "nothing"),
                "--out",
                str(tmp_path / "r2"),
            ],
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert f"downloading {url}" in result.output
    assert missing.exit_code == 1
    assert "404" in missing.output
