"""Synchronisation checker: hand-computed timings, one test per violation kind, properties."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voltroute.evaluate.sync import check_sync
from voltroute.solve.sidekick import SidekickInstance, plan_for_tour, schedule


def line_instance(**kw: object) -> SidekickInstance:
    """Depot 0 at x=0, customers 1..3 at x=10, 20, 30 on a line; drone at twice the speed."""
    xs = np.array([0.0, 10.0, 20.0, 30.0])
    d = np.abs(xs[:, None] - xs[None, :])
    base = dict(
        truck_time_s=d,
        truck_dist_m=d,
        drone_time_s=d / 2,
        drone_dist_m=d,
        drone_eligible=np.ones(4, dtype=bool),
        truck_service_s=np.array([0, 5, 5, 5.0]),
        drone_service_s=np.array([0, 2, 2, 2.0]),
        launch_s=1.0,
        recovery_s=3.0,
        num_drones=1,
        parcel_kg=np.array([0, 1, 1, 9.0]),
        drone_payload_kg=5.0,
    )
    base.update(kw)
    return SidekickInstance(**base)  # type: ignore[arg-type]


def hand_plan(inst: SidekickInstance):  # van 0 -> 1 -> 3 -> 0, drone 1 -> 2 -> 3
    return schedule(inst, [0, 1, 3, 0], [(1, 2, 2)])


def test_hand_computed_schedule() -> None:
    inst = line_instance(parcel_kg=None)
    sol = hand_plan(inst)
    # van: arrive 1 at 10, serve until 15, launch until 16, drive 20 -> arrive 3 at 36.
    # drone: leaves 16, 5 s to customer 2, 2 s service, 5 s to 3 -> there at 28 < 36.
    # at 3: recover 36..39, serve 39..44, drive 30 -> 74.
    assert sol.arrival_s == (0.0, 10.0, 36.0, 74.0)
    assert sol.sorties[0].launch_start_s == 15.0 and sol.sorties[0].recovery_start_s == 36.0
    rep = check_sync(inst, sol)
    assert rep.feasible, rep.violations
    assert rep.makespan_s == pytest.approx(74.0)
    assert rep.drone_dist_m == pytest.approx(20.0)


def _kinds(inst: SidekickInstance, sol) -> set[str]:
    return {v.split(":")[0] for v in check_sync(inst, sol).violations}


def test_violation_beyond_endurance() -> None:
    end = np.full((4, 4, 4), np.inf)
    end[1, 2, 3] = 15.0  # airborne 16..36 = 20 s
    inst = line_instance(parcel_kg=None, endurance_s=end)
    assert "endurance" in _kinds(inst, hand_plan(inst))


def test_violation_beyond_energy() -> None:
    fe = np.full((4, 4, 4), 100.0)
    inst = line_instance(parcel_kg=None, flight_energy_j=fe, hover_power_w=10.0, battery_j=150.0)
    # hover 20 - 12 = 8 s -> 180 J > 150 J
    assert "energy" in _kinds(inst, hand_plan(inst))


def test_violation_too_heavy_and_ineligible() -> None:
    inst = line_instance(parcel_kg=np.array([0, 1, 9, 1.0]))
    assert "too_heavy" in _kinds(inst, hand_plan(line_instance(parcel_kg=None)))
    elig = np.array([False, True, False, True])
    inst2 = line_instance(parcel_kg=None, drone_eligible=elig)
    assert "ineligible" in _kinds(inst2, hand_plan(line_instance(parcel_kg=None)))


def test_violation_recovery_before_launch() -> None:
    inst = line_instance(parcel_kg=None)
    sol = hand_plan(inst)
    bad = replace(sol, sorties=(replace(sol.sorties[0], launch_index=2, recovery_index=1),))
    assert "order" in _kinds(inst, bad)


def test_violation_van_absent_and_flight_too_fast() -> None:
    inst = line_instance(parcel_kg=None)
    sol = hand_plan(inst)
    early = replace(sol, sorties=(replace(sol.sorties[0], recovery_start_s=20.0),))
    kinds = _kinds(inst, early)
    assert "driver" in kinds  # the van reaches stop 2 only at 36
    assert "flight" in kinds  # the drone cannot be back before 28


def test_violation_more_drones_than_carried() -> None:
    inst = line_instance(parcel_kg=None, truck_service_s=np.zeros(4))
    sol = schedule(replace(inst, num_drones=2), [0, 3, 0], [(0, 1, 1), (0, 2, 1)])
    assert "drone" in _kinds(inst, sol)
    assert check_sync(replace(inst, num_drones=2), sol).feasible


def test_violation_coverage_and_travel() -> None:
    inst = line_instance(parcel_kg=None)
    sol = hand_plan(inst)
    assert "coverage" in _kinds(inst, replace(sol, sorties=()))
    fast = replace(sol, arrival_s=(0.0, 5.0, 36.0, 74.0))
    assert "travel" in _kinds(inst, fast)


@settings(max_examples=40, deadline=None)
@given(
    pts=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=3, max_size=7),
    speed=st.sampled_from([0.3, 0.5, 1.0]),
    launch=st.sampled_from([0.0, 2.0]),
    seed=st.integers(0, 1000),
)
def test_property_dp_plans_are_feasible(pts, speed, launch, seed) -> None:
    xy = np.array([(0, 0), *pts], dtype=float)
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    n = len(xy)
    rng = np.random.default_rng(seed)
    elig = rng.random(n) < 0.7
    inst = SidekickInstance(
        truck_time_s=d,
        truck_dist_m=d,
        drone_time_s=speed * d,
        drone_dist_m=d,
        drone_eligible=elig,
        truck_service_s=np.r_[0, np.ones(n - 1)],
        drone_service_s=np.r_[0, np.ones(n - 1)],
        launch_s=launch,
        recovery_s=launch,
        num_drones=int(rng.integers(1, 3)),
        allow_same_node_recovery=bool(rng.random() < 0.5),
    )
    tour = [int(v) for v in rng.permutation(np.arange(1, n))]
    sol = plan_for_tour(inst, tour)
    rep = check_sync(inst, sol)
    assert rep.feasible, rep.violations
    assert rep.makespan_s == pytest.approx(sol.stats["dp_value"])
    assert all(elig[s.customer] for s in sol.sorties)
    van_only = sum(d[a, b] for a, b in zip([0, *tour], [*tour, 0], strict=False)) + (n - 1)
    assert rep.makespan_s <= van_only + 1e-9  # the van-only plan is among the DP's choices
