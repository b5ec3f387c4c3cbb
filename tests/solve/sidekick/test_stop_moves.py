"""Van-stop moves of the explicit-plan search (mFSTSP): swap a van and a drone customer, move a
stop, drop a stop, re-anchor sorties on a new van tour. Hand-computed structures and makespans,
every plan checked by ``check_sync``."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from sidekick_support import checked, grid

from voltroute.solve.sidekick.plans import Plan
from voltroute.solve.sidekick.search import (
    _neighbour_lists,
    _PlanCost,
    _stop_search,
    build_around,
    drop_stop,
    move_stop,
    plan_solution,
    reanchor,
    swap_stop,
)

LINE = grid([(0, 0), (10, 0), (20, 0), (30, 0), (40, 0), (50, 0)])


def test_swap_stop_keeps_the_stops_sorties() -> None:
    plan = Plan([0, 1, 2, 0], [(0, 1, 3, 2), (1, 0, 4, 1)])
    c = swap_stop(plan, 1, 4)
    assert c == 1
    assert plan.route == [0, 4, 2, 0]
    assert plan.sorties == [(0, 1, 3, 2)]  # customer 3 still launched at stop index 1


def test_move_stop_reindexes_and_takes_out_its_sorties() -> None:
    plan = Plan([0, 1, 2, 3, 0], [(0, 0, 4, 1), (1, 2, 5, 3)])
    out = move_stop(plan, 1, 2)
    assert out == [4]  # recovered at the moved stop
    assert plan.route == [0, 2, 1, 3, 0]
    assert plan.sorties == [(1, 1, 5, 3)]  # still from customer 2 to customer 3
    plan.insert(4, 0, 3, -1, -1)  # 4 on the van: a complete plan
    checked(LINE, plan)


def test_drop_stop_moves_launches_back_and_recoveries_on() -> None:
    plan = Plan([0, 1, 2, 3, 0], [(0, 1, 4, 2), (1, 0, 5, 1)])
    out = drop_stop(plan, 1)
    assert out == [1]
    assert plan.route == [0, 2, 3, 0]
    assert sorted(plan.sorties) == [(0, 0, 4, 1), (1, 0, 5, 1)]
    # the same drone on both: the second would overlap the first and is taken out
    plan = Plan([0, 1, 2, 3, 0], [(0, 1, 4, 2), (0, 0, 5, 1)])
    assert drop_stop(plan, 1) == [1, 5]
    assert plan.sorties == [(0, 0, 4, 1)]


def test_reanchor_keeps_sorties_in_order_only() -> None:
    plan = Plan([0, 1, 2, 0], [(0, 0, 3, 1), (1, 1, 4, 2)])
    new, out = reanchor(LINE, plan, [0, 2, 1, 0])
    assert new.route == [0, 2, 1, 0]
    assert new.sorties == [(0, 0, 3, 2)]  # depot -> customer 1, now the second stop
    assert out == [4]  # 1 -> 2 runs backwards on the new tour


def test_stop_search_swaps_van_and_drone_customer() -> None:
    """Depot (0,0), A = 1 at (10,0), B = 2 at (10,10), one drone.

    Van to B, drone serves A (launch at the depot, land at B): launch 0-1, drone back at B at
    1 + 5 + 2 + 5 = 13; the van reaches B at 1 + sqrt(200) = 15.14, recovers (3 s), serves
    (5 s) and drives back: 2 sqrt(200) + 9 = 37.28 s. After the swap the van goes to A and the
    drone serves B: drone lands at A at 1 + sqrt(200)/2 + 2 + 5 = 15.07; van at A at 11, serves
    until 16, recovers until 19, back at 29 s. Launching at A (10-11) and landing at the depot
    (11 + 5 + 2 + sqrt(200)/2 = 25.07, the van back at 26, recovery until 29) ties."""
    inst = grid([(0, 0), (10, 0), (10, 10)], drones=1)
    bad = Plan([0, 2, 0], [(0, 0, 1, 1)])
    assert checked(inst, bad) == pytest.approx(2 * math.sqrt(200) + 9)
    pc = _PlanCost(inst, span=inst.n)
    rng = np.random.default_rng(0)
    near = _neighbour_lists(inst, 1)
    plan, cost = _stop_search(bad, pc.cost(bad), pc, near, math.inf, rng)
    assert plan.route == [0, 1, 0]
    assert plan.sorties in ([(0, 0, 2, 1)], [(0, 1, 2, 2)])
    assert cost == pytest.approx(29.0)
    assert checked(inst, plan) == pytest.approx(29.0)


def test_stop_search_never_worsens_and_stays_feasible() -> None:
    rng = np.random.default_rng(3)
    pts = [(0.0, 0.0), *((float(x), float(y)) for x, y in rng.uniform(0, 40, (9, 2)))]
    inst = grid(pts, drones=2)
    pc = _PlanCost(inst, span=inst.n)
    start = Plan([0, *range(1, 10), 0], [])  # van only
    c0 = pc.cost(start)
    plan, cost = _stop_search(start, c0, pc, _neighbour_lists(inst, 8), math.inf, rng)
    assert cost < c0  # drones pay off here: a drop or swap must have been found
    assert checked(inst, plan) == pytest.approx(cost)
    assert sorted([*plan.route[1:-1], *(s[2] for s in plan.sorties)]) == list(range(1, 10))


def test_pctsp_route_prizes_decide_the_van_stops() -> None:
    """Van time on the line plus 5 s service per stop: all stops (0..50 and back: 100 s + 25 s)
    pay off at a prize of 1000 s each, none at 0.1 s, and a required customer is always on."""
    from voltroute.solve.sidekick.search import pctsp_route

    big = np.full(LINE.n, 1000.0)
    route = pctsp_route(LINE, prize_s=big, time_s=0.05, seed=1)
    assert route in ([0, 1, 2, 3, 4, 5, 0], [0, 5, 4, 3, 2, 1, 0])
    small = np.full(LINE.n, 0.1)
    assert pctsp_route(LINE, prize_s=small, time_s=0.05, seed=1) == [0, 0]
    small[5] = -1.0  # required
    assert pctsp_route(LINE, prize_s=small, time_s=0.05, seed=1) == [0, 5, 0]


def test_build_around_flies_the_rest_or_puts_it_on_the_van() -> None:
    inst = grid([(0, 0), (10, 0), (10, 10)], drones=1)
    pc = _PlanCost(inst, span=inst.n)
    got = build_around(pc, [0, 1, 0])
    assert got is not None
    plan, cost = got
    assert plan.route == [0, 1, 0] and [s[2] for s in plan.sorties] == [2]
    assert cost == pytest.approx(29.0)  # as in the swap test above
    assert checked(inst, plan) == pytest.approx(29.0)
    # customer 2 may not fly: it joins the van (cheapest position, here after 1)
    heavy = replace(inst, drone_eligible=np.array([False, True, False]))
    got = build_around(_PlanCost(heavy, span=heavy.n), [0, 1, 0])
    assert got is not None
    assert got[0].sorties == [] and sorted(got[0].route) == [0, 0, 1, 2]
    assert checked(heavy, got[0]) == pytest.approx(got[1])


def test_plan_solution_rejects_a_customer_served_twice() -> None:
    from voltroute.model import ProblemError

    with pytest.raises(ProblemError, match="exactly once"):
        plan_solution(LINE, Plan([0, 1, 2, 3, 4, 5, 5, 0], []))
    with pytest.raises(ProblemError, match="exactly once"):
        plan_solution(LINE, Plan([0, 1, 2, 3, 4, 0], [(0, 0, 4, 1), (1, 1, 5, 2)]))
