"""The depot charging MILP (HiGHS). Formulation in docs/charging.md.

Per vehicle ``v`` and slot ``t`` it may charge in (whole slot at the depot): grid power
``p[v,t]`` (kW), binaries ``plug[v,g,t]`` (occupies a charger of group ``g``), and SoC ``s[v,k]``
at slot boundaries; per vehicle a shortfall ``u[v]`` (kWh); one ``peak`` (kW).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy import sparse

from voltroute.charging.greedy import greedy_charging
from voltroute.charging.model import DepotChargingPlan, DepotChargingProblem, build_plan
from voltroute.model.errors import VoltrouteError


def new_highs(*, time_limit_s: float, seed: int, mip_gap: float | None = None) -> Any:
    """A quiet HiGHS model on one thread. HiGHS keeps one thread scheduler per process, made
    with the thread count of the first model that runs; a later model asking for another count
    does not run at all (status "Not Set"). So every voltroute model asks for the same count:
    a service or study worker that plans depot charging and then a linehaul network in one
    process would otherwise fail the second."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("random_seed", int(seed))
    if mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_gap))
    return h


class _Builder:
    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []

    def col(self, lo: float, hi: float, cost: float = 0.0, integer: bool = False) -> int:
        self.cost.append(cost)
        self.lo.append(lo)
        self.hi.append(hi)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.row_lo)
        for c, v in terms:
            self.rows.append(r)
            self.cols.append(c)
            self.vals.append(v)
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def lp(self) -> Any:
        import highspy

        inf = highspy.kHighsInf
        n, m = len(self.cost), len(self.row_lo)
        a = sparse.csc_matrix((self.vals, (self.rows, self.cols)), shape=(m, n))
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = m
        lp.col_cost_ = np.asarray(self.cost, dtype=np.float64)
        lp.col_lower_ = np.asarray(self.lo, dtype=np.float64)
        lp.col_upper_ = np.clip(np.asarray(self.hi, dtype=np.float64), None, inf)
        lp.row_lower_ = np.clip(np.asarray(self.row_lo, dtype=np.float64), -inf, None)
        lp.row_upper_ = np.clip(np.asarray(self.row_hi, dtype=np.float64), None, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(np.float64)
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in self.integer
        ]
        return lp


