"""The PyVRP engine: every stop served once or unassigned with a reason, plans pass the checker."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voltroute.api import plan
from voltroute.evaluate import check
from voltroute.model import ProblemError
from voltroute.solve import SolveParams, solve

FAST = dict(time_limit_s=5, max_iterations=300)


def test_small_problem_feasible_and_deterministic(small_problem):
    a = solve(small_problem, SolveParams(seed=3, **FAST))
    b = solve(small_problem, SolveParams(seed=3, **FAST))
    assert [r.stops for r in a.routes] == [r.stops for r in b.routes]
    rep = check(small_problem, a)
    assert rep.feasible, rep.violations
    served = [s for r in a.routes for s in r.stops] + [u.stop for u in a.unassigned]
    assert sorted(served) == sorted(s.id for s in small_problem.stops)


def test_plan_attaches_steps_and_kpis(small_problem):
    sol = plan(small_problem, seed=1, **FAST)
    assert sol.kpis["feasible"]
    for r in sol.routes:
        assert len(r.steps) == len(r.stops) + 2
        assert r.kpis["distance_m"] > 0
        vt = small_problem.vehicle_type_by_id[r.vehicle_type]
        if vt.is_electric:
            assert r.steps[-1].soc_kwh < r.steps[0].soc_kwh
            assert r.kpis["energy_kwh"] > 0 and r.kpis["fuel_l"] == 0
        else:
            assert r.kpis["fuel_l"] > 0 and r.kpis["energy_kwh"] == 0


def test_too_heavy_stop_is_reported_not_dropped(small_problem):
    stops = list(small_problem.stops)
    heavy = stops[0].parcels[0].replace(weight_kg=5000.0)
    stops[0] = stops[0].replace(parcels=[heavy, *stops[0].parcels[1:]])
    p = small_problem.replace(stops=stops)
    sol = solve(p, SolveParams(**FAST))
    reasons = {u.stop: u.reason for u in sol.unassigned}
    assert reasons[stops[0].id] == "capacity"
    assert check(p, sol).feasible


def test_unreachable_window_is_reported(small_problem):
    stops = list(small_problem.stops)
    stops[2] = stops[2].replace(time_window={"start_s": 0, "end_s": 60})  # before the shift
    p = small_problem.replace(stops=stops)
    sol = solve(p, SolveParams(**FAST))
    assert {u.stop: u.reason for u in sol.unassigned}[stops[2].id] == "time_window"


def test_too_small_fleet_reports_fleet_size(small_problem):
    vts = [vt.replace(count=1, capacity_kg=25.0) for vt in small_problem.vehicle_types[:1]]
    p = small_problem.replace(vehicle_types=vts)
    sol = solve(p, SolveParams(**FAST))
    rep = check(p, sol)
    assert rep.feasible, rep.violations
    assert sol.unassigned, "25 kg cannot carry every parcel"
    assert {u.reason for u in sol.unassigned} <= {"fleet_size", "capacity"}


def test_energy_limits_routes(small_problem):
    """A battery too small for the whole day forces more routes or unassigned stops."""
    vts = []
    for vt in small_problem.vehicle_types:
        if vt.is_electric:
            vt = vt.replace(powertrain=vt.powertrain.replace(battery_usable_kwh=4.0), count=6)
        vts.append(vt)
    p = small_problem.replace(vehicle_types=[v for v in vts if v.is_electric])
    sol = plan(p, **FAST)
    assert sol.kpis["feasible"]
    for r in sol.routes:
        assert r.kpis["min_soc_kwh"] >= 0.1 * r.steps[0].soc_kwh - 1e-9


def test_optional_stop_with_zero_penalty_not_served(small_problem):
    stops = list(small_problem.stops)
    stops[0] = stops[0].replace(required=False, unserved_penalty=0.0)
    p = small_problem.replace(stops=stops)
    sol = solve(p, SolveParams(**FAST))
    assert {u.stop: u.reason for u in sol.unassigned}.get(stops[0].id) == "not_profitable"


def test_params_validate():
    with pytest.raises(ProblemError, match="time_limit_s"):
        SolveParams(time_limit_s=0)
    with pytest.raises(ProblemError, match="seed"):
        SolveParams(seed=-1)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.floats(0.1, 400.0), min_size=14, max_size=14),
    st.integers(1, 3),
)
def test_property_every_stop_served_once_or_unassigned(small_problem, weights, count):
    stops = [
        s.replace(parcels=[s.parcels[0].replace(weight_kg=w)])
        for s, w in zip(small_problem.stops, weights, strict=False)
    ]
    vts = [vt.replace(count=count) for vt in small_problem.vehicle_types]
    p = small_problem.replace(stops=stops, vehicle_types=vts)
    sol = solve(p, SolveParams(time_limit_s=2, max_iterations=100))
    ids = [s for r in sol.routes for s in r.stops] + [u.stop for u in sol.unassigned]
    assert sorted(ids) == sorted(s.id for s in p.stops)
    assert check(p, sol).feasible


def test_unpriced_problem_minimises_distance(data_dir):
    """An imported route with no costs at all is planned for the shortest distance."""
    from voltroute.io.lmrrc import import_route, list_routes

    for rid in list_routes(data_dir / "lmrrc_small"):
        problem, driver = import_route(data_dir / "lmrrc_small", rid)
        assert all(
            vt.cost_per_km == 0 and vt.driver_cost_per_hour == 0 for vt in problem.vehicle_types
        )
        ours = check(problem, solve(problem, SolveParams(**FAST)))
        theirs = check(problem, driver)
        assert ours.feasible
        assert ours.kpis["distance_m"] <= theirs.kpis["distance_m"] + 1e-6


@pytest.mark.parametrize("mode", ["full", "half"])
def test_energy_budget_modes_give_checker_feasible_plans(small_problem, mode):
    """Even the optimistic 'half' payload budget ends in plans the checker accepts (repair)."""
    vts = [
        vt.replace(powertrain=vt.powertrain.replace(battery_usable_kwh=3.5), count=8)
        for vt in small_problem.vehicle_types
        if vt.is_electric
    ]
    p = small_problem.replace(vehicle_types=vts)
    sol = solve(p, SolveParams(energy_payload=mode, **FAST))
    rep = check(p, sol)
    assert rep.feasible, rep.violations
    served = [s for r in sol.routes for s in r.stops]
    assert len(served) + len(sol.unassigned) == len(p.stops)
