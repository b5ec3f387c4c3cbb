"""OSM maxspeed parsing and per-class default speeds."""

from __future__ import annotations

import pytest

from voltroute.network.speeds import (
    DEFAULT_SPEED_KPH,
    HIGHWAY_SPEED_KPH,
    MAX_SPEED_KPH,
    MIN_SPEED_KPH,
    MPH_KPH,
    edge_speed_kph,
    highway_speed_kph,
    parse_maxspeed,
)


@pytest.mark.parametrize(
    ("value", "kph"),
    [
        ("50", 50.0),
        (" 80 ", 80.0),
        ("50 km/h", 50.0),
        ("50km/h", 50.0),
        ("60 kmh", 60.0),
        ("30 mph", 30 * MPH_KPH),
        ("20mph", 20 * MPH_KPH),
        ("10 knots", 18.52),
        ("7.5", 7.5),
        (40, 40.0),
        (40.0, 40.0),
        ("90;30", 30.0),
        ("90;30;90;30;90;30", 30.0),
        ("none;50", 50.0),
        ("FI:urban", 50.0),
        ("FI:rural", 80.0),
        ("DE:urban", 50.0),
        ("DE:rural", 100.0),
        ("DE:motorway", 130.0),
        ("de:living_street", 7.0),
        ("AT:rural", 100.0),
        ("CH:rural", 80.0),
        ("FR:rural", 80.0),
        ("RU:urban", 60.0),
        ("GB:nsl_single", 60 * MPH_KPH),
        ("GB:nsl_dual", 70 * MPH_KPH),
        ("UK:motorway", 70 * MPH_KPH),
        ("DE:zone30", 30.0),
        ("DE:zone:30", 30.0),
        ("FR:zone30", 30.0),
        ("GB:zone20", 20 * MPH_KPH),
        ("XX:urban", 50.0),  # unknown country: the generic zone value
        ("XX:rural", 90.0),
        ("BE-VLG:rural", 70.0),
        ("walk", 7.0),
        ("Walk", 7.0),
    ],
)
def test_parse_maxspeed_readable(value: object, kph: float) -> None:
    assert parse_maxspeed(value) == pytest.approx(kph, rel=1e-12)


@pytest.mark.parametrize(
    "value",
    [None, "", "none", "None", "signals", "variable", "unposted", "implicit", "no", "fast",
     "FI:unknown_zone", "0", 0, -5, float("nan"), "50 furlongs", True],
)  # fmt: skip
def test_parse_maxspeed_gives_no_limit(value: object) -> None:
    assert parse_maxspeed(value) is None


def test_highway_defaults() -> None:
    assert highway_speed_kph("residential") == HIGHWAY_SPEED_KPH["residential"]
    assert highway_speed_kph("Primary") == HIGHWAY_SPEED_KPH["primary"]
    assert highway_speed_kph("unheard_of") == DEFAULT_SPEED_KPH
    assert highway_speed_kph(None) == DEFAULT_SPEED_KPH
    # Faster classes are not slower than the classes below them.
    order = [
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "residential",
        "living_street",
    ]
    speeds = [HIGHWAY_SPEED_KPH[h] for h in order]
    assert speeds == sorted(speeds, reverse=True)


@pytest.mark.parametrize(
    ("maxspeed", "highway", "kph"),
    [
        ("50", "primary", 40.0),  # posted limit x 0.8
        (None, "primary", 65.0),  # class default, not scaled
        ("none", "motorway", 90.0),  # no limit: class default
        ("FI:urban", "residential", 40.0),
        ("walk", "living_street", MIN_SPEED_KPH + 2.6),  # 7 x 0.8 = 5.6
        ("0.5", "residential", MIN_SPEED_KPH),  # clipped
        ("999", "motorway", MAX_SPEED_KPH),  # clipped
    ],
)
def test_edge_speed(maxspeed: object, highway: str, kph: float) -> None:
    assert edge_speed_kph(maxspeed, highway) == pytest.approx(kph)


def test_edge_speed_factor() -> None:
    assert edge_speed_kph("50", "primary", maxspeed_factor=1.0) == 50.0
