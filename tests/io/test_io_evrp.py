"""CEC-2020 EVRP: reading, the solution line, and full instant recharging in the checker."""

from __future__ import annotations

from pathlib import Path

import pytest

from voltroute.evaluate import check
from voltroute.io import read_problem
from voltroute.io.evrp import min_routes, read_evrp, read_evrp_line, solution_to_evrp_line

TINY = Path(__file__).resolve().parents[1] / "data" / "evrptw" / "tiny.evrp"


def test_tiny_mapping():
    p = read_problem(TINY)
    assert [s.id for s in p.stops] == ["2", "3", "4"]
    assert [c.id for c in p.stations] == ["5"]
    assert p.charging == "full" and p.vehicle_types[0].capacity_kg == 100
    assert min_routes(TINY) == 1


def test_full_instant_recharge_by_hand():
    """Battery 50. The tour 1 2 3 4 1 is 30 + 40 + 30 + 40 = 140: infeasible. Route 1 2 5 1 is
    30 + 20 = 50 to the station at (30, 20), arriving empty (reserve 0), recharging instantly to
    50, then sqrt(30^2 + 20^2) = 36.06 home: feasible. Route 1 4 1 is 80: infeasible."""
    p = read_evrp(TINY)
    whole = read_evrp_line("1 2 3 4 1", p)
    assert "energy" in {v.kind for v in check(p, whole).violations}
    sol = read_evrp_line("1 2 5 1 4 1", p)
    rep = check(p, sol)
    assert {v.kind for v in rep.violations} == {"missing", "energy"}  # stop 3; route 1 4 1
    assert [v.route for v in rep.violations if v.kind == "energy"] == ["ev-2"]
    r = rep.routes[0]
    charge = next(s for s in r.steps if s.kind == "charge")
    assert charge.charged_kwh == pytest.approx(50.0)  # arrives empty, leaves full
    assert charge.charge_s == pytest.approx(0.0, abs=1e-6)
    assert r.distance_m == pytest.approx(30 + 20 + 36.0555127546, rel=1e-9)
    assert solution_to_evrp_line(sol, p) == "1 2 5 1 4 1"


def test_competition_instances_read(shared_data):
    folder = shared_data / "evrp-cec2020"
    for path in sorted(folder.glob("*.evrp")):
        p = read_evrp(path)
        head = path.read_text()
        dim = int(next(x for x in head.splitlines() if x.startswith("DIMENSION")).split(":")[1])
        n_st = int(next(x for x in head.splitlines() if x.startswith("STATIONS:")).split(":")[1])
        assert len(p.stops) == dim - 1 and len(p.stations) == n_st
