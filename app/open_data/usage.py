"""Anonymised usage statistics from the platform's own tables.

Two kinds of records are counted, never published themselves:

- **rides**: booked legs (shared vehicles and transit tickets) whose booking went ahead
  (leg state confirmed, in use or completed), in the month and hour band of their start
  (region's local time), by mode and by district of origin and of destination;
- **purchases**: MittendrinTicket passes bought (active, or revoked after purchase), in the
  month their period starts, by the district the buyer gave in their account (``not_given``
  otherwise).

Each statistic is a table of lines, one per closed month: the month's total and the cells
that add up to it, protected by :func:`app.open_data.suppression.protect_line` with the
holder pseudonym as the person key (so a person who deleted their account still counts once).
The running month is never published: a booking made today cannot show up as a difference
between two exports.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Booking, BookingLeg, PassTicket, User, as_utc
from app.models.pass_holding import TicketStatus
from app.open_data.districts import OUTSIDE, DistrictIndex
from app.open_data.noise import NoiseConfig, cap_contributions, noisy_counts
from app.open_data.suppression import DEFAULT_DOMINANCE, DEFAULT_K, protect_line
from providers.model import BookingState

NOT_GIVEN = "not_given"
"""The district category of purchases whose buyer gave no (or an unknown) district."""
TOTAL = "_T"
"""The category code of a line's total in the CSV files (SDMX's code for 'total')."""
COUNTED_LEG_STATES = (BookingState.CONFIRMED, BookingState.IN_USE, BookingState.COMPLETED)
COUNTED_PASS_STATES = (TicketStatus.ACTIVE.value, TicketStatus.REVOKED.value)
DEFAULT_PASS_PRODUCTS = ("mittendrin",)
KNOWN_MODES = ("transit", "bikeshare", "carsharing")
HOUR_BANDS: tuple[tuple[str, int, int], ...] = (
    ("00-06", 0, 6),
    ("06-09", 6, 9),
    ("09-12", 9, 12),
    ("12-15", 12, 15),
    ("15-18", 15, 18),
    ("18-21", 18, 21),
    ("21-24", 21, 24),
)

__all__ = [
    "HOUR_BANDS",
    "NOT_GIVEN",
    "TABLES",
    "TOTAL",
    "PublishedLine",
    "PublishedTable",
    "Purchase",
    "Ride",
    "TableSpec",
    "UsageStatistics",
    "build_usage",
    "closed_months",
    "read_purchases",
    "read_rides",
]


@dataclass(frozen=True)
class Ride:
    """One counted ride (internal only: never written anywhere)."""

    person: str
    month: str
    hour_band: str
    mode: str
    origin: str
    destination: str


@dataclass(frozen=True)
class Purchase:
    """One counted pass purchase (internal only)."""

    person: str
    month: str
    district: str


@dataclass(frozen=True)
class TableSpec:
    """A published statistic: its file name, the dimension of its cells, titles in de and en."""

    name: str
    dimension: str
    unit: str
    title_de: str
    title_en: str


TABLES: tuple[TableSpec, ...] = (
    TableSpec("rides_by_mode", "mode", "rides", "Gebuchte Fahrten nach Verkehrsmittel", "Booked rides by mode"),
    TableSpec(
        "rides_by_origin_district",
        "district",
        "rides",
        "Gebuchte Fahrten nach Stadtteil des Starts",
        "Booked rides by district of origin",
    ),
    TableSpec(
        "rides_by_destination_district",
        "district",
        "rides",
        "Gebuchte Fahrten nach Stadtteil des Ziels",
        "Booked rides by district of destination",
    ),
    TableSpec(
        "rides_by_hour_band", "hour_band", "rides", "Gebuchte Fahrten nach Tageszeit", "Booked rides by time of day"
    ),
    TableSpec(
        "mittendrin_purchases_by_district",
        "district",
        "purchases",
        "Gekaufte MittendrinTickets nach Wohn-Stadtteil (Angabe freiwillig)",
        "MittendrinTickets bought, by district of residence (given voluntarily)",
    ),
)


@dataclass(frozen=True)
class PublishedLine:
    """One month of one table as published: None marks a suppressed figure."""

    month: str
    total: int | None
    cells: tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class PublishedTable:
    """A table as published, month by month."""

    spec: TableSpec
    lines: tuple[PublishedLine, ...]

    def line(self, month: str) -> PublishedLine:
        """The line of ``month``."""
        for line in self.lines:
            if line.month == month:
                return line
        raise KeyError(month)


@dataclass(frozen=True)
class UsageStatistics:
    """Every published table plus how they were made (for the metadata)."""

    tables: tuple[PublishedTable, ...]
    months: tuple[str, ...]
    as_of: date
    k: int
    dominance: float
    noise: NoiseConfig | None
    frozen_months: tuple[str, ...]
    """Months taken unchanged from an earlier export's releases."""

    def table(self, name: str) -> PublishedTable:
        """The table called ``name``."""
        for table in self.tables:
            if table.spec.name == name:
                return table
        raise KeyError(name)


def _month(moment: date) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _hour_band(hour: int) -> str:
    return next(name for name, start, end in HOUR_BANDS if start <= hour < end)


