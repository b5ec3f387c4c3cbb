"""End to end: the aerial engine plans vans with drones and robots; the checker agrees."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voltroute.api import plan
from voltroute.compare import compare_modes, format_mode_table
from voltroute.energy.aerial import drone_spec_from_preset, robot_spec_from_preset
from voltroute.evaluate import check
from voltroute.io.native import load_problem
from voltroute.model import (
    Depot,
    DroneFleet,
    Location,
    Parcel,
    Problem,
    RobotFleet,
    Stop,
    Travel,
    VehicleType,
)
from voltroute.solve import SolveParams, solve

AERIAL = Path(__file__).resolve().parents[1] / "data" / "aerial"
FAST = {"time_limit_s": 0.5, "seed": 1, "max_iterations": 300}


def _van(**kw) -> VehicleType:
    base = dict(id="van", capacity_kg=800, capacity_m3=8, start_depot="D", count=2,
                shift_start_s=8 * 3600, shift_end_s=18 * 3600, driver_cost_per_hour=30.0,
                cost_per_km=0.3, fixed_cost_per_day=80.0)  # fmt: skip
    return VehicleType(**{**base, **kw})


def test_hub_drones_serve_only_eligible_stops() -> None:
    problem = load_problem(AERIAL / "hub_drones.json")
    sol = plan(problem, **FAST)
    report = check(problem, sol)
    assert report.feasible, report.violations
    flown = {s.stop for s in sol.sorties}
    assert flown, "free drones should take some stops"
    assert flown <= {"a", "b"}  # c no-fly, d too heavy, e not opted in, f parcel may not fly
    served = [s for r in sol.routes for s in r.stops] + [s.stop for s in sol.sorties]
    assert sorted(served + [u.stop for u in sol.unassigned]) == sorted(s.id for s in problem.stops)
    for s in sol.sorties:
        assert s.kpis["energy_wh"] > 0 and s.steps[0].kind == "launch"
    assert sol.kpis["flights"] == len(sol.sorties)
    assert sol.kpis["makespan_s"] > 0


def _cluster_problem(**fleets) -> Problem:
    """Pairs of neighbouring houses 60 m apart along a street, blocks 800 m apart."""
    stops = []
    for i in range(6):
        for j, dy in enumerate((0, 60)):
            sid = f"s{i}{j}"
            stops.append(
                Stop(
                    id=sid,
                    location=Location(x=800.0 * (i + 1), y=float(dy)),
                    service_time_s=180,
                    parcels=(Parcel(id="p" + sid, weight_kg=1.5, volume_m3=0.004),),
                )
            )
    return Problem(depots=(Depot(id="D", location=Location(x=0, y=0)),), stops=tuple(stops),
                   vehicle_types=(_van(count=1),), travel=Travel(model="euclidean",
                   speed_kph=25), **fleets)  # fmt: skip


def test_van_robots_take_neighbours_and_checker_agrees() -> None:
    spec = robot_spec_from_preset("starship-robot", fixed_cost_per_day=0.0, launch_s=20.0,
                                  collection_s=20.0, service_s=60.0)  # fmt: skip
    problem = _cluster_problem(robots=(RobotFleet(id="bot", base="van", count=2, spec=spec),))
    sol = plan(problem, **FAST)
    report = check(problem, sol)
    assert report.feasible, report.violations
    assert sol.kpis["robot_trips"] >= 1
    van_only = plan(problem.replace(robots=()), **FAST)
    assert sol.kpis["cost"]["total"] < van_only.kpis["cost"]["total"]
    for s in sol.sorties:
        assert s.vehicle == "van-1" and s.launch_at != s.recover_at


def test_van_drones_fixed_sequence_search() -> None:
    spec = drone_spec_from_preset("zipline-p2", fixed_cost_per_day=0.0, cost_per_hour=0.0)
    problem = _cluster_problem(drones=(DroneFleet(id="vd", base="van", count=1, spec=spec),))
    sol = solve(problem, SolveParams(**FAST))
    report = check(problem, sol)
    assert report.feasible, report.violations
    assert sol.solver["engine"] == "aerial"
    assert len(sol.sorties) >= 1


def test_compare_modes_table() -> None:
    problem = load_problem(AERIAL / "hub_drones.json")
    results = compare_modes(problem, time_limit_s=0.3, seed=1)
    assert [r.strategy for r in results] == ["van-only", "van+drones", "van+robots"]
    assert all(r.solution.kpis["feasible"] for r in results)
    assert results[0].solution.sorties == ()
    table = format_mode_table(results)
    assert "van+drones" in table and "makespan" in table


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(-1500, 1500), st.integers(-1500, 1500),
            st.sampled_from([0.3, 1.0, 2.0, 4.0, 12.0]), st.booleans(), st.booleans(),
            st.booleans(),
        ),
        min_size=2, max_size=7,
    )
)  # fmt: skip
def test_property_every_stop_once_and_ineligible_never_flies(rows) -> None:
    stops = tuple(
        Stop(id=f"s{i}", location=Location(x=float(x), y=float(y)), service_time_s=60,
             no_fly=nf, drone_opt_in=opt,
             parcels=(Parcel(id=f"p{i}", weight_kg=kg, volume_m3=0.003, drone_ok=ok),))
        for i, (x, y, kg, nf, opt, ok) in enumerate(rows)
    )  # fmt: skip
    spec = drone_spec_from_preset("zipline-p2", fixed_cost_per_day=0.0, cost_per_hour=0.0)
    problem = Problem(
        depots=(Depot(id="D", location=Location(x=0, y=0)),), stops=stops,
        vehicle_types=(_van(count=1),), travel=Travel(model="euclidean", speed_kph=30),
        drones=(DroneFleet(id="hub", base="hub", hub="D", count=1, spec=spec),
                DroneFleet(id="vd", base="van", count=1, spec=spec)),
    )  # fmt: skip
    sol = solve(problem, SolveParams(time_limit_s=0.2, seed=0, max_iterations=100))
    served = [s for r in sol.routes for s in r.stops] + [s.stop for s in sol.sorties]
    everything = served + [u.stop for u in sol.unassigned]
    assert sorted(everything) == sorted(s.id for s in stops)  # each exactly once
    for s in sol.sorties:
        stop = problem.stop_by_id[s.stop]
        assert stop.drone_opt_in and not stop.no_fly and stop.parcels[0].drone_ok
        assert stop.weight_kg <= spec.max_payload_kg
    assert check(problem, sol).feasible


def test_unknown_fleet_engine_refused_for_plain_problem() -> None:
    problem = load_problem(AERIAL / "hub_drones.json").replace(drones=())
    with pytest.raises(Exception, match="no drone or robot fleets"):
        solve(problem, SolveParams(time_limit_s=0.2, engine="aerial"))
