"""Chain-slack launch order and van customers trading positions (hand-checked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voltroute.evaluate.sync import check_sync
from voltroute.io.mfstsp import read_mfstsp
from voltroute.solve.sidekick import SidekickInstance
from voltroute.solve.sidekick.plans import Plan
from voltroute.solve.sidekick.search import (
    _neighbour_lists,
    _PlanCost,
    _stop_search,
    plan_solution,
    trade_stops,
)


def relaunch_instance() -> SidekickInstance:
    """Van 0 -> 1 -> 0 (10 s each way); drone legs: A 0-2-1 100 s, B 0-3-1 90 s, then
    A' 1-4-0 20 s and B' 1-5-0 200 s. Launch 10 s, recovery 5 s, no service."""
    n = 6
    tt = np.full((n, n), 1000.0)
    np.fill_diagonal(tt, 0.0)
    tt[0, 1] = tt[1, 0] = 10.0
    dt = np.full((n, n), 500.0)
    np.fill_diagonal(dt, 0.0)
    for a, b, t in ((0, 2, 50), (2, 1, 50), (0, 3, 45), (3, 1, 45)):
        dt[a, b] = dt[b, a] = t
    for a, b, t in ((1, 4, 10), (4, 0, 10), (1, 5, 100), (5, 0, 100)):
        dt[a, b] = dt[b, a] = t
    return SidekickInstance(
        truck_time_s=tt,
        truck_dist_m=tt.copy(),
        drone_time_s=dt,
        drone_dist_m=dt.copy(),
        drone_eligible=np.array([False, False, True, True, True, True]),
        truck_service_s=np.zeros(n),
        drone_service_s=np.zeros(n),
        launch_s=10.0,
        recovery_s=5.0,
        num_drones=2,
    )


def test_drone_with_longer_follow_on_launched_first() -> None:
    # Ordered by its own slack (-90 s against -80 s) A is launched first; A and B then both
    # land at 110, and the best policy launches B' at 120 (makespan 335, the scheduler before
    # the chain slack). Counting the follow-on sorties (B: 20 - 305 = -285 s, A: 20 - 135 =
    # -115 s), B goes first: B lands at 100, B' is launched 105-115, back at 315, recovered by
    # 320, which is optimal (B' cannot end before 10 + 90 + 5 + 10 + 200 + 5 = 320).
    inst = relaunch_instance()
    plan = Plan([0, 1, 0], [(0, 0, 2, 1), (0, 1, 4, 2), (1, 0, 3, 1), (1, 1, 5, 2)])
    sol = plan_solution(inst, plan)
    rep = check_sync(inst, sol)
    assert rep.feasible, rep.violations
    assert sol.makespan_s == pytest.approx(320.0)
    start = {s.customer: s.launch_start_s for s in sol.sorties}
    assert start == pytest.approx({3: 0.0, 2: 10.0, 5: 105.0, 4: 125.0})


def test_trade_stops_keeps_sortie_positions() -> None:
    plan = Plan([0, 5, 3, 0], [(0, 0, 1, 2), (0, 2, 6, 3)])
    out = trade_stops(plan, 1, 2)
    assert out.route == [0, 3, 5, 0]
    assert out.sorties == plan.sorties
    assert plan.route == [0, 5, 3, 0]


def test_murray_raj_optimum_8_customers_3_uavs(shared_data: Path) -> None:
    # 20170608T121411132375, vehicles 104, 3 UAVs: their MILP optimum is 2575.759352 s.
    # Customers 3 and 5 (100 lb) ride the van; every drone flies depot -> customer -> 5 and
    # 5 -> customer -> depot (route 0-3-5-0, the van driving 15.9 s more than 0-5-3-0). The
    # same sorties on 0-5-3-0 land at 3 (2704.806 s; the best over all 95040 sortie layouts of
    # that route is 2692.785 s). Trading 3 and 5 with the sorties kept gives the optimum.
    root = shared_data / "mfstsp"
    inst = read_mfstsp(
        root / "problems" / "20170608T121411132375", root / "tbl_vehicles_104.csv", num_drones=3
    )
    pc = _PlanCost(inst, span=inst.n)
    sorties = [(0, 0, 1, 2), (0, 2, 6, 3), (1, 0, 7, 2), (1, 2, 2, 3), (2, 0, 8, 2), (2, 2, 4, 3)]
    sol = plan_solution(inst, Plan([0, 3, 5, 0], sorties))
    assert check_sync(inst, sol).feasible
    assert sol.makespan_s == pytest.approx(2575.759352, abs=1e-5)
    start = Plan([0, 5, 3, 0], sorties)
    cost = pc.cost(start)
    assert cost == pytest.approx(2704.805918, abs=1e-5)
    near = _neighbour_lists(inst, 12)
    plan, cost = _stop_search(start, cost, pc, near, float("inf"), np.random.default_rng(1))
    assert plan.route == [0, 3, 5, 0]
    assert cost == pytest.approx(2575.759352, abs=1e-5)
