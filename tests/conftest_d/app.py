"""Application fixtures: settings, a migrated app, its client and a database session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from app import create_app
from app.database import upgrade_database
from app.extensions import db
from app.payments.gateway import PaymentGateway
from app.settings import Environment, LogLevel, Settings
from providers.registry import ProviderRegistry
from tests.conftest_d.regions import _exclusive, _shared_root
from tests.paths import ROOT

TEST_KERNEL_CACHE = ROOT / ".pytest_cache" / "numba-cache"
"""The compiled routing kernels of test apps (git-ignored, kept between runs)."""

__all__ = ["app", "client", "db_session", "make_app", "make_settings", "runner", "settings", "warm_test_kernels"]


@pytest.fixture(scope="session")
def warm_test_kernels(tmp_path_factory: pytest.TempPathFactory, demo_region_path: Path) -> None:
    """Every kernel a plan runs, compiled (or loaded from ``TEST_KERNEL_CACHE``) before this worker's first test app.

    Test apps do not warm up (``warm_up=False``), so without this a kernel compiles inside
    some test's first request and spends that request's budget: on a clean clone of a busy
    CI machine numba took longer than the 40 s plan budget, and a plan ran out of time
    before it could quote its sharing leg (a booking test got 422 instead of its 502).
    Workers take turns on a lock, so the second loads what the first compiled.
    """
    instance = tmp_path_factory.mktemp("kernel-warm-up")
    settings = Settings(
        env=Environment.TESTING,
        instance_path=instance,
        database_url=f"sqlite:///{instance / 'db.sqlite3'}",
        region_path=demo_region_path,
        log_level=LogLevel.WARNING,
        region_reload_seconds=0,
        kernel_cache_path=TEST_KERNEL_CACHE,
        warm_up=True,
    )
    with _exclusive(_shared_root(tmp_path_factory) / "kernels.lock"):
        application = create_app(settings)
        warming = application.extensions["mobility.kernels"]
        assert warming.wait(timeout=1800), "the kernel warm-up did not finish"
        assert warming.last is not None, "the kernel warm-up failed (see the log)"
        _dispose(application)


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str, demo_region_path: Path, warm_test_kernels: None):  # type: ignore[no-untyped-def]
    """Build test settings; keyword arguments override the defaults (kernels warm: :func:`warm_test_kernels`)."""

    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "env": Environment.TESTING,
            "instance_path": tmp_path / "instance",
            "database_url": database_url,
            "region_path": demo_region_path,
            "log_level": LogLevel.WARNING,
            "region_reload_seconds": 0,
            # every request sees the operator's current fleet (the sandbox changes under the tests), and a
            # loaded CI machine gets time to answer; tests of the deadlines set their own budgets
            "sharing_refresh_seconds": 0,
            "sharing_wait_seconds": 15,
            "plan_budget_seconds": 40,
            # kernels compile once into a cache kept between runs; apps warm up only where a test asks
            "kernel_cache_path": TEST_KERNEL_CACHE,
            "warm_up": False,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
def settings(make_settings) -> Settings:  # type: ignore[no-untyped-def]
    """Default test settings: the demo region and a fresh database."""
    return make_settings()


def _dispose(application: Flask) -> None:
    fleets = application.extensions.get("mobility.fleets")
    if fleets is not None:
        fleets.stop()
    mailer = application.extensions.get("mobility.mailer")
    if mailer is not None:
        mailer.close()
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(make_settings):  # type: ignore[no-untyped-def]
    """Build applications from overridden settings.

    ``migrate=False`` leaves the database empty; ``providers`` gives the sharing operators'
    adapters, ``payments`` the payment gateway.

    Every application's connections are closed after the test.
    """
    created: list[Flask] = []

    def make(
        *,
        migrate: bool = True,
        providers: ProviderRegistry | None = None,
        payments: PaymentGateway | None = None,
        **overrides: object,
    ) -> Flask:
        application = create_app(make_settings(**overrides), providers=providers, payments=payments)
        created.append(application)
        if migrate:
            with application.app_context():
                upgrade_database(db.engine)
        return application

    yield make
    for application in created:
        _dispose(application)


@pytest.fixture
def app(make_app) -> Flask:  # type: ignore[no-untyped-def]
    """An application on a freshly migrated database."""
    application: Flask = make_app()
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """CLI runner of :func:`app`."""
    return app.test_cli_runner()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """The app's database session inside an application context."""
    with app.app_context():
        yield db.session
        db.session.rollback()
