"""The exact plan for small networks: one time-indexed MILP (HiGHS) over departures and the
cyclic chaining of tractors. Formulation in docs/linehaul.md.

``x[i,t]``: trip ``i`` leaves at candidate ``t``; ``y[a,b,w]``: the tractor of ``a`` does ``b``
next, ``w`` days later. Each trip has one successor and one predecessor in its fleet; the timing
of a chosen connection, the order of a load's legs and the hub docks per slot are linear in
``x``. The objective (capital per tractor-day x sum of ``w``, deadhead cost, crew pay while
charging, and crew pay for waits under 2 h, which needs a binary per connection that can have
one) is exactly the one the heuristic minimises (:func:`~voltroute.linehaul.core.chain`), so
the two are comparable. :func:`solve_docks` is the dock-feasibility MILP used when the greedy
departures cannot fit the docks.
"""

from __future__ import annotations

import math
import time

import numpy as np

from voltroute.charging.milp import _Builder, new_highs
from voltroute.linehaul.core import (
    FleetTable,
    Instance,
    Trip,
    chain,
    dock_slots,
    fleet_indices,
    fleet_table,
)
from voltroute.model.errors import VoltrouteError
from voltroute.model.problem import DAY_S


def solve_milp(
    inst: Instance,
    *,
    time_limit_s: float = 30.0,
    start: dict[int, int] | None = None,
    mip_gap: float = 1e-6,
    seed: int = 0,
) -> tuple[dict[int, int], float, bool, float | None]:
    """Departures, objective, proven optimal, and HiGHS's gap. ``start``: a heuristic's
    departures, given to HiGHS as its first incumbent."""
    import highspy

    t0 = time.perf_counter()
    s = inst.settings
    b = _Builder()
    inf = float("inf")
    xcol: dict[tuple[int, int], int] = {}
    dep_terms: dict[int, list[tuple[int, float]]] = {}
    for i, t in enumerate(inst.trips):
        terms = []
        for d in t.candidates:
            c = b.col(0.0, 1.0, 0.0, integer=True)
            xcol[(i, d)] = c
            terms.append((c, float(d)))
        b.row([(c, 1.0) for c, _ in terms], 1.0, 1.0)
        dep_terms[i] = terms
    # leg order within a load
    for ix in inst.legs_of_load.values():
        for k in range(len(ix) - 1):
            a, c = ix[k], ix[k + 1]
            gap = inst.trips[a].elapsed_s + 2 * s.dwell_s
            b.row([*dep_terms[c], *((col, -v) for col, v in dep_terms[a])], gap, inf)
    # docks
    use: dict[tuple[str, int], list[int]] = {}
    cap: dict[str, int] = {}
    for (i, d), col in xcol.items():
        t = inst.trips[i]
        cap[t.origin.id], cap[t.destination.id] = t.origin.docks, t.destination.docks
        for key in set(dock_slots(t, d, s)):
            use.setdefault(key, []).append(col)
    for key, cols in use.items():
        if len(cols) > cap[key[0]]:
            b.row([(c, 1.0) for c in cols], -inf, float(cap[key[0]]))
    # chaining per fleet
    ycol: dict[tuple[int, int, int], int] = {}
    tables = {}
    for fleet, idx in fleet_indices(inst).items():
        ft = fleet_table(inst, idx)
        tables[fleet] = ft
        capday = ft.truck.capital_per_day()
        out_terms: dict[int, list[tuple[int, float]]] = {i: [] for i in idx}
        in_terms: dict[int, list[tuple[int, float]]] = {i: [] for i in idx}
        for pa, a in enumerate(idx):
            ta = inst.trips[a]
            for pb, bb in enumerate(idx):
                need = ft.need[pa, pb]
                if not math.isfinite(need):
                    continue
                tb = inst.trips[bb]
                r0 = ta.elapsed_s + 2 * s.dwell_s + need
                lo = r0 + ta.candidates[0] - tb.candidates[-1]  # smallest gap to cover
                hi = r0 + ta.candidates[-1] - tb.candidates[0]  # largest
                w_lo = max(0, math.ceil(lo / DAY_S - 1e-9))
                w_hi = max(0, math.ceil(hi / DAY_S - 1e-9))
                if a == bb:
                    w_lo, w_hi = max(1, w_lo), max(1, w_hi)
                if ft.wait_cost_per_s * ft.split_s > capday:
                    w_hi += 1  # a day more may be cheaper than a long paid wait
                for w in range(w_lo, w_hi + 1):
                    y = b.col(0.0, 1.0, capday * w + float(ft.dhcost[pa, pb]), integer=True)
                    ycol[(a, bb, w)] = y
                    out_terms[a].append((y, 1.0))
                    in_terms[bb].append((y, 1.0))
                    r = r0 - w * DAY_S
                    if ft.wait_cost_per_s > 0:
                        _paid_wait(b, ft, y, r, dep_terms[a], dep_terms[bb], ta, tb)
                    slack_min = (tb.candidates[0] - ta.candidates[-1]) - r
                    if slack_min >= -1e-6 or a == bb:
                        continue  # always satisfied
                    big = -slack_min
                    # dep_b - dep_a - r >= -big (1 - y)
                    b.row(
                        [*dep_terms[bb], *((col, -v) for col, v in dep_terms[a]), (y, -big)],
                        r - big,
                        inf,
                    )
        for i in idx:
            b.row(out_terms[i], 1.0, 1.0)
            b.row(in_terms[i], 1.0, 1.0)

    h = new_highs(time_limit_s=max(0.5, time_limit_s), seed=seed, mip_gap=mip_gap)
    h.passModel(b.lp())
    if start is not None:
        x0 = np.zeros(len(b.cost))
        for i, d in start.items():
            x0[xcol[(i, d)]] = 1.0
        for ft in tables.values():
            start_deps = np.array([start[i] for i in ft.idx], dtype=float)
            succ, ws, _ = chain(ft, start_deps, s)
            for pa, pb in enumerate(succ):
                ykey = (ft.idx[pa], ft.idx[pb], ws[pa])
                if ykey in ycol:
                    x0[ycol[ykey]] = 1.0
        sol = highspy.HighsSolution()
        sol.col_value = list(x0)
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        raise VoltrouteError(
            f"linehaul MILP: HiGHS found no solution ({h.modelStatusToString(status)})"
        )
    x = np.asarray(h.getSolution().col_value)
    deps: dict[int, int] = {}
    for (i, d), c in xcol.items():
        if x[c] > 0.5:
            deps[i] = d
    optimal = status == highspy.HighsModelStatus.kOptimal
    mgap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
    del t0
    return deps, float(info.objective_function_value), optimal, mgap


