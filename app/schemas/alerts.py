"""Schema of a GTFS-Realtime service alert as the trip API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.schemas.common import ApiModel
from routing.transit.alerts import ServiceAlert


class ActivePeriodOut(ApiModel):
    """When an alert applies (open ends are null)."""

    start: datetime | None
    end: datetime | None


class AlertOut(ApiModel):
    """A disruption or notice from the operator's GTFS-Realtime ServiceAlerts."""

    id: str = Field(description="<feed>:<alert entity id>")
    header: str | None = Field(description="Short text in the negotiated language (else the feed's language)")
    description: str | None
    url: str | None
    cause: str = Field(description="GTFS-Realtime cause, lower case (e.g. construction, medical_emergency)")
    effect: str = Field(description="GTFS-Realtime effect, lower case (e.g. detour, significant_delays)")
    severity: str = Field(description="info, warning, severe or unknown_severity")
    active_periods: list[ActivePeriodOut] = Field(description="Empty: active as long as the feed lists it")

    @classmethod
    def from_alert(cls, alert: ServiceAlert, language: str) -> AlertOut:
        """The alert with its texts in ``language``."""
        return cls(
            id=alert.id,
            header=alert.text("header", language),
            description=alert.text("description", language),
            url=alert.text("url", language),
            cause=alert.cause,
            effect=alert.effect,
            severity=alert.severity,
            active_periods=[ActivePeriodOut(start=start, end=end) for start, end in alert.active],
        )
