"""Split DP and search: brute force on tiny cases, and the published TSP-D optima."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from voltroute.evaluate.sync import check_sync
from voltroute.io.mfstsp import read_mfstsp
from voltroute.io.tspd import operations_cost, read_tspd, read_tspd_solution
from voltroute.solve.sidekick import (
    SidekickInstance,
    SidekickParams,
    plan_for_tour,
    solve_sidekick,
)

FIX = Path(__file__).resolve().parents[2] / "data" / "sidekick"


def test_dp_value_equals_schedule_and_checker() -> None:
    inst = read_tspd(FIX / "tiny.txt")
    for perm in itertools.permutations(range(1, 5)):
        sol = plan_for_tour(inst, list(perm))
        rep = check_sync(inst, sol)
        assert rep.feasible, rep.violations
        assert rep.makespan_s == pytest.approx(sol.stats["dp_value"])


def test_search_reaches_best_permutation() -> None:
    inst = read_tspd(FIX / "tiny.txt")
    best = min(plan_for_tour(inst, list(p)).makespan_s for p in itertools.permutations(range(1, 5)))
    sol = solve_sidekick(inst, SidekickParams(time_limit_s=1, max_iterations=20))
    assert sol.makespan_s == pytest.approx(best)
    truck_only = SidekickInstance(
        truck_time_s=inst.truck_time_s,
        truck_dist_m=inst.truck_dist_m,
        drone_time_s=inst.drone_time_s,
        drone_dist_m=inst.drone_dist_m,
        drone_eligible=np.zeros(5, dtype=bool),
        truck_service_s=np.zeros(5),
        drone_service_s=np.zeros(5),
    )
    assert (
        solve_sidekick(truck_only, SidekickParams(time_limit_s=1, max_iterations=5)).makespan_s
        > best
    )


def test_multi_drone_plan_is_checked_feasible() -> None:
    inst = read_mfstsp(FIX / "mfstsp_tiny", FIX / "vehicles_tiny.csv", num_drones=2)
    sol = solve_sidekick(inst, SidekickParams(time_limit_s=1, max_iterations=5))
    rep = check_sync(inst, sol)
    assert rep.feasible, rep.violations
    assert 2 not in sol.drone_customers  # 100 lbs never flies
    one = solve_sidekick(inst.with_drones(0), SidekickParams(time_limit_s=1, max_iterations=5))
    assert rep.makespan_s <= one.makespan_s + 1e-6
    assert all(s.energy_j is not None and s.energy_j <= inst.battery_j for s in sol.sorties)


@pytest.mark.parametrize(
    "name",
    # the last two optima need the van to go back to the stop it came from (A -> B -> A, a
    # drone sortie on each leg): the DP's anchor states
    ["uniform-1-n11", "uniform-alpha_3-20-n6", "uniform-22-n7", "uniform-46-n9"],
)
def test_published_optimum_reached(shared_data: Path, name: str) -> None:
    d = shared_data / "tspd" / "uniform"
    inst = read_tspd(d / f"{name}.txt")
    opt = operations_cost(inst, read_tspd_solution(d / "solutions" / f"{name}-DP.txt"))
    sol = solve_sidekick(inst, SidekickParams(time_limit_s=10, target=opt))
    assert check_sync(inst, sol).makespan_s == pytest.approx(opt, rel=1e-9)
