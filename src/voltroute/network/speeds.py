"""Driving speeds of OpenStreetMap ways: ``maxspeed`` parsing and per-``highway`` defaults.

An edge is driven at

* ``maxspeed_factor`` × its posted limit, when the way's ``maxspeed`` (or, per direction,
  ``maxspeed:forward`` / ``maxspeed:backward``) can be read as a speed: a number in km/h, a number
  with a unit (``"30 mph"``, ``"50 km/h"``, ``"10 knots"``), an implicit national limit
  (``"DE:urban"``, ``"FI:rural"``, ``"GB:nsl_single"``, ``"FR:zone30"``), or ``"walk"``. A list
  (``"90;30"``) counts as its lowest value. The factor defaults to 0.8: a limit is a maximum,
  and junctions, bends and traffic keep the average below it. 0.8 is the ``speed_reduction`` of
  OSRM's car profile, set from GPS traces (Project-OSRM/osrm-backend issues #3023 and #6526).
* otherwise the typical speed of its ``highway`` class (:data:`HIGHWAY_SPEED_KPH`), which is
  already an average and is not scaled. ``"none"``, ``"signals"``, ``"variable"`` and unknown
  text give no limit and fall back to the class speed.

The implicit limits follow the OpenStreetMap wiki pages "Key:maxspeed" and "Default speed
limits"; where a country has no entry the generic value for the zone type is used
(:data:`ZONE_SPEED_KPH`).
"""

from __future__ import annotations

import math
import re

MPH_KPH = 1.609344
KNOT_KPH = 1.852

HIGHWAY_SPEED_KPH: dict[str, float] = {
    # Typical free-flow car speeds by road class, km/h: the defaults of OSRM's car profile
    # (Project-OSRM/osrm-backend, profiles/car.lua), used when a way has no readable maxspeed.
    "motorway": 90.0,
    "motorway_link": 45.0,
    "trunk": 85.0,
    "trunk_link": 40.0,
    "primary": 65.0,
    "primary_link": 30.0,
    "secondary": 55.0,
    "secondary_link": 25.0,
    "tertiary": 40.0,
    "tertiary_link": 20.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
    "road": 25.0,  # unknown classification: as unclassified
    "track": 15.0,
}
DEFAULT_SPEED_KPH = 25.0
"""Speed of a ``highway`` value missing from :data:`HIGHWAY_SPEED_KPH`."""

MIN_SPEED_KPH = 3.0
"""No edge is slower than this (guards against ``maxspeed=0`` and similar tagging errors)."""

MAX_SPEED_KPH = 150.0
"""No edge is faster than this (``maxspeed=999`` style errors; delivery vans anyway)."""

ZONE_SPEED_KPH: dict[str, float] = {
    # Generic implicit limits by zone type (most of Europe), km/h.
    "urban": 50.0,
    "rural": 90.0,
    "trunk": 100.0,
    "motorway": 120.0,
    "living_street": 10.0,
    "walk": 7.0,
    "pedestrian_zone": 7.0,
    "bicycle_road": 30.0,
    "school": 30.0,
}

COUNTRY_ZONE_SPEED_KPH: dict[str, dict[str, float]] = {
    # National implicit limits, km/h (OSM wiki "Default speed limits").
    "AT": {"urban": 50, "rural": 100, "trunk": 100, "motorway": 130},
    "BE": {"urban": 50, "rural": 70, "trunk": 120, "motorway": 120},
    "CH": {"urban": 50, "rural": 80, "trunk": 100, "motorway": 120},
    "CZ": {"urban": 50, "rural": 90, "trunk": 110, "motorway": 130},
    "DE": {"urban": 50, "rural": 100, "motorway": 130, "living_street": 7, "bicycle_road": 30},
    "DK": {"urban": 50, "rural": 80, "motorway": 130},
    "ES": {"urban": 50, "rural": 90, "trunk": 120, "motorway": 120},
    "FI": {"urban": 50, "rural": 80, "motorway": 120, "living_street": 20},
    "FR": {"urban": 50, "rural": 80, "trunk": 110, "motorway": 130},
    "GB": {
        "urban": 30 * MPH_KPH,
        "nsl_restricted": 30 * MPH_KPH,
        "nsl_single": 60 * MPH_KPH,
        "nsl_dual": 70 * MPH_KPH,
        "motorway": 70 * MPH_KPH,
    },
    "HU": {"urban": 50, "rural": 90, "trunk": 110, "motorway": 130},
    "IT": {"urban": 50, "rural": 90, "trunk": 110, "motorway": 130},
    "LI": {"urban": 50, "rural": 80, "motorway": 120},
    "NL": {"urban": 50, "rural": 80, "trunk": 100, "motorway": 100},
    "NO": {"urban": 50, "rural": 80, "motorway": 110},
    "PL": {"urban": 50, "rural": 90, "trunk": 120, "motorway": 140},
    "PT": {"urban": 50, "rural": 90, "trunk": 100, "motorway": 120},
    "RU": {"urban": 60, "rural": 90, "motorway": 110, "living_street": 20},
    "SE": {"urban": 50, "rural": 70, "motorway": 110},
    "SK": {"urban": 50, "rural": 90, "motorway": 130},
    "UA": {"urban": 50, "rural": 90, "motorway": 130},
}
COUNTRY_ZONE_SPEED_KPH["UK"] = COUNTRY_ZONE_SPEED_KPH["GB"]

