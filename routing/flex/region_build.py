"""The region build's flex step: split each feed into its flex trips and its fixed-schedule rest."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from routing.errors import InputDataError
from routing.flex.flex_view import flex_view, original_paths
from routing.flex.load import FlexFeed, load_flex, merge_networks
from routing.flex.model import FlexNetwork
from routing.flex.tables import FeedFiles


@dataclass(frozen=True)
class FeedSplit:
    """One input feed: the trips the timetable leaves to flex, and whether any fixed trip remains."""

    name: str
    path: Path
    flex_trip_ids: frozenset[str]
    has_fixed_trips: bool


def _timezone(path: Path) -> str:
    agency = FeedFiles(path).table("agency.txt")
    for line, row in agency.rows:
        zone = agency.value(row, "agency_timezone")
        if not zone:
            raise InputDataError(agency.path, f"line {line}: agency_timezone is empty")
        return zone
    raise InputDataError(agency.path, "required file agency.txt is missing or empty")


def _with_original_paths(part: FlexFeed, view: Path, path: Path) -> FlexFeed:
    """``part`` with every warning naming the feed at ``path`` instead of its view."""
    if view == path:
        return part
    network = replace(part.network, warnings=tuple(original_paths(w, view, path) for w in part.network.warnings))
    return replace(part, network=network, warnings=[original_paths(w, view, path) for w in part.warnings])


def split_feeds(feeds: list[tuple[str, Path]], *, first_day: date, days: int) -> tuple[list[FeedSplit], FlexNetwork]:
    """Read the flex part of every ``(name, path)`` feed and merge it into one network.

    Raises
    ------
    InputDataError
        From :func:`routing.flex.load.load_flex`, naming file, line and field.
    """
    splits: list[FeedSplit] = []
    parts: list[FlexFeed] = []
    timezone = ""
    for name, path in feeds:
        # Read through a view that keeps only the stop times that can be flex (routing.flex.flex_view):
        # the flex reader holds its rows as dicts, and a feed's fixed trips are most of them.
        with flex_view(path) as view:
            try:
                zone = _timezone(view) if path.exists() else ""
                timezone = timezone or zone
                part = load_flex(view, name=name, timezone=zone, first_day=first_day, days=days)
                trips = FeedFiles(view).table("trips.txt")
            except InputDataError as exc:
                raise InputDataError(
                    original_paths(exc.source, view, path), original_paths(exc.problem, view, path)
                ) from exc
        part = _with_original_paths(part, view, path)
        all_trips = {trips.value(row, "trip_id") for _, row in trips.rows}
        splits.append(FeedSplit(name, path, part.flex_trip_ids, bool(all_trips - part.flex_trip_ids)))
        parts.append(part)
    network = merge_networks(timezone, parts)
    return splits, replace(network, timezone=timezone)
