"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Response, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.policy import PUBLIC
from app.database import current_revision, head_revision
from app.errors import ServiceUnavailable
from app.extensions import db
from app.kernels import KernelWarmUp
from app.openapi import ApiBlueprint
from app.region_holder import RegionHolder, RegionUnavailableError
from app.schemas.service import Health, Readiness, ReadinessCheck

blueprint = ApiBlueprint("service", __name__, tag="service")


@blueprint.operation("/health", summary="The process is alive", response=Health, auth=PUBLIC)
def health() -> Health:
    """Answers 200 while the process runs; checks nothing else."""
    return Health()


def _database_checks() -> list[ReadinessCheck]:
    try:
        db.session.execute(text("SELECT 1"))
        revision = current_revision(db.engine)
    except SQLAlchemyError as exc:
        return [ReadinessCheck(name="database", ok=False, detail=f"unreachable: {exc.__class__.__name__}")]
    finally:
        db.session.rollback()
    head = head_revision()
    current = revision == head
    return [
        ReadinessCheck(name="database", ok=True, detail="reachable"),
        ReadinessCheck(
            name="migrations",
            ok=current,
            detail=f"at {revision}" if current else f"at {revision}, code needs {head}: run 'mobility db upgrade'",
        ),
    ]


def _region_check() -> ReadinessCheck:
    holder: RegionHolder = current_app.extensions["mobility.region"]
    try:
        region = holder.get()
    except RegionUnavailableError as exc:
        return ReadinessCheck(name="region", ok=False, detail=str(exc))
    loaded = f"{region.manifest.name} ({region.path.name})"
    warming: KernelWarmUp | None = current_app.extensions.get("mobility.kernels")
    if warming is not None:
        warm, detail = warming.warm_for(region)
        return ReadinessCheck(name="region", ok=warm, detail=f"{loaded}, {detail}")
    return ReadinessCheck(name="region", ok=True, detail=loaded)


@blueprint.operation(
    "/ready", summary="The service can answer requests", response=Readiness, errors=(503,), auth=PUBLIC
)
def ready() -> Readiness | Response:
    """Answers 200 when the database is reachable, migrations are current and a region is loaded and warm.

    Warm: this worker's routing kernels have run the warm-up plans on the region (unless
    ``MOBILITY_WARM_UP`` is off); a newly switched-in region is warmed up in the background.

    Otherwise 503 problem+json listing every check.
    """
    checks = [*_database_checks(), _region_check()]
    if all(check.ok for check in checks):
        return Readiness(status="ready", checks=checks)
    failing = ", ".join(check.name for check in checks if not check.ok)
    raise ServiceUnavailable(
        f"not ready: {failing}",
        extra={"checks": [check.model_dump(by_alias=True) for check in checks]},
    )