MPH_COUNTRIES = frozenset({"GB", "UK", "US", "LR", "MM"})
"""Countries whose ``zone20``-style codes are in miles per hour."""

NO_LIMIT_VALUES = frozenset({"none", "signals", "variable", "unposted", "implicit", "no"})

_NUMBER = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|km/hr|km|mph|mp/h|knots|knot|kn)?\s*$",
    re.IGNORECASE,
)
_ZONE = re.compile(r"^\s*([a-z]{2}(?:-[a-z0-9]{1,3})?)\s*:\s*([a-z_:]+?)\s*:?\s*(\d+)?\s*$", re.I)


def _number_kph(text: str) -> float | None:
    m = _NUMBER.match(text)
    if m is None:
        return None
    value = float(m.group(1).replace(",", "."))
    unit = (m.group(2) or "").lower()
    if unit in ("mph", "mp/h"):
        value *= MPH_KPH
    elif unit in ("knots", "knot", "kn"):
        value *= KNOT_KPH
    return value


def _zone_kph(text: str) -> float | None:
    m = _ZONE.match(text)
    if m is None:
        return None
    country = m.group(1).upper().split("-")[0]
    kind = m.group(2).lower().strip(":")
    number = m.group(3)
    if kind.startswith("zone") or kind in ("zone", "zone:maxspeed"):
        # "DE:zone30", "DE:zone:30", "FR:zone30": the number is the limit in the local unit.
        if number is None:
            digits = re.findall(r"\d+", kind)
            if not digits:
                return None
            number = digits[0]
        value = float(number)
        return value * MPH_KPH if country in MPH_COUNTRIES else value
    if number is not None:
        return None
    table = COUNTRY_ZONE_SPEED_KPH.get(country, {})
    if kind in table:
        return float(table[kind])
    return ZONE_SPEED_KPH.get(kind)


def parse_maxspeed(value: object) -> float | None:
    """The posted limit of an OSM ``maxspeed`` value in km/h, or None when it gives none.

    >>> parse_maxspeed("50"), round(parse_maxspeed("30 mph"), 2), parse_maxspeed("FI:urban")
    (50.0, 48.28, 50.0)
    >>> parse_maxspeed("none") is None, parse_maxspeed("90;30")
    (True, 30.0)
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        if isinstance(value, bool) or not math.isfinite(value) or value <= 0:
            return None
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    if ";" in text:
        parts = [parse_maxspeed(part) for part in text.split(";")]
        found = [p for p in parts if p is not None]
        return min(found) if found else None
    lower = text.lower()
    if lower in NO_LIMIT_VALUES:
        return None
    if lower == "walk":
        return ZONE_SPEED_KPH["walk"]
    kph = _number_kph(text)
    if kph is None:
        kph = _zone_kph(text)
    if kph is None or not math.isfinite(kph) or kph <= 0:
        return None
    return kph


def highway_speed_kph(highway: object) -> float:
    """Typical speed of a ``highway`` class (:data:`HIGHWAY_SPEED_KPH`), km/h."""
    if isinstance(highway, str):
        return HIGHWAY_SPEED_KPH.get(highway.strip().lower(), DEFAULT_SPEED_KPH)
    return DEFAULT_SPEED_KPH


def edge_speed_kph(maxspeed: object, highway: object, maxspeed_factor: float = 0.8) -> float:
    """Speed to drive an edge at, km/h: ``maxspeed_factor`` × the posted limit when ``maxspeed``
    is readable, else the ``highway`` class speed; clipped to [MIN_SPEED_KPH, MAX_SPEED_KPH]."""
    posted = parse_maxspeed(maxspeed)
    speed = posted * maxspeed_factor if posted is not None else highway_speed_kph(highway)
    return float(min(MAX_SPEED_KPH, max(MIN_SPEED_KPH, speed)))
