"""Vans share the stations' connectors: the checker counts them, the engine waits or re-plans.

All on the tiny E-VRPTW instance (a line: D0 at 0, C1 at 20, S1 at 30, C2 at 40; speed 1, one
unit of charge per 2 s, battery 60, service 10). By hand:
- ev-2 serves C1 (done at 30), reaches S1 at 40 with 30 left and charges 20: plugged 40-80.
- ev-1 serves C2 (done at 50), reaches S1 at 60 with 10 left and needs 20 to get home (30):
  plugged 60-100, home at 130; if it waits for ev-2 it plugs 80-120 and is home at 150.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voltroute.evaluate import check
from voltroute.io.evrptw import read_evrptw
from voltroute.model import Charge, ChargingStation, Problem, Route, Solution, Unassigned
from voltroute.network import travel_matrices
from voltroute.solve import SolveParams, solve
from voltroute.solve.charging_engine import _share_connectors
from voltroute.solve.stations import ConnectorCalendar, StationInserter

TINY = Path(__file__).resolve().parents[1] / "data" / "evrptw" / "tiny.txt"


def _problem(connectors: int = 1, shift_end_s: int = 1000, extra_station: bool = False) -> Problem:
    p = read_evrptw(TINY)
    stations = [s.replace(connectors=connectors) for s in p.stations]
    if extra_station:  # S2 next to C2: a zero detour after serving it
        c2 = p.stop_by_id["C2"]
        stations.append(ChargingStation(id="S2", location=c2.location, power_kw=1800.0))
    vt = p.vehicle_types[0].replace(shift_end_s=shift_end_s)
    return p.replace(
        stations=tuple(stations),
        stops=tuple(s for s in p.stops if s.id != "C3"),
        vehicle_types=(vt,),
    )


def _routes(hold_s: float | None = None) -> list[Route]:
    return [
        Route(vehicle="ev-1", vehicle_type="ev", stops=("C2", "S1"), start_s=0.0,
              charges=(Charge(position=1, energy_kwh=20.0, start_s=hold_s),)),
        Route(vehicle="ev-2", vehicle_type="ev", stops=("C1", "S1"), start_s=0.0,
              charges=(Charge(position=1, energy_kwh=20.0),)),
    ]  # fmt: skip


def _inserter(p: Problem) -> StationInserter:
    m = travel_matrices(p)
    return StationInserter(p, np.asarray(m.distance_m), np.asarray(m.duration_s))


def test_checker_counts_connectors_across_routes():
    rep = check(_problem(), Solution(routes=tuple(_routes())))
    (v,) = rep.violations
    assert v.kind == "connectors" and v.route == "ev-1" and v.stop == "S1"
    assert "at 60 s" in v.message and "all 1 of its connectors" in v.message
    assert "(ev-2)" in v.message
    assert check(_problem(connectors=2), Solution(routes=tuple(_routes()))).feasible


def test_checker_honours_a_held_plug_in():
    rep = check(_problem(), Solution(routes=tuple(_routes(hold_s=80.0))))
    assert rep.feasible, rep.violations
    ev1 = next(r for r in rep.routes if r.vehicle == "ev-1")
    charge = ev1.steps[2]
    assert (charge.arrival_s, charge.service_start_s, charge.departure_s) == (60, 80, 120)
    assert charge.wait_s == pytest.approx(20.0)
    assert ev1.steps[-1].arrival_s == pytest.approx(150.0)
    # plugging in one second too early overlaps ev-2's session
    late = check(_problem(), Solution(routes=tuple(_routes(hold_s=79.0))))
    assert [v.kind for v in late.violations] == ["connectors"]


def test_calendar_earliest_free_connector():
    p = _problem(connectors=2)
    cal = ConnectorCalendar(p)
    s1 = p.station_index["S1"]
    assert cal.earliest(s1, 10.0, 50.0) == 10.0
    cal.book(s1, 0.0, 100.0)
    cal.book(s1, 20.0, 40.0)
    assert cal.earliest(s1, 10.0, 5.0) == 10.0  # one session until 20
    assert cal.earliest(s1, 10.0, 20.0) == 40.0  # [10, 30) meets both sessions at 20
    cal.book(s1, 50.0, 60.0)
    assert cal.earliest(s1, 30.0, 15.0) == 60.0  # [40, 55) meets the one from 50
    assert cal.earliest(s1, 30.0, 10.0) == 40.0  # [40, 50) fits, touching both ends
    assert cal.earliest(s1, 30.0, 0.0) == 30.0  # a zero-length visit takes no connector


def test_engine_repair_waits_for_a_free_connector():
    p = _problem()
    diesel = p.vehicle_types[0].replace(id="dv", count=1, powertrain=None, cost_per_km=1.0)
    p = p.replace(vehicle_types=(*p.vehicle_types, diesel), stops=read_evrptw(TINY).stops)
    mixed = [Route(vehicle="dv-1", vehicle_type="dv", stops=("C3",), start_s=0.0), *_routes()]
    routes, lost, counts = _share_connectors(p, _inserter(p), mixed, {"ev": ["ev-3"], "dv": []})
    assert lost == [] and counts["connector_holds"] == 1
    assert routes[0] == mixed[0]  # the diesel van is left alone
    assert [r.vehicle for r in routes] == ["dv-1", "ev-1", "ev-2"]  # the input order
    assert routes[1].charges[0].start_s == pytest.approx(80.0)  # ev-2 plugged in first
    assert routes[2].charges[0].start_s is None
    assert check(p, Solution(routes=tuple(routes))).feasible


def test_engine_repair_charges_elsewhere_when_waiting_breaks_the_shift():
    """Home by 140: waiting for S1 brings ev-1 home at 150, S2 (at C2) at 50-90 and home at 130."""
    p = _problem(shift_end_s=140, extra_station=True)
    routes, lost, counts = _share_connectors(p, _inserter(p), _routes(), {"ev": []})
    assert lost == [] and counts["connector_replans"] == 1
    assert routes[0].stops == ("C2", "S2")
    rep = check(p, Solution(routes=tuple(routes)))
    assert rep.feasible, rep.violations
    assert rep.routes[0].steps[-1].arrival_s == pytest.approx(130.0)


def test_engine_repair_reports_stops_it_cannot_keep():
    p = _problem(shift_end_s=140)
    routes, lost, _ = _share_connectors(p, _inserter(p), _routes(), {"ev": []})
    assert lost == ["C2"] and [r.vehicle for r in routes] == ["ev-2"]
    sol = Solution(routes=tuple(routes), unassigned=(Unassigned(stop="C2", reason="energy"),))
    assert check(p, sol).feasible


def test_solve_waits_for_the_connector_it_shares():
    """One stop per van (capacity) and a 30 kWh battery: both vans charge at S1, ev-2 twice.
    Planned with unlimited connectors, the plan overbooks a single one; planned with one, a van
    waits and the checker finds no violation."""
    p = read_evrptw(TINY)
    vt = p.vehicle_types[0]
    vt = vt.replace(capacity_kg=10, powertrain=vt.powertrain.replace(battery_usable_kwh=30))
    one = p.replace(vehicle_types=(vt,), stops=tuple(s for s in p.stops if s.id != "C3"),
                    stations=tuple(s.replace(connectors=1) for s in p.stations))  # fmt: skip
    params = SolveParams(time_limit_s=1, max_iterations=100)
    free = solve(one.replace(stations=p.stations), params)
    assert "connectors" in {v.kind for v in check(one, free).violations}
    sol = solve(one, params)
    rep = check(one, sol)
    assert rep.feasible, rep.violations
    assert sol.solver["connector_holds"] >= 1
    assert any(c.start_s is not None for r in sol.routes for c in r.charges)
    served = [s for r in sol.routes for s in r.stops if s in one.stop_by_id]
    assert sorted(served) == ["C1", "C2"] and not sol.unassigned


@settings(max_examples=60, deadline=None)
@given(
    cap=st.integers(min_value=1, max_value=3),
    requests=st.lists(
        st.tuples(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=60)),
        max_size=25,
    ),
)
def test_calendar_never_overbooks_and_books_as_early_as_it_can(cap, requests):
    p = _problem(connectors=cap)
    s1 = p.station_index["S1"]
    cal = ConnectorCalendar(p)
    for t, d in requests:
        begin = cal.earliest(s1, float(t), float(d))
        assert begin >= t
        if d > 0:
            # no earlier moment in [t, begin) where a connector is free for d s: every start
            # that could be earlier is t itself or the end of a booked session
            ends = [e for _, e in cal.booked[s1] if t < e]
            earlier = [x for x in [float(t), *ends] if x < begin]
            for x in earlier:
                taken = max(
                    sum(1 for a, b in cal.booked[s1] if a <= m < b)
                    for m in [x] + [a for a, _ in cal.booked[s1] if x < a < x + d]
                )
                assert taken >= cap
        cal.book(s1, begin, begin + d)
    sessions = cal.booked[s1]
    for m in {a for a, _ in sessions}:
        assert sum(1 for a, b in sessions if a <= m < b) <= cap
