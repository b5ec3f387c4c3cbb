"""Schneider et al. E-VRPTW: reading, route strings, and charging in the independent checker."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from voltroute.evaluate import check
from voltroute.io import read_problem
from voltroute.io.evrptw import read_evrptw, routes_from_configuration, solution_to_configuration
from voltroute.model import Charge, Route, Solution, Unassigned

TINY = Path(__file__).resolve().parents[1] / "data" / "evrptw" / "tiny.txt"


def test_tiny_instance_mapping():
    p = read_problem(TINY)  # recognised by content
    assert [d.id for d in p.depots] == ["D0"]
    assert [c.id for c in p.stations] == ["S0", "S1"]
    assert [s.id for s in p.stops] == ["C1", "C2", "C3"]
    vt = p.vehicle_types[0]
    assert vt.powertrain.battery_usable_kwh == 60 and vt.powertrain.fixed_kwh_per_km == 1000
    assert p.stations[1].power_kw == pytest.approx(1800.0)  # 1/g energy per time unit


def test_charge_only_what_is_needed_by_hand():
    """D0 -> C1 (20) -> C2 (20) -> C3 (30) -> D0 (50): 120 units of energy from a 60 battery.

    Without a station the battery runs out; with S1 (at x=30) between C1 and C2 the route is
    D0 -C1 20, C1-S1 10, S1-C2 10, C2-C3 30, C3-D0 50 = 120: it reaches S1 with 30 left and must
    leave with 90 - 0 = 90 needed... capped by the battery (60), so one visit cannot do it."""
    p = read_evrptw(TINY)
    no_station = check(p, Solution(routes=(Route(vehicle="ev-1", vehicle_type="ev",
                                                 stops=("C1", "C2", "C3")),)))  # fmt: skip
    assert "energy" in {v.kind for v in no_station.violations}
    one = check(p, Solution(routes=(Route(vehicle="ev-1", vehicle_type="ev",
                                          stops=("C1", "S1", "C2", "C3")),)))  # fmt: skip
    assert "energy" in {v.kind for v in one.violations}  # needs 90 after S1, holds 60


def test_partial_recharge_amount_and_time_by_hand():
    """D0 -> C1 -> S1 -> C2 -> D0: legs 20, 10, 10, 40 = 80 units; battery 60.

    Arriving at S1 with 30 left, it must leave with the 50 still to drive: charge 20 units,
    which takes g * 20 = 40 time units. Distance 80, duration 80 + 2*10 service + 40 = 140."""
    p = read_evrptw(TINY)
    c3 = (Unassigned(stop="C3", reason="other"),)
    rep = check(p, Solution(routes=(Route(vehicle="ev-1", vehicle_type="ev",
                                          stops=("C1", "S1", "C2")),), unassigned=c3))  # fmt: skip
    assert rep.feasible, rep.violations
    r = rep.routes[0]
    charge = next(s for s in r.steps if s.kind == "charge")
    assert charge.charged_kwh == pytest.approx(20.0)
    assert charge.charge_s == pytest.approx(40.0)
    assert r.distance_m == pytest.approx(80.0)
    assert r.duration_s == pytest.approx(140.0)
    assert r.steps[-1].soc_kwh == pytest.approx(0.0, abs=1e-6)
    # an explicit amount that is too small is caught
    short = Route(vehicle="ev-1", vehicle_type="ev", stops=("C1", "S1", "C2"),
                  charges=(Charge(position=1, energy_kwh=5.0),))  # fmt: skip
    assert "energy" in {
        v.kind for v in check(p, Solution(routes=(short,), unassigned=c3)).violations
    }


def test_route_string_round_trip():
    p = read_evrptw(TINY)
    sol = routes_from_configuration("D0;C1;S1;C2;D0;D0;C3;D0", p)
    assert [r.stops for r in sol.routes] == [("C1", "S1", "C2"), ("C3",)]
    assert solution_to_configuration(sol, p) == "D0;C1;S1;C2;D0;D0;C3;D0"


def test_published_best_known_routes_check_feasible(shared_data):
    """Every route set in bks-evrptwpr.csv checks feasible, with the stated vehicles and
    distance, under partial recharging at the stated rate (instances present in shared data)."""
    folder = shared_data / "evrptw" / "schneider"
    rows = list(csv.DictReader((folder / "bks" / "bks-evrptwpr.csv").open(), delimiter="\t"))
    checked = 0
    for row in rows:
        path = folder / "large" / f"{row['INSTANCE'].lower()}_21.txt"
        if not path.exists():
            continue
        p = read_evrptw(path)
        sol = routes_from_configuration(row["CONFIGURATION"], p)
        rep = check(p, sol)
        assert rep.feasible, (row["INSTANCE"], rep.violations[:2])
        assert len(sol.routes) == int(row["NUM_VEHICLES"])
        assert rep.kpis["distance_m"] == pytest.approx(float(row["TOTAL_DISTANCE"]), abs=1e-3)
        checked += 1
    assert checked >= 20