def _paid_wait(
    b: _Builder,
    ft: FleetTable,
    y: int,
    r: float,
    dep_a: list[tuple[int, float]],
    dep_b: list[tuple[int, float]],
    ta: Trip,
    tb: Trip,
) -> None:
    """Crew pay for the wait of connection ``y``: ``wait = dep_b - dep_a - r`` when ``y`` is
    used; paid when shorter than ``split_s`` (the duty goes on), free when longer (it ends).
    ``p >= wait - M (1 - y) - M s`` with a binary ``s`` allowed only when the wait is long."""
    inf = float("inf")
    lo = tb.candidates[0] - ta.candidates[-1] - r  # smallest and largest wait
    hi = tb.candidates[-1] - ta.candidates[0] - r
    if max(lo, 0.0) >= ft.split_s or hi <= 0:
        return  # never paid
    p = b.col(0.0, inf, ft.wait_cost_per_s)
    wait = [*dep_b, *((c, -v) for c, v in dep_a)]
    big = hi
    if hi < ft.split_s:  # always paid when used
        b.row([(p, 1.0), *((c, -v) for c, v in wait), (y, -big)], -r - big, inf)
        return
    sw = b.col(0.0, 1.0, 0.0, integer=True)
    # p - wait + big (1 - y) + big s >= 0
    b.row([(p, 1.0), *((c, -v) for c, v in wait), (y, -big), (sw, big)], -r - big, inf)
    # s = 1 only if the wait is at least split_s (when y = 1): wait - split s + M (1 - y) >= 0
    m = ft.split_s - lo
    b.row([*wait, (sw, -ft.split_s), (y, -m)], r - m, inf)


def solve_docks(
    inst: Instance,
    *,
    prefer: dict[int, int],
    time_limit_s: float = 10.0,
    seed: int = 0,
) -> tuple[dict[int, int], list[str]]:
    """Departures that respect every hub's docks, leaving out as few parcels as possible.

    A feasibility MILP over the loads' candidate departures (``x[i,t]``), with a binary ``u`` per
    load that drops it: minimise dropped parcels, then the distance from ``prefer`` (hours). It
    is called only when the greedy dock placement fails; dropping all loads is always feasible,
    so it always has a plan. Returns departures of the kept trips and the dropped load ids.
    """
    import highspy

    s = inst.settings
    b = _Builder()
    inf = float("inf")
    xcol: dict[tuple[int, int], int] = {}
    dep_terms: dict[int, list[tuple[int, float]]] = {}
    ucol: dict[str, int] = {}
    for lid, ix in inst.legs_of_load.items():
        parcels = sum(p.parcels for p in inst.trips[ix[0]].pieces)
        ucol[lid] = b.col(0.0, 1.0, 1000.0 * parcels, integer=True)
        for i in ix:
            t = inst.trips[i]
            terms = []
            for d in t.candidates:
                c = b.col(0.0, 1.0, abs(d - prefer.get(i, d)) / 3600.0, integer=True)
                xcol[(i, d)] = c
                terms.append((c, float(d)))
            b.row([(c, 1.0) for c, _ in terms] + [(ucol[lid], 1.0)], 1.0, 1.0)
            dep_terms[i] = terms
        for k in range(len(ix) - 1):
            a, c = ix[k], ix[k + 1]
            gap = inst.trips[a].elapsed_s + 2 * s.dwell_s
            b.row(
                [*dep_terms[c], *((col, -v) for col, v in dep_terms[a]), (ucol[lid], gap)],
                gap,
                inf,
            )
    use: dict[tuple[str, int], list[int]] = {}
    cap: dict[str, int] = {}
    for (i, d), col in xcol.items():
        t = inst.trips[i]
        cap[t.origin.id], cap[t.destination.id] = t.origin.docks, t.destination.docks
        for key in set(dock_slots(t, d, s)):
            use.setdefault(key, []).append(col)
    for key, cols in use.items():
        if len(cols) > cap[key[0]]:
            b.row([(c, 1.0) for c in cols], -inf, float(cap[key[0]]))
    h = new_highs(time_limit_s=max(0.5, time_limit_s), seed=seed)
    h.passModel(b.lp())
    x0 = np.zeros(len(b.cost))  # everything dropped: always feasible
    for c in ucol.values():
        x0[c] = 1.0
    sol = highspy.HighsSolution()
    sol.col_value = list(x0)
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    if h.getInfo().primal_solution_status != highspy.kSolutionStatusFeasible:
        x = x0
    dropped = [lid for lid, c in ucol.items() if x[c] > 0.5]
    deps = {i: d for (i, d), c in xcol.items() if x[c] > 0.5}
    return deps, dropped
