"""Aerial engine, van-carried units: sidekick plans converted to the native format, the reverse
move, re-anchoring, and robots that go home to a depot by themselves."""

from __future__ import annotations

import numpy as np
import pytest

from voltroute.energy.aerial import drone_spec_from_preset, robot_spec_from_preset
from voltroute.evaluate import check
from voltroute.model import (
    Depot,
    DroneFleet,
    Location,
    Parcel,
    Problem,
    RobotFleet,
    Route,
    Solution,
    Sortie,
    Stop,
    Travel,
    VehicleType,
)
from voltroute.network import travel_matrices
from voltroute.solve import SolveParams
from voltroute.solve.aerial_engine import (
    HUB,
    AerialEngine,
    _Ctx,
    _evaluate_route,
    _Op,
    straight_line_matrix_m,
)

FAST = SolveParams(time_limit_s=2.0, seed=1, max_iterations=200)


def _van(**kw) -> VehicleType:
    base = dict(id="van", capacity_kg=800, capacity_m3=8, start_depot="D", count=1,
                shift_start_s=8 * 3600, shift_end_s=18 * 3600, driver_cost_per_hour=30.0,
                cost_per_km=0.3)  # fmt: skip
    return VehicleType(**{**base, **kw})


def _stop(sid: str, x: float, y: float, service: int = 180, kg: float = 1.0) -> Stop:
    return Stop(id=sid, location=Location(x=x, y=y), service_time_s=service,
                parcels=(Parcel(id="p" + sid, weight_kg=kg, volume_m3=0.004),))  # fmt: skip


def _ring_problem(**fleets) -> Problem:
    """12 houses on a 2.5 km ring around the depot, no time windows."""
    stops = [
        _stop(f"s{i}", 2500 * np.cos(2 * np.pi * i / 12), 2500 * np.sin(2 * np.pi * i / 12))
        for i in range(12)
    ]
    return Problem(depots=(Depot(id="D", location=Location(x=0, y=0)),), stops=tuple(stops),
                   vehicle_types=(_van(),), travel=Travel(model="euclidean", speed_kph=25),
                   **fleets)  # fmt: skip


def _ctx(problem: Problem) -> _Ctx:
    m = travel_matrices(problem)
    return _Ctx(problem, np.asarray(m.distance_m, float), np.asarray(m.duration_s, float),
                straight_line_matrix_m(problem), problem.conditions.ambient_temp_c)  # fmt: skip


def _drones(count: int = 1, **spec) -> DroneFleet:
    s = drone_spec_from_preset("zipline-p2", fixed_cost_per_day=0.0, **spec)
    return DroneFleet(id="vd", base="van", count=count, spec=s)


@pytest.mark.parametrize("count", [1, 2])
def test_sidekick_plans_convert_to_checked_native_plans(count: int) -> None:
    problem = _ring_problem(drones=(_drones(count),))
    ctx = _ctx(problem)
    vt = problem.vehicle_types[0]
    seq = [s.id for s in problem.stops]
    plans = AerialEngine()._sidekick_plans(ctx, vt, seq, problem.drones[0], 1.0, FAST)
    assert {how for how, _, _ in plans} == {"sidekick", "sidekick-own-sequence"}
    for _how, new_seq, ops in plans:
        assert ops, "drones should take some of the ring"
        assert sorted(new_seq + [o.stop.id for o in ops]) == sorted(seq)
        ev = _evaluate_route(ctx, vt, new_seq, ops, 8 * 3600.0)
        assert ev.feasible
        ids = ["D", *new_seq, "D"]
        sol = Solution(
            routes=(Route(vehicle="van-1", vehicle_type="van", stops=tuple(new_seq),
                          start_s=8 * 3600),),
            sorties=tuple(
                Sortie(kind="drone", fleet="vd", unit=o.unit, vehicle="van-1", stop=o.stop.id,
                       launch_at=ids[o.l], recover_at=ids[o.r])
                for o in ops
            ),
        )  # fmt: skip
        report = check(problem, sol)
        assert report.feasible, report.violations
        # the engine's replay and the checker price the plan alike (the engine costs van energy
        # at empty payload, the checker at the real load)
        assert ev.cost == pytest.approx(report.kpis["cost"]["total"], rel=0.01)


@pytest.mark.parametrize("method", ["sidekick", "best", "fixed"])
def test_engine_methods_give_checked_plans(method: str) -> None:
    problem = _ring_problem(drones=(_drones(2),))
    sol = AerialEngine(van_drones=method).solve(problem, FAST)
    report = check(problem, sol)
    assert report.feasible, report.violations
    assert "fallbacks" not in sol.solver, sol.solver
    plans = sol.solver["van_plans"]
    if method == "fixed":
        assert set(plans) <= {"fixed", "van"}
    if method == "sidekick":
        assert set(plans) <= {"sidekick", "sidekick-own-sequence", "van"}
    assert sol.sorties


