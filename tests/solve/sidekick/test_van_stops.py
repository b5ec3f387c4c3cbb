"""Van-stop search on larger plans (mFSTSP): dropping a stop with the sorties around it
re-inserted, the two-stop kick, the don't-look records of the van-stop moves and the early
stop of PyVRP's tours. Hand-built plans, every complete plan checked by ``check_sync``."""

from __future__ import annotations

import numpy as np
import pytest
from sidekick_support import checked, grid

from voltroute.solve.sidekick.plans import Plan
from voltroute.solve.sidekick.search import (
    _neighbour_lists,
    _pair_kick,
    _PlanCost,
    _stop_search,
    _stop_sigs,
    drop_out,
    tsp_tour,
)

# depot and 13 customers on a line 10 apart, customer 14 just off it between 6 and 7
STREET = grid([(10.0 * i, 0.0) for i in range(14)] + [(65.0, 3.0)])


def all_on_van() -> Plan:
    return Plan([0, *range(1, 7), 14, *range(7, 14), 0], [])


def test_drop_out_takes_the_sorties_around_the_stop() -> None:
    # route 0 1 2 3 4 0; sorties: 5 from 0 to 1 (touches index 1), 6 from 1 to 2, 7 from 3 to 4
    plan = Plan([0, 1, 2, 3, 4, 0], [(0, 0, 5, 1), (1, 1, 6, 2), (0, 3, 7, 4)])
    out = drop_out(plan, 2)  # customer 2 leaves; sorties touching indices 1..3 go too
    assert out == [2, 5, 6, 7]
    assert plan.route == [0, 1, 3, 4, 0]
    assert plan.sorties == []
    plan = Plan([0, 1, 2, 3, 4, 0], [(0, 0, 5, 1), (1, 3, 7, 4)])
    assert drop_out(plan, 1) == [1, 5]  # 7 (index 3 -> 4) is two stops away: kept
    assert plan.route == [0, 2, 3, 4, 0]
    assert plan.sorties == [(1, 2, 7, 3)]  # re-indexed, still from 3 to 4


def test_stop_sigs_change_only_near_a_changed_sortie() -> None:
    plan = Plan([0, 1, 2, 3, 4, 5, 0], [(0, 1, 6, 2)])
    before = _stop_sigs(plan)
    assert before[1] == (0, 2, frozenset({(6, 1, 2)}))
    plan.sorties = [(0, 1, 6, 3)]  # now recovered at customer 3 instead of 2
    after = _stop_sigs(plan)
    changed = sorted(c for c in before if before[c] != after[c])
    assert changed == [1, 2, 3, 4]  # stops at or next to the launch or either recovery
    assert before[5] == after[5]


def test_stop_search_skips_stops_recorded_as_clean() -> None:
    inst = STREET
    pc = _PlanCost(inst, span=12)
    near = _neighbour_lists(inst, 12)
    plan = all_on_van()
    cost = pc.cost(plan)
    # van only: 130 s out and 130 s back, the detour to 14 (2 * sqrt(34) - 10), 14 * 5 s service
    assert cost == pytest.approx(260 + 2 * np.sqrt(34) - 10 + 70)
    assert checked(inst, plan) == pytest.approx(cost)
    far = 1e18
    # every stop recorded as tried in both passes with its present surroundings: no move
    sigs = _stop_sigs(plan)
    memo: dict[str, dict[int, object]] = {"cheap": dict(sigs), "swap": dict(sigs)}
    same, same_cost = _stop_search(plan, cost, pc, near, far, np.random.default_rng(0), memo)
    assert same.route == plan.route and same_cost == cost
    # no records: flying customers is cheaper (launch + recovery 4 s < service 5 s), so the
    # descent drops stops, and records the stops of its final plan
    memo = {}
    got, got_cost = _stop_search(plan, cost, pc, near, far, np.random.default_rng(0), memo)
    assert got_cost < cost - 1.0
    assert len(got.route) < len(plan.route)
    assert checked(inst, got) == pytest.approx(got_cost)
    assert set(memo["cheap"]) >= set(got.route[1:-1])


def test_pair_kick_flies_two_nearby_stops() -> None:
    inst = STREET
    pc = _PlanCost(inst, span=12)
    # only customers 3 and 4 may fly: the kick must take exactly these two off the van
    elig = np.zeros(inst.n, dtype=bool)
    elig[[3, 4]] = True
    pc.elig = elig
    plan = all_on_van()
    got = _pair_kick(plan, pc, np.random.default_rng(1))
    assert got is not None
    assert 3 not in got.route and 4 not in got.route
    assert sorted(s[2] for s in got.sorties) == [3, 4]
    assert plan.route == all_on_van().route  # the plan itself is left alone
    checked(inst, got)
    elig[4] = False  # no two eligible stops within two positions: no kick
    assert _pair_kick(plan, pc, np.random.default_rng(1)) is None


def test_tsp_tour_with_patience_finds_an_optimal_line_tour() -> None:
    inst = grid([(10.0 * i, 0.0) for i in range(8)])
    tt = inst.truck_time_s
    for patience in (None, 50):
        tour = tsp_tour(inst, time_s=0.05, seed=1, patience=patience)
        assert sorted(tour) == list(range(1, 8))
        path = [0, *tour, 0]
        # out to the last customer (70) and back: any order that does not cross itself
        assert sum(tt[a, b] for a, b in zip(path, path[1:], strict=False)) == pytest.approx(140)