def plan_depot_charging(
    problem: DepotChargingProblem, *, time_limit_s: float = 30.0, mip_gap: float = 1e-4
) -> DepotChargingPlan:
    """Optimise the depot's charging; the greedy baseline is attached as ``plan.baseline``.

    Departures that cannot be met are soft: the plan then has ``status == "shortfall"`` and each
    short vehicle's ``shortfall_kwh``.
    """
    import highspy

    t0 = time.perf_counter()
    baseline = greedy_charging(problem)
    inf = float("inf")
    n = problem.num_slots
    dt = problem.slot_hours
    prices = problem.slot_prices()
    groups = problem.site.chargers
    b = _Builder()

    peak = b.col(0.0, problem.site.power_limit_kw, problem.tariff.demand_charge_per_kw)
    load_terms: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    plug_terms: dict[tuple[int, int], list[tuple[int, float]]] = {}
    present = [0] * n
    for v in problem.vehicles:
        for t in problem.usable_slots(v):
            present[t] += 1
    # One charger group with a charger for every van ever present at once: no assignment needed
    # (unless sessions may not pause: then being plugged in is a decision).
    session = not problem.preemption
    fixed_plug = not session and len(groups) == 1 and groups[0].count >= max(present, default=0)

    start_of: list[tuple[int, int, int | None]] = []  # (start, plug, previous plug) columns
    penalty = problem.penalty_per_kwh()
    p_col: dict[tuple[str, int], int] = {}
    plug_col: dict[tuple[str, int, int], int] = {}
    soc_col: dict[tuple[str, int], int] = {}
    short_col: dict[str, int] = {}
    for v in problem.vehicles:
        slots = problem.usable_slots(v)
        eta = v.charging_efficiency
        u = b.col(0.0, inf, penalty)
        short_col[v.id] = u
        if not slots:
            b.row([(u, 1.0)], v.required_soc_kwh - v.arrival_soc_kwh, inf)
            continue
        s_prev = b.col(v.arrival_soc_kwh, v.arrival_soc_kwh)
        soc_col[(v.id, slots.start)] = s_prev
        lines = v.taper_lines()
        starts: list[tuple[int, float]] = []
        last_plug: list[int | None] = [None] * len(groups)
        for t in slots:
            p = b.col(0.0, v.max_charge_kw, prices[t] * dt)
            s_next = b.col(0.0, v.battery_kwh)
            p_col[(v.id, t)] = p
            soc_col[(v.id, t + 1)] = s_next
            # s[t+1] = s[t] + eta * p * dt
            b.row([(s_next, 1.0), (s_prev, -1.0), (p, -eta * dt)], 0.0, 0.0)
            # power only through an occupied charger
            plugs = []
            for gi, g in enumerate(groups):
                q = b.col(1.0 if fixed_plug else 0.0, 1.0, 0.0, integer=not fixed_plug)
                plug_col[(v.id, gi, t)] = q
                plugs.append((q, -min(g.power_kw, v.max_charge_kw)))
                plug_terms.setdefault((gi, t), []).append((q, 1.0))
            b.row([(p, 1.0), *plugs], -inf, 0.0)
            if session:
                # p >= min_session_power * plugged: a session never pauses
                b.row([(p, 1.0), *((q, -problem.min_session_power_kw) for q, _ in plugs)], 0.0, inf)
                # start[g,t] >= plug[g,t] - plug[g,t-1]; at most one start over all groups
                for gi, (q, _) in enumerate(plugs):
                    y = b.col(0.0, 1.0)
                    prev = last_plug[gi]
                    start_of.append((y, q, prev))
                    b.row([(y, 1.0), (q, -1.0), *(((prev, 1.0),) if prev is not None else ())],
                          0.0, inf)  # fmt: skip
                    starts.append((y, 1.0))
                    last_plug[gi] = q
            # CC-CV taper at the slot's mid-point SoC, p <= a * m + c with m = (s[t] + s[t+1]) / 2,
            # written as p <= (a * e + c) * plugged + a * (m - e), e = battery if a < 0 else 0:
            # the same when plugged, and a tighter relaxation for fractional plugs.
            for a, c in lines:
                e = v.battery_kwh if a < 0 else 0.0
                k = a * e + c
                b.row(
                    [(p, 1.0), (s_prev, -a / 2), (s_next, -a / 2), *((q, -k) for q, _ in plugs)],
                    -inf,
                    -a * e,
                )
            if len(groups) > 1:
                b.row([(q, 1.0) for q, _ in plugs], -inf, 1.0)
            load_terms[t].append((p, 1.0))
            s_prev = s_next
        if starts:
            b.row(starts, -inf, 1.0)
        # shortfall u >= required - s[departure]
        b.row([(u, 1.0), (s_prev, 1.0)], v.required_soc_kwh, inf)
    for (gi, _t), terms in plug_terms.items():
        if not fixed_plug and len(terms) > groups[gi].count:
            b.row(terms, -inf, float(groups[gi].count))
    for t in range(n):
        if load_terms[t]:
            # site load <= peak <= power limit
            b.row([*load_terms[t], (peak, -1.0)], -inf, 0.0)

    h = new_highs(time_limit_s=max(0.1, time_limit_s), seed=0, mip_gap=mip_gap)
    h.passModel(b.lp())
    h.setSolution(_start(b, baseline, problem, peak, p_col, plug_col, soc_col, short_col, start_of))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        raise VoltrouteError(
            f"charging plan: HiGHS found no solution ({h.modelStatusToString(status)})"
        )
    x = np.asarray(h.getSolution().col_value)
    power: dict[str, list[float]] = {}
    charger: dict[str, list[str | None]] = {}
    for v in problem.vehicles:
        power[v.id] = [0.0] * n
        charger[v.id] = [None] * n
        for t in problem.usable_slots(v):
            power[v.id][t] = float(x[p_col[(v.id, t)]])
            for gi, g in enumerate(groups):
                if x[plug_col[(v.id, gi, t)]] > 0.5:
                    charger[v.id][t] = g.id
                    break
    optimal = status == highspy.HighsModelStatus.kOptimal
    plan = build_plan(
        problem,
        power,
        charger,
        method="milp",
        optimal=optimal,
        solver_status=h.modelStatusToString(status),
        mip_gap=float(info.mip_gap) if np.isfinite(info.mip_gap) else None,
        solve_time_s=time.perf_counter() - t0,
    )
    return plan.model_copy(update={"baseline": baseline})


def _start(
    b: _Builder,
    baseline: DepotChargingPlan,
    problem: DepotChargingProblem,
    peak: int,
    p_col: dict[tuple[str, int], int],
    plug_col: dict[tuple[str, int, int], int],
    soc_col: dict[tuple[str, int], int],
    short_col: dict[str, int],
    start_of: list[tuple[int, int, int | None]],
) -> Any:
    """The greedy plan as HiGHS's first incumbent (it satisfies every constraint)."""
    import highspy

    x = np.asarray(b.lo, dtype=np.float64).copy()
    gi_of = {g.id: i for i, g in enumerate(problem.site.chargers)}
    x[peak] = baseline.peak_kw
    for prof in baseline.vehicles:
        x[short_col[prof.id]] = prof.shortfall_kwh
        for (vid, t), c in p_col.items():
            if vid != prof.id:
                continue
            x[c] = prof.power_kw[t]
            g = prof.charger[t]
            if g is not None:
                x[plug_col[(vid, gi_of[g], t)]] = 1.0
        for (vid, k), c in soc_col.items():
            if vid == prof.id:
                x[c] = prof.soc_kwh[k]
    for y, q, prev in start_of:
        x[y] = max(0.0, x[q] - (x[prev] if prev is not None else 0.0))
    sol = highspy.HighsSolution()
    sol.col_value = list(x)
    sol.value_valid = True
    return sol