def test_reverse_move_gives_a_stop_back_to_the_van() -> None:
    # drones cost 500/h of supervision: every flight loses money, the search must undo it
    problem = _ring_problem(drones=(_drones(1, cost_per_hour=500.0),))
    ctx = _ctx(problem)
    vt = problem.vehicle_types[0]
    seq = [s.id for s in problem.stops]
    flown = problem.stop_by_id["s1"]
    rest = [x for x in seq if x != "s1"]
    ops = [_Op(problem.drones[0], "vd-1", flown, 1, 2)]  # launch at s0, recover at s2
    start = 8 * 3600.0
    before = _evaluate_route(ctx, vt, rest, ops, start)
    assert before.feasible
    new_seq, new_ops, ev = AerialEngine()._search(
        ctx, vt, rest, ops, start, list(problem.drones), deadline=float("inf")
    )
    assert new_ops == [] and sorted(new_seq) == sorted(seq)
    assert ev.cost < before.cost
    assert ev.cost == pytest.approx(_evaluate_route(ctx, vt, seq, [], start).cost)


def test_re_anchoring_moves_a_bad_recovery_point() -> None:
    # recovered 5 points after launch: the drone hovers while the van drives around the ring
    problem = _ring_problem(drones=(_drones(1),))
    ctx = _ctx(problem)
    vt = problem.vehicle_types[0]
    rest = [s.id for s in problem.stops if s.id != "s1"]
    ops = [_Op(problem.drones[0], "vd-1", problem.stop_by_id["s1"], 1, 6)]
    start = 8 * 3600.0
    before = _evaluate_route(ctx, vt, rest, ops, start)
    _seq, new_ops, ev = AerialEngine()._search(
        ctx, vt, rest, ops, start, list(problem.drones), deadline=float("inf")
    )
    assert before.feasible and ev.feasible and ev.cost < before.cost
    flight = next(o for o in new_ops if o.stop.id == "s1") if new_ops else None
    assert flight is None or flight.r < 6


def test_robot_goes_home_to_the_depot_by_itself() -> None:
    # r1 is 300 m from the depot, the rest of the route 3 km away: a robot dropped at the depot
    # walks to r1 and home, instead of walking 3 km to meet the van (or the van collecting it)
    stops = (_stop("r1", 300, 0), _stop("b", 3000, 0), _stop("c", 3000, 500),
             _stop("e", 2500, 800))  # fmt: skip
    spec = robot_spec_from_preset("starship-robot", fixed_cost_per_day=0.0)
    robots = (RobotFleet(id="bot", base="van", count=1, spec=spec),)
    problem = Problem(depots=(Depot(id="D", location=Location(x=0, y=0)),), stops=stops,
                      vehicle_types=(_van(),), travel=Travel(model="euclidean", speed_kph=25),
                      robots=robots)  # fmt: skip
    ctx = _ctx(problem)
    vt = problem.vehicle_types[0]
    seq, ops, ev = AerialEngine()._search(
        ctx, vt, ["r1", "b", "c", "e"], [], 8 * 3600.0, list(robots), deadline=float("inf")
    )
    home = [o for o in ops if o.r == HUB]
    assert [o.stop.id for o in home] == ["r1"] and home[0].hub == "D" and home[0].l == 0
    assert "r1" not in seq
    sol = AerialEngine().solve(problem, FAST)
    report = check(problem, sol)
    assert report.feasible, report.violations
    (trip,) = [s for s in sol.sorties if s.stop == "r1"]
    assert trip.recover_at == "D" and trip.launch_at == "D"
    # the van never waits for it: at most the launch adds to its day
    assert report.kpis["van_sync_wait_s"] <= spec.launch_s + 1e-6


def test_checker_rejects_a_robot_home_after_the_depot_closes() -> None:
    stops = (_stop("r1", 300, 0), _stop("b", 3000, 0))
    spec = robot_spec_from_preset("starship-robot", fixed_cost_per_day=0.0)
    robots = (RobotFleet(id="bot", base="van", count=1, spec=spec),)
    depot = Depot(id="D", location=Location(x=0, y=0), close_s=8 * 3600 + 200)
    problem = Problem(depots=(depot,), stops=stops, vehicle_types=(_van(shift_end_s=None),),
                      travel=Travel(model="euclidean", speed_kph=25), robots=robots)  # fmt: skip
    sol = Solution(
        routes=(Route(vehicle="van-1", vehicle_type="van", stops=("b",), start_s=8 * 3600),),
        sorties=(Sortie(kind="robot", fleet="bot", unit="bot-1", vehicle="van-1", stop="r1",
                        launch_at="D", recover_at="D"),),
    )  # fmt: skip
    report = check(problem, sol)
    assert not report.feasible
    assert any("after it closes" in v.message for v in report.violations)