def read_rides(session: Session, districts: DistrictIndex, zone: tzinfo) -> list[Ride]:
    """The counted rides, with months and hour bands in ``zone`` and districts of both ends."""
    rows = session.execute(
        select(Booking.holder, BookingLeg.mode, BookingLeg.starts_at, BookingLeg.from_lat, BookingLeg.from_lon)
        .add_columns(BookingLeg.to_lat, BookingLeg.to_lon)
        .join(Booking, Booking.id == BookingLeg.booking_id)
        .where(BookingLeg.state.in_(COUNTED_LEG_STATES))
    )
    rides = []
    for holder, mode, starts_at, from_lat, from_lon, to_lat, to_lon in rows:
        start = as_utc(starts_at).astimezone(zone)
        rides.append(
            Ride(
                person=holder,
                month=_month(start.date()),
                hour_band=_hour_band(start.hour),
                mode=mode,
                origin=districts.locate(from_lat, from_lon),
                destination=districts.locate(to_lat, to_lon),
            )
        )
    return rides


def read_purchases(
    session: Session, districts: DistrictIndex, *, products: Sequence[str] = DEFAULT_PASS_PRODUCTS
) -> list[Purchase]:
    """The counted pass purchases of ``products``, by the district the buyer gave."""
    known = set(districts.ids)
    rows = session.execute(
        select(PassTicket.holder, PassTicket.valid_from, User.district)
        .outerjoin(User, User.id == PassTicket.user_id)
        .where(PassTicket.product_id.in_(list(products)), PassTicket.status.in_(COUNTED_PASS_STATES))
    )
    return [
        Purchase(person=holder, month=_month(valid_from), district=district if district in known else NOT_GIVEN)
        for holder, valid_from, district in rows
    ]


def closed_months(first: str, as_of: date) -> tuple[str, ...]:
    """Every month from ``first`` up to the last month that ended before ``as_of``."""
    year, month = (int(part) for part in first.split("-"))
    months = []
    while (year, month) < (as_of.year, as_of.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def _lines(
    records: Iterable[tuple[str, str, str]],
    categories: Sequence[str],
    months: Sequence[str],
    *,
    k: int,
    dominance: float,
    noise: NoiseConfig | None,
) -> list[PublishedLine]:
    """Protect one table: ``records`` are (month, category, person)."""
    by_month: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for month, category, person in records:
        by_month[month][category][person] += 1
    lines = []
    for month in months:
        cells = by_month.get(month, {})
        if noise is not None:
            cells = cap_contributions(cells, noise.cap)
        protected = protect_line(cells, categories, k=k, dominance=dominance)
        total, values = protected.total, list(protected.cells)
        if noise is not None and total is not None:
            shown = [index for index, (_, value) in enumerate(values) if value is not None]
            drawn = noisy_counts([total, *(values[index][1] or 0 for index in shown)], noise)
            total = drawn[0]
            for index, value in zip(shown, drawn[1:], strict=True):
                values[index] = (values[index][0], value)
        lines.append(PublishedLine(month=month, total=total, cells=tuple(values)))
    return lines


def build_usage(
    rides: Sequence[Ride],
    purchases: Sequence[Purchase],
    districts: DistrictIndex,
    *,
    as_of: date,
    k: int = DEFAULT_K,
    dominance: float = DEFAULT_DOMINANCE,
    noise: NoiseConfig | None = None,
    frozen: Mapping[str, Mapping[str, PublishedLine]] | None = None,
    first_month: str | None = None,
) -> UsageStatistics:
    """The published tables of every closed month.

    Parameters
    ----------
    rides, purchases
        The records (:func:`read_rides`, :func:`read_purchases`).
    districts
        The districts whose ids are the district categories.
    as_of
        The export's day: months up to the one before it are published.
    k, dominance
        The suppression rules (:func:`app.open_data.suppression.protect_line`).
    noise
        Calibrated noise on the published counts, or None.
    frozen
        Month -> table name -> line from an earlier export; those months are kept as they
        were published, so a late change (a cancellation, a deleted account) never shows up
        as a difference between exports.
    first_month
        The first month to publish; default: the earliest month of any record.

    Returns
    -------
    UsageStatistics
        The tables, their months and the method's parameters.
    """
    frozen = frozen or {}
    starts = [r.month for r in rides] + [p.month for p in purchases] + list(frozen)
    if first_month is None and not starts:
        months: tuple[str, ...] = ()
    else:
        months = closed_months(first_month or min(starts), as_of)
    fresh = [month for month in months if month not in frozen]
    modes = sorted(set(KNOWN_MODES) | {ride.mode for ride in rides})
    places = [*districts.ids, OUTSIDE]
    bands = [name for name, _, _ in HOUR_BANDS]
    sources: dict[str, tuple[list[tuple[str, str, str]], Sequence[str]]] = {
        "rides_by_mode": ([(r.month, r.mode, r.person) for r in rides], modes),
        "rides_by_origin_district": ([(r.month, r.origin, r.person) for r in rides], places),
        "rides_by_destination_district": ([(r.month, r.destination, r.person) for r in rides], places),
        "rides_by_hour_band": ([(r.month, r.hour_band, r.person) for r in rides], bands),
        "mittendrin_purchases_by_district": (
            [(p.month, p.district, p.person) for p in purchases],
            [*districts.ids, NOT_GIVEN],
        ),
    }
    tables = []
    for spec in TABLES:
        records, categories = sources[spec.name]
        computed = {
            line.month: line for line in _lines(records, categories, fresh, k=k, dominance=dominance, noise=noise)
        }
        lines = tuple(frozen[month][spec.name] if month in frozen else computed[month] for month in months)
        tables.append(PublishedTable(spec=spec, lines=lines))
    return UsageStatistics(
        tables=tuple(tables),
        months=months,
        as_of=as_of,
        k=k,
        dominance=dominance,
        noise=noise,
        frozen_months=tuple(month for month in months if month in frozen),
    )


def local_today(zone: tzinfo, now: Callable[[], datetime] | None = None) -> date:
    """Today's date in ``zone``."""
    moment = now() if now is not None else datetime.now(zone)
    return moment.astimezone(zone).date()
