"""The bound of the recreate step (``ub`` of :func:`best_insert`, :meth:`_PlanCost.insert`):
below the cheapest insertion nothing is inserted, above it the same insertion as without a
bound; and the searches that use it (several drones, more than 12 customers) still return
plans that ``check_sync`` accepts."""

from __future__ import annotations

import numpy as np
import pytest
from sidekick_support import grid

from voltroute.evaluate.sync import check_sync
from voltroute.solve.sidekick import SidekickParams, solve_sidekick
from voltroute.solve.sidekick.plans import Plan
from voltroute.solve.sidekick.search import _PlanCost

ROW = grid([(0, 0), (10, 0), (20, 0), (30, 0), (40, 0), (15, 5), (25, 5), (45, 5)])


@pytest.mark.parametrize("c", [5, 6, 7])
def test_bound_keeps_the_cheapest_insertion_or_none(c: int) -> None:
    base = Plan([0, 1, 2, 3, 4, 0], [])
    pc = _PlanCost(ROW, span=ROW.n)
    for u in (5, 6, 7):
        if u != c:
            assert pc.insert(base, u)
    free = base.copy()
    assert pc.insert(free, c)
    cheapest = pc.last
    assert cheapest == pytest.approx(pc.cost(free))
    above = base.copy()
    assert pc.insert(above, c, ub=cheapest + 1.0)
    assert (above.route, above.sorties) == (free.route, free.sorties)
    assert pc.last == pytest.approx(cheapest)
    below = base.copy()
    assert not pc.insert(below, c, ub=cheapest - 1e-3)
    assert (below.route, below.sorties) == (base.route, base.sorties)


def test_bounded_search_plans_are_feasible() -> None:
    rng = np.random.default_rng(3)
    pts = [(0.0, 0.0)] + [(float(x), float(y)) for x, y in rng.uniform(0, 60, size=(16, 2))]
    inst = grid(pts, drones=2)
    assert inst.n > 13 and inst.num_drones > 1  # the bounded searches are used
    sol = solve_sidekick(inst, SidekickParams(time_limit_s=0.6, seed=1))
    rep = check_sync(inst, sol)
    assert rep.feasible, rep.violations
    assert rep.makespan_s == pytest.approx(sol.makespan_s)
