"""Platforms of stops: GTFS ``platform_code``, or the platform German feeds write into the stop name.

DELFI and the German Verkehrsverbünde often leave ``platform_code`` empty and end the stop
name with the platform instead: ``"Heidelberg, Bismarckplatz Bstg A"`` (VRN),
``"Kassel Hauptbahnhof Gleis 3"``, ``"Kassel, Am Stern Bstg. 2"``, ``"Rathaus, Steig B"``.
Only such a suffix counts: a word that merely starts like one (``"Heidelberg,
Steigerweg"``, ``"Weinsteige"``) is part of the name.
"""

from __future__ import annotations

import re

_PLATFORM_SUFFIX = re.compile(
    r"(?:^|[\s,(])"
    r"(?:Gleis|Gl\.|Bahnsteig|Bstg\.?|Steig|Mast|Haltepos\.|Pos\.|Platform|Plattform)"
    r"\s*(?P<platform>[0-9]{1,3}[A-Za-z]?(?:[/-][0-9]{1,3}[A-Za-z]?)?|[A-Za-z][0-9]{0,2})\)?\s*$",
)


def platform_from_name(name: str) -> str | None:
    """The platform a stop name ends with (``"Kassel Hbf Gleis 3"`` -> ``"3"``), or None.

    Parameters
    ----------
    name
        A GTFS ``stop_name``.
    """
    match = _PLATFORM_SUFFIX.search(name)
    return match.group("platform") if match else None


def stop_platform(platform_code: str | None, name: str) -> str:
    """The platform to show for a stop: its ``platform_code``, else the name's suffix, else ``""``.

    Parameters
    ----------
    platform_code
        The GTFS ``platform_code`` (empty or None when the feed has none).
    name
        The GTFS ``stop_name``.
    """
    code = (platform_code or "").strip()
    return code or platform_from_name(name) or ""
