"""The sidekick engine: van tour first, split DP for the drones, local search over the tour.

1. Start tours: a travelling-salesman tour of the van over all customers (PyVRP's iterated local
   search on the van's travel times) and a nearest-neighbour tour.
2. Every tour is scored by the split DP (:mod:`.split`), which picks the best sorties for it.
3. Local search over the tour (relocate one to three consecutive customers, 2-opt, swap) with
   don't-look bits, each neighbour scored by the split DP incrementally (rows before the first
   changed position reused), inside an iterated local search with local/global double bridges
   and restarts, until the time limit or the iteration budget is reached.
4. Without same-node recovery (the mFSTSP), the best tour's plan is then improved as an explicit
   plan in which every drone has its own launch and recovery stops: ruin and recreate over van
   positions and (drone, launch, recovery) triples (:mod:`.plans`). Van-stop moves
   (:func:`_stop_search`: a van and a drone customer trade places, a stop is dropped or moved)
   and 2-opt polish new bests and, now and then, the current plan. Starts: the tour's plan and,
   with several drones, prize-collecting van routes with the rest flown (:func:`pctsp_route`,
   :func:`build_around`); each gets a short trial, the best goes on. Restarts: the best plan's
   van stops re-routed (:func:`_reroute`), a prize-collecting start, or a rebuild from an
   empty plan.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voltroute.model import ProblemError
from voltroute.solve.sidekick.instance import SidekickInstance
from voltroute.solve.sidekick.plans import INF, Plan, best_insert, eval_plan, sched
from voltroute.solve.sidekick.schedule import (
    SidekickSolution,
    Sortie,
    flight_energy_j,
    objective_value,
    schedule,
)
from voltroute.solve.sidekick.split import decode, decode1, split_dp, split_dp1


@dataclass(frozen=True, kw_only=True)
class SidekickParams:
    """Search settings. ``span``: most tour positions one operation may cover (None: all up to
    10 customers, else 10 for one drone (the longest operation of the published TSP-D optima
    covers 9) and 8 for several). ``max_iterations``: ILS rounds
    (None: until ``time_limit_s``). ``tsp_time_s``: PyVRP time for the start tour."""

    time_limit_s: float = 10.0
    seed: int = 1
    span: int | None = None
    max_iterations: int | None = None
    tsp_time_s: float | None = None
    neighbours: int = 12
    target: float | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ProblemError("params.time_limit_s", "must be > 0")
        if self.span is not None and self.span < 1:
            raise ProblemError("params.span", "must be >= 1")
        if self.neighbours < 1:
            raise ProblemError("params.neighbours", "must be >= 1")


class _Evaluator:
    """Scores tours with the split DP (the arrays are bound once)."""

    def __init__(self, inst: SidekickInstance, span: int) -> None:
        self.inst = inst
        self.span = span
        self.elig = inst.eligible_mask()
        self.has_end = inst.endurance_s is not None
        self.endur = inst.endurance_s if inst.endurance_s is not None else np.zeros((1, 1, 1))
        m = inst.n - 1
        back = min(m + 1, 4)
        revisit = inst.allow_same_node_recovery and inst.num_drones == 1
        self.max_loops = back if revisit else 0
        self.anchors = revisit
        if inst.objective == "makespan":
            self.w = (1.0, 0.0, 0.0)
        else:
            self.w = (inst.time_weight, inst.truck_cost_per_m, inst.drone_cost_per_m)
        self.calls = 0
        self._nof = np.zeros((1, 1, 1))

    def run(self, tour: NDArray[np.int64]) -> tuple[float, object]:
        """DP value of a giant tour and its predecessor arrays (for :meth:`decode`)."""
        self.calls += 1
        inst = self.inst
        args = (
            tour,
            inst.truck_time_s,
            inst.truck_dist_m,
            inst.drone_time_s,
            inst.drone_dist_m,
            self.elig,
            inst.truck_service_s,
            inst.drone_service_s,
            self.has_end,
            self.endur,
            float(inst.launch_s),
            float(inst.recovery_s),
            int(inst.num_drones),
            int(self.span),
            int(self.max_loops),
            self.w[0],
            self.w[1],
            self.w[2],
        )
        if inst.num_drones <= 1:
            value, pred, _f = split_dp1(*args, bool(self.anchors), self._nof, 0)
            return float(value), pred
        value, pp, pk, pd = split_dp(*args)
        return float(value), (pp, pk, pd)

    def decode(
        self, tour: NDArray[np.int64], pred: object
    ) -> tuple[list[int], list[tuple[int, int, int]]]:
        if self.inst.num_drones <= 1:
            return decode1(tour, pred)  # type: ignore[arg-type]
        arrays: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]] = pred  # type: ignore[assignment]
        return decode(tour, arrays[0], arrays[1], arrays[2])

    def cost(self, customers: list[int]) -> float:
        return float(self.run(np.array([0, *customers, 0], dtype=np.int64))[0])

    def cost_from(
        self, customers: list[int], ref: tuple[list[int], object] | None
    ) -> tuple[float, tuple[list[int], object] | None]:
        """Cost of a tour, reusing the DP rows of ``ref`` (a tour and its table) up to the
        first position where the two differ; returns the cost and this tour's reference."""
        inst = self.inst
        if inst.num_drones > 1:
            return self.cost(customers), None
        start = 0
        if ref is not None:
            old = ref[0]
            while start < len(customers) and old[start] == customers[start]:
                start += 1
            start += 1  # sequence positions count the depot first
            if start > len(customers):
                start = len(customers)
        self.calls += 1
        value, _pred, f = split_dp1(
            np.array([0, *customers, 0], dtype=np.int64),
            inst.truck_time_s,
            inst.truck_dist_m,
            inst.drone_time_s,
            inst.drone_dist_m,
            self.elig,
            inst.truck_service_s,
            inst.drone_service_s,
            self.has_end,
            self.endur,
            float(inst.launch_s),
            float(inst.recovery_s),
            int(inst.num_drones),
            int(self.span),
            int(self.max_loops),
            self.w[0],
            self.w[1],
            self.w[2],
            bool(self.anchors),
            ref[1] if ref is not None else self._nof,
            start if ref is not None else 0,
        )
        return float(value), (customers, f)


def tsp_tour(
    inst: SidekickInstance, *, time_s: float, seed: int, patience: int | None = None
) -> list[int]:
    """A van-only tour over all customers by PyVRP (travel time, scaled to integers), within
    ``time_s`` or, with ``patience``, as soon as that many iterations brought nothing better
    (PyVRP finds the same tours over a few dozen stops in a fraction of the time)."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime, MultipleCriteria, NoImprovement

    n = inst.n
    if n <= 3:
        return list(range(1, n))
    scale = 1000.0 / max(1e-9, float(np.max(inst.truck_time_s)))
    scale = min(scale * 1000.0, 1e6)
    model = Model()
    model.add_vehicle_type(num_available=1)
    places = [model.add_location(x=0, y=0) for _ in range(n)]
    model.add_depot(places[0])
    for i in range(1, n):
        model.add_client(places[i])
    for i in range(n):
        for j in range(n):
            if i != j:
                w = int(round(inst.truck_time_s[i, j] * scale))
                model.add_edge(places[i], places[j], distance=w, duration=w)
    stop: MaxRuntime | MultipleCriteria = MaxRuntime(time_s)
    if patience is not None:
        stop = MultipleCriteria([stop, NoImprovement(patience)])
    res = model.solve(stop=stop, seed=seed, collect_stats=False, display=False)
    routes = res.best.routes()
    if not routes:
        return list(range(1, n))
    tour = [
        int(a.idx) + 1 for a in routes[0].schedule() if a.is_client()
    ]  # clients follow the depot
    return tour if sorted(tour) == list(range(1, n)) else nearest_neighbour_tour(inst)


def pctsp_route(
    inst: SidekickInstance, *, prize_s: NDArray[np.float64], time_s: float, seed: int
) -> list[int]:
    """A van route over a subset of the customers (depot first and last): PyVRP's
    prize-collecting TSP on the van's travel plus service times, where leaving customer ``j``
    off the van costs ``prize_s[j]`` (about the driver's launch and recovery time of its
    sortie); customers with ``prize_s[j] < 0`` must be on the van. Drones, their timing and
    their range are left out: the route is a start for :func:`build_around`."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    n = inst.n
    w_s = inst.truck_time_s + inst.truck_service_s[None, :]
    scale = min(1e6 / max(1e-9, float(np.max(w_s))), 1e3)
    model = Model()
    model.add_vehicle_type(num_available=1)
    places = [model.add_location(x=0, y=0) for _ in range(n)]
    model.add_depot(places[0])
    for j in range(1, n):
        req = bool(prize_s[j] < 0)
        model.add_client(
            places[j], prize=0 if req else int(round(prize_s[j] * scale)), required=req
        )
    for i in range(n):
        for j in range(n):
            if i != j:
                w = int(round(w_s[i, j] * scale))
                model.add_edge(places[i], places[j], distance=w, duration=w)
    res = model.solve(stop=MaxRuntime(time_s), seed=seed, collect_stats=False, display=False)
    routes = res.best.routes()
    if not routes:
        return [0, 0]
    return [0, *(int(a.idx) + 1 for a in routes[0].schedule() if a.is_client()), 0]


def nearest_neighbour_tour(inst: SidekickInstance) -> list[int]:
    """Greedy van tour: always drive to the nearest unvisited customer."""
    left = set(range(1, inst.n))
    cur, out = 0, []
    while left:
        nxt = min(left, key=lambda j: inst.truck_time_s[cur, j])
        out.append(nxt)
        left.remove(nxt)
        cur = nxt
    return out


def _neighbour_lists(inst: SidekickInstance, k: int) -> list[list[int]]:
    tt = inst.truck_time_s + inst.truck_time_s.T
    out: list[list[int]] = [[]]
    for i in range(1, inst.n):
        order = np.argsort(tt[i])
        out.append([int(j) for j in order if j != i and j != 0][:k])
    return out


def _moved(old: list[int], new: list[int]) -> set[int]:
    """Customers whose predecessor or successor differs between two tours."""

    def links(t: list[int]) -> dict[int, tuple[int, int]]:
        full = [0, *t, 0]
        return {full[x]: (full[x - 1], full[x + 1]) for x in range(1, len(full) - 1)}

    a, b = links(old), links(new)
    return {u for u in b if a.get(u) != b[u]}


def _local_search(
    tour: list[int],
    cost: float,
    ev: _Evaluator,
    near: list[list[int]],
    rng: np.random.Generator,
    deadline: float,
    active: set[int] | None = None,
) -> tuple[list[int], float]:
    """First-improvement descent over relocate (1-3), 2-opt and swap moves.

    Only customers in ``active`` (all when None) are examined; an improving move re-activates
    the customers whose neighbours changed and their near neighbours (don't-look bits)."""
    m = len(tour)
    cost, ref = ev.cost_from(tour, None)
    queue = list(active) if active is not None else list(tour)
    queue = [int(u) for u in rng.permutation(queue)]
    queued = set(queue)
    while queue and time.perf_counter() < deadline:
        u = queue.pop()
        queued.discard(u)
        pos = {v: i for i, v in enumerate(tour)}
        i = pos[u]
        improved = False
        for v in near[u]:
            j = pos[v]
            cands: list[list[int]] = []
            for length in (1, 2, 3):  # relocate u.. after / before v
                if i + length > m:
                    break
                seg = tour[i : i + length]
                if v in seg:
                    break
                rest = tour[:i] + tour[i + length :]
                jj = rest.index(v)
                cands.append(rest[: jj + 1] + seg + rest[jj + 1 :])
                cands.append(rest[:jj] + seg + rest[jj:])
                cands.append(rest[: jj + 1] + seg[::-1] + rest[jj + 1 :])
            a, b = min(i, j), max(i, j)
            cands.append(tour[:a] + tour[a : b + 1][::-1] + tour[b + 1 :])  # 2-opt
            if a + 1 <= b:
                cands.append(tour[: a + 1] + tour[a + 1 : b + 1][::-1] + tour[b + 1 :])
            sw = tour.copy()
            sw[i], sw[j] = sw[j], sw[i]
            cands.append(sw)
            for cand in cands:
                c, cref = ev.cost_from(cand, ref)
                if c < cost - 1e-9:
                    touched = _moved(tour, cand) | {u, v}
                    tour, cost, ref = cand, c, cref
                    improved = True
                    break
            if improved:
                break
        if improved:
            wake = set(touched)
            for w in touched:
                wake.update(near[w][:4])
            for w in wake:
                if w not in queued:
                    queue.insert(0, w) if rng.random() < 0.5 else queue.append(w)
                    queued.add(w)
    return tour, cost


def _perturb(tour: list[int], rng: np.random.Generator) -> list[int]:
    """A local double bridge (two short adjacent segments swapped), a global one, or a few
    random relocations."""
    m = len(tour)
    t = tour.copy()
    r = rng.random()
    if m >= 6 and r < 0.4:
        l1, l2 = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        if l1 + l2 < m:
            a = int(rng.integers(0, m - l1 - l2 + 1))
            b, c = a + l1, a + l1 + l2
            return t[:a] + t[b:c] + t[a:b] + t[c:]
    if m >= 8 and r < 0.6:
        a, b, c = sorted(rng.choice(np.arange(1, m), size=3, replace=False))
        return t[:a] + t[b:c] + t[a:b] + t[c:]
    for _ in range(int(rng.integers(2, 4))):
        i = int(rng.integers(m))
        v = t.pop(i)
        t.insert(int(rng.integers(m)), v)
    return t


def solve_sidekick(
    inst: SidekickInstance, params: SidekickParams | None = None
) -> SidekickSolution:
    """Best van route and sorties found within the time limit (makespan or weighted cost)."""
    params = params or SidekickParams()
    t0 = time.perf_counter()
    deadline = t0 + params.time_limit_s
    rng = np.random.default_rng(params.seed)
    m = inst.n - 1
    span = params.span
    if span is None:
        span = m + 1 if m <= 10 else (10 if inst.num_drones <= 1 else 8)
    near = _neighbour_lists(inst, min(params.neighbours, max(1, m - 1)))
    tsp_s = params.tsp_time_s
    if tsp_s is None:
        tsp_s = min(0.2 * params.time_limit_s, 0.05 + 0.01 * m)
        if not inst.allow_same_node_recovery and inst.num_drones > 1:
            tsp_s *= 0.5  # the start tour matters less when most customers fly
    explicit = not inst.allow_same_node_recovery and inst.num_drones >= 1
    # explicit plans: the start tour only shapes the one-drone DP's tour, and PyVRP reaches
    # the same tours long before the time limit
    patience = 1000 if explicit else None
    starts = [
        tsp_tour(inst, time_s=tsp_s, seed=params.seed, patience=patience),
        nearest_neighbour_tour(inst),
    ]
    calls = 0
    its = 0
    if explicit:
        # van tour shaped by the exact one-drone DP, then ruin-and-recreate over explicit
        # plans in which every drone has its own launch and recovery stops
        one = inst.with_drones(1)
        ev1 = _Evaluator(one, m + 1 if m <= 20 else 16)
        share = 0.5 if inst.num_drones == 1 else 0.15
        mid = time.perf_counter() + share * (deadline - time.perf_counter())
        tour1, _c1, it1 = _ils(starts, ev1, near, rng, mid, params.max_iterations, None)
        calls += ev1.calls
        its += it1
        seq = np.array([0, *tour1, 0], dtype=np.int64)
        _v, pred = ev1.run(seq)
        route, sorties = ev1.decode(seq, pred)
        plan = Plan(route, [(0, i, j, k) for i, j, k in sorties])
        plan, it2 = ruin_recreate(
            inst,
            plan,
            deadline=deadline,
            rng=rng,
            near=near,
            max_iterations=params.max_iterations,
            target=params.target,
        )
        its += it2
        return plan_solution(
            inst,
            plan,
            stats={
                "iterations": float(its),
                "dp_calls": float(calls),
                "runtime_s": time.perf_counter() - t0,
            },
        )
    if inst.num_drones > 1:
        # shape the tour with the fast one-drone DP, then polish with all drones
        one = inst.with_drones(1)
        ev1 = _Evaluator(one, m + 1 if m <= 20 else 16)
        mid = time.perf_counter() + 0.6 * (deadline - time.perf_counter())
        tour1, _c1, it1 = _ils(starts, ev1, near, rng, mid, params.max_iterations, None)
        starts = [tour1, *starts]
        calls += ev1.calls
        its += it1
    ev = _Evaluator(inst, span)
    best, best_cost, it = _ils(
        starts, ev, near, rng, deadline, params.max_iterations, params.target
    )
    calls += ev.calls
    its += it
    return plan_for_tour(
        inst,
        best,
        span=span,
        stats={
            "iterations": float(its),
            "dp_calls": float(calls),
            "runtime_s": time.perf_counter() - t0,
        },
    )


def warm_up() -> None:
    """Compile (or load from numba's cache) the engine's kernels on a tiny instance, so that a
    first timed solve does not pay for it."""
    n = 4
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    for drones, same in ((1, True), (1, False), (2, False)):
        inst = SidekickInstance(
            truck_time_s=d,
            truck_dist_m=d,
            drone_time_s=0.5 * d,
            drone_dist_m=d,
            drone_eligible=np.ones(n, dtype=bool),
            truck_service_s=np.r_[0.0, np.ones(n - 1)],
            drone_service_s=np.r_[0.0, np.ones(n - 1)],
            launch_s=1.0,
            recovery_s=1.0,
            num_drones=drones,
            endurance_s=np.full((n, n, n), 100.0),
            allow_same_node_recovery=same,
        )
        solve_sidekick(inst, SidekickParams(time_limit_s=0.05, max_iterations=2))


class _PlanCost:
    """Binds the instance arrays for :func:`best_insert` and :func:`best_sched`."""

    def __init__(self, inst: SidekickInstance, span: int, max_launch: int = 10) -> None:
        self.inst = inst
        self.span = span
        self.max_launch = max_launch
        self.last = 0.0
        # plans of more than 12 customers with several drones: the van-stop moves and ruin and
        # recreate stop their insertions as soon as the plan costs more than they accept (with
        # one drone the search was a little worse that way at 100 customers)
        self.bound = inst.n > 13 and inst.num_drones > 1
        self.elig = inst.eligible_mask()
        self.has_end = inst.endurance_s is not None
        self.endur = inst.endurance_s if inst.endurance_s is not None else np.zeros((1, 1, 1))
        if inst.objective == "makespan":
            self.w = (1.0, 0.0, 0.0)
        else:
            self.w = (inst.time_weight, inst.truck_cost_per_m, inst.drone_cost_per_m)
        i = inst
        self.common = (
            i.truck_time_s,
            i.truck_dist_m,
            i.drone_time_s,
            i.drone_dist_m,
            i.truck_service_s,
            i.drone_service_s,
            float(i.launch_s),
            float(i.recovery_s),
            self.has_end,
            self.endur,
            self.w[0],
            self.w[1],
            self.w[2],
        )

    def schedule(self, plan: Plan) -> tuple[float, float, tuple[NDArray[np.float64], ...]]:
        """(objective, makespan, (arrival, departure, service, launch, recovery) arrays)."""
        r, si, sj, sk, sd = plan.arrays()
        nr, ns = len(r), len(si)
        ws = np.zeros((6, max(nr, ns, 1)))
        late = np.zeros(max(ns, 1), dtype=np.bool_)
        pol = np.zeros(1, dtype=np.int64)
        c, mk = eval_plan(
            r, nr, si, sj, sk, sd, ns, self.inst.num_drones, *self.common, late, ws, pol
        )
        if c < 1e299:  # re-run the chosen policy for its times
            viol = np.zeros(max(ns, 1), dtype=np.bool_)
            c, mk = sched(
                r,
                nr,
                si,
                sj,
                sk,
                sd,
                ns,
                self.inst.num_drones,
                *self.common[:10],
                late,
                bool(pol[0]),
                *self.common[10:],
                ws[0],
                ws[1],
                ws[2],
                ws[3],
                ws[4],
                viol,
            )
        return float(c), float(mk), (ws[0], ws[1], ws[2], ws[3], ws[4])

    def cost(self, plan: Plan) -> float:
        return self.schedule(plan)[0]

    def cutoff(self, cost: float) -> float:
        """The ``ub`` for insertions of a move that must beat ``cost`` (INF: no cut-off)."""
        return cost if self.bound else INF

    def insert(
        self,
        plan: Plan,
        c: int,
        blink: float = 0.0,
        seed: int = 0,
        van_only: bool = False,
        drone_only: bool = False,
        ub: float = INF,
    ) -> bool:
        """Put ``c`` at its cheapest place (``van_only``: on the van's route, ``drone_only``:
        on a sortie); False if none, or none leaves the plan's objective below ``ub`` (for a
        caller that rejects such plans anyway: adding customers never lowers it)."""
        elig = self.elig
        if van_only and elig[c]:
            elig = elig.copy()
            elig[c] = False
        r, si, sj, sk, sd = plan.arrays()
        v, kind, a, b, d = best_insert(
            c,
            r,
            len(r),
            si,
            sj,
            sk,
            sd,
            len(si),
            self.inst.num_drones,
            *self.common,
            elig,
            self.span,
            not drone_only,
            self.max_launch,
            blink,
            seed,
            float(ub),
        )
        if kind < 0 or v >= 1e299:
            return False
        plan.insert(c, int(kind), int(a), int(b), int(d))
        self.last = float(v)  # the plan's objective after the insertion
        return True


def ruin_recreate(
    inst: SidekickInstance,
    plan: Plan,
    *,
    deadline: float,
    rng: np.random.Generator,
    near: list[list[int]],
    max_iterations: int | None = None,
    target: float | None = None,
) -> tuple[Plan, int]:
    """Improve an explicit plan: remove a few nearby customers, re-insert each at its cheapest
    place (van position or any drone's launch/recovery pair), accept by a falling threshold.
    New bests get 2-opt and the van-stop moves (on plans of more than 12 customers only once
    ruin and recreate stalls on them for 30 rounds), and so does every 50th accepted plan near
    the best; on stagnation the best plan's stops are re-routed, later the search restarts from
    a prize-collecting van route or an empty plan. With several starts (the given plan and,
    with several drones, two prize-collecting ones) each first gets a short trial (a quarter of
    the time in all), and the best plan of the trials goes on."""
    m = inst.n - 1
    pc = _PlanCost(inst, span=min(m + 1, 12))
    cur, cur_cost = plan, pc.cost(plan)
    best, best_cost = cur.copy(), cur_cost
    t_start = time.perf_counter()
    total = max(1e-6, deadline - t_start)
    it = 0
    restarts = 0
    routed: set[frozenset[int]] = set()
    lazy = m > 12  # small plans: the van-stop moves on every new best (they are cheap)
    # don't-look records of the van-stop moves, shared by all their calls (:func:`_stop_search`)
    memo: dict[str, dict[int, object]] = {}
    starts: list[tuple[Plan, float]] = []
    if m >= 4:  # the start plan's van stops in a fresh TSP order, then the stop moves
        routed.add(frozenset(best.route))
        tsp_s = min(0.03 + 0.001 * len(best.route), 0.05 * total)
        got = _reroute(best, pc, time_s=tsp_s, seed=int(rng.integers(1, 2**31 - 1)))
        if got is not None:
            cost = pc.cost(got)
            if cost < best_cost - 1e-9:
                best, best_cost = got.copy(), cost
        best, best_cost = _stop_search(best, best_cost, pc, near, deadline, rng, memo)
        starts.append((best, best_cost))
        # and starts from the prize-collecting van route: prizes of exactly the driver's
        # launch and recovery time (the relaxation), and randomly raised ones
        # (up to 12 customers, as before this portfolio: one start with raised prizes; the
        # 0.5 s runs there reached more proven optima that way)
        for spread in ((0.0, 0.5) if lazy else (0.5,)) if inst.num_drones > 1 else ():
            got2 = _pctsp_plan(pc, rng, time_s=tsp_s, spread=spread, rounds=6 if lazy else 1)
            if got2 is not None:
                starts.append(_stop_search(got2[0], got2[1], pc, near, deadline, rng, memo))
        best, best_cost = min(starts, key=lambda x: x[1])
        cur, cur_cost = best.copy(), best_cost

    def search(cur: Plan, cur_cost: float, until: float) -> tuple[Plan, float]:
        """Ruin and recreate from ``cur`` until ``until``; returns the best plan found."""
        nonlocal it, restarts
        best, best_cost = cur.copy(), cur_cost
        stall = 0
        polish = 0
        polish_s = 0.0  # time spent in the van-stop moves on the current plan
        t_search = time.perf_counter()
        raw = False  # the best plan has not had the van-stop moves yet

        def threshold() -> float:
            """How much worse than the current plan a candidate may be: a falling random
            share of the best makespan (up to 1 % at the start, 0 at the end)."""
            frac = (time.perf_counter() - t_start) / total
            return 0.01 * (1.0 - frac) * best_cost * rng.random()

        def adopt(got: Plan) -> None:
            """The van-stop moves on a kick or re-route candidate: the new best if better,
            the current plan if within 0.5 % of the best."""
            nonlocal best, best_cost, cur, cur_cost, stall
            got, cost = _stop_search(got, pc.cost(got), pc, near, until, rng, memo)
            if cost < best_cost - 1e-9:
                got, cost = _two_opt(got, cost, pc, until)
                best, best_cost = got.copy(), cost
                stall = 0
            if cost <= cur_cost + 0.005 * best_cost:
                cur, cur_cost = got, cost

        while time.perf_counter() < until and m >= 2:
            if max_iterations is not None and it >= 20 * max_iterations:
                break
            if target is not None and best_cost <= target + 1e-6:
                break
            it += 1
            stall += 1
            if raw and stall >= 30:
                # the van-stop moves on a new best once ruin and recreate stalls on it (not on
                # every new best: they cost as much as hundreds of rounds on larger plans)
                raw = False
                pol, cost = _stop_search(best, best_cost, pc, near, until, rng, memo)
                if cost < best_cost - 1e-9:
                    best, best_cost = pol.copy(), cost
                    cur, cur_cost = pol, cost
                    stall = 0
                continue
            if m > 30 and stall % max(150, 5 * m) == 5 * m // 2 and stall < 20 * m:
                # a kick: two stops at most two apart leave the van (:func:`drop_out`), then
                # the van-stop moves; kept if better (a start for what follows if close). Not
                # on smaller plans: at 25 customers the kicks took the time of the re-routes
                # and restarts, which serve them better
                got = _pair_kick(best, pc, rng)
                if got is not None:
                    adopt(got)
                continue
            if stall == max(150, 5 * m) or stall > max(300, 20 * m):
                # stagnation: first re-route the van of the best plan over its stops (a fresh TSP
                # tour, the sorties re-anchored), later rebuild from an empty plan
                if stall == max(150, 5 * m):
                    stops = frozenset(best.route)
                    got = None
                    tsp_s = min(0.03 + 0.001 * len(best.route), 0.05 * total)
                    seed = int(rng.integers(1, 2**31 - 1))
                    if stops not in routed:  # a van stop set is re-routed once
                        routed.add(stops)
                        got = _reroute(best, pc, time_s=tsp_s, seed=seed)
                    else:  # then without one of its stops
                        got = _drop_reroute(best, pc, routed, time_s=tsp_s, seed=seed)
                    if got is not None:
                        adopt(got)
                    continue
                stall = 0
                restarts += 1
                if restarts % 2 == 1 and inst.num_drones > 1:
                    # a start from a prize-collecting van route (random prizes)
                    tsp_s = min(0.03 + 0.001 * m, 0.05 * total)
                    spread = 0.0 if restarts % 4 == 1 and lazy else 1.0
                    got2 = _pctsp_plan(
                        pc, rng, time_s=tsp_s, spread=spread, rounds=6 if lazy else 1
                    )
                    if got2 is not None:
                        cur, cur_cost = _stop_search(got2[0], got2[1], pc, near, until, rng, memo)
                        if cur_cost < best_cost - 1e-9:
                            best, best_cost = cur.copy(), cur_cost
                    continue
                cand = Plan([0, 0], [])
                seeds = rng.integers(0, 2**31 - 1, size=m)
                order = [int(c) for c in rng.permutation(np.arange(1, m + 1))]
                if rng.random() < 0.5:
                    # drones first: a customer goes on the van only when no sortie can serve it,
                    # which leads to plans with few stops and every drone busy on each leg
                    order.sort(key=lambda c: -float(inst.truck_time_s[0, c]))
                    ok = all(
                        pc.insert(cand, c, 0.05, int(sd), drone_only=True)
                        or pc.insert(cand, c, 0.05, int(sd))
                        for c, sd in zip(order, seeds, strict=True)
                    )
                else:
                    ok = all(
                        pc.insert(cand, c, 0.05, int(sd))
                        for c, sd in zip(order, seeds, strict=True)
                    )
                if ok:
                    cur, cur_cost = cand, pc.cost(cand)
                    cur, cur_cost = _stop_search(cur, cur_cost, pc, near, until, rng, memo)
                    if cur_cost < best_cost - 1e-9:
                        best, best_cost = cur.copy(), cur_cost
                continue
            cand = cur.copy()
            lead: list[int] = []  # exchange ruin: [customer to put on the van, customer to fly]
            removed = _ruin(cand, rng, near, m, lead if lazy else None)
            order = [int(x) for x in rng.permutation(removed) if int(x) not in lead]
            r = rng.random()
            if r < 0.2:  # far from the depot first
                order.sort(key=lambda c: -float(inst.truck_time_s[0, c]))
            elif r < 0.35:
                order.sort(key=lambda c: float(inst.truck_time_s[0, c]))
            if lead:
                # the new van stop first, the stop's former customer last: the sorties around
                # the stop re-anchor on the new stop before it takes a drone's slot (on the
                # plan of test_exchange_reinserts_the_former_van_customer_last, none of 400
                # random orders with it second beat the plan, 122 of 400 with it last)
                order = [lead[0], *order, lead[1]]
            blink = 0.05 if rng.random() < 0.5 else 0.0
            seeds = rng.integers(0, 2**31 - 1, size=len(order))
            # now and then a customer goes back on the van whatever it costs now: a stop that
            # pays off only as a launch/recovery point for the sorties inserted after it
            # ... or goes on a drone whatever it costs now (a stop fewer: the van's route is then
            # re-planned by the insertions after it)
            mode = rng.random()
            van = rng.random(len(order)) < (0.15 if mode < 0.4 else 0.0)
            fly = rng.random(len(order)) < (0.3 if mode > 0.7 else 0.0)
            if lead:
                van[0], fly[0], van[-1], fly[-1] = True, False, False, True
            ub = INF
            if pc.bound:
                # the acceptance threshold first: the insertions stop as soon as the plan
                # costs more than it accepts (adding customers never makes it cheaper)
                thr = threshold()
                ub = cur_cost + thr + 2e-9
            if all(
                (f and pc.insert(cand, c, blink, int(sd), drone_only=True, ub=ub))
                or pc.insert(cand, c, blink, int(sd), bool(v), ub=ub)
                for c, sd, v, f in zip(order, seeds, van, fly, strict=True)
            ):
                cost = pc.cost(cand)
                if not pc.bound:
                    thr = threshold()
                if cost < best_cost - 1e-9:
                    cand, cost = _two_opt(cand, cost, pc, until)
                    if lazy:
                        raw = True
                    else:
                        cand, cost = _stop_search(cand, cost, pc, near, until, rng, memo)
                    best, best_cost = cand.copy(), cost
                    stall = 0
                if cost <= cur_cost + thr:
                    cur, cur_cost = cand, cost
                    polish += 1
                    if (
                        polish >= 50
                        and cur_cost < best_cost * 1.01
                        and (not lazy or polish_s <= 0.25 * (time.perf_counter() - t_search))
                    ):
                        # now and then the stop moves on the current plan too: its basin may hold
                        # a better plan than the best's (on plans of more than 12 customers at
                        # most a quarter of the time: there they cost as much as hundreds of
                        # rounds, and every 50th accepted plan took half of the time at 100
                        # customers)
                        polish = 0
                        polish_s -= time.perf_counter()
                        cur, cur_cost = _stop_search(cur, cur_cost, pc, near, until, rng, memo)
                        polish_s += time.perf_counter()
                        if cur_cost < best_cost - 1e-9:
                            cur, cur_cost = _two_opt(cur, cur_cost, pc, until)
                            best, best_cost = cur.copy(), cur_cost
                            stall = 0
        return best, best_cost

    if len(starts) > 1 and lazy:
        # a portfolio: each start gets a short ruin-and-recreate trial (the best start after
        # the van-stop moves is not always the best basin), then the best plan goes on
        trial = 0.25 * max(0.0, deadline - time.perf_counter()) / len(starts)
        tried = [search(p.copy(), c, time.perf_counter() + trial) for p, c in starts]
        best, best_cost = min(tried, key=lambda x: x[1])
        cur, cur_cost = best.copy(), best_cost
    best, best_cost = search(cur, cur_cost, deadline)
    return best, it


def _ruin(
    plan: Plan,
    rng: np.random.Generator,
    near: list[list[int]],
    m: int,
    lead: list[int] | None = None,
) -> list[int]:
    """Take some customers out: a cluster of near ones, a string of van stops, sorties, the
    sorties around a reversed stretch of the van's route, or a van and a drone customer trading
    places (:func:`swap_stop`, or with ``lead`` given, also :func:`exchange_out`, whose
    ``[van customer, flyer]`` are then put in ``lead``)."""
    cap = min(m, 5 + m // 20)
    if rng.random() < 0.1:  # now and then a large ruin (a third of the customers)
        cap = min(m, max(cap, m // 3))
    size = int(rng.integers(1, cap + 1))
    kind = rng.random()
    chosen: list[int] = []
    nr = len(plan.route)
    if kind < 0.15 and nr >= 4:
        # reverse a stretch of the van's route (now and then all of it); the sorties touching
        # it are taken out and re-inserted
        if rng.random() < 0.2:
            a, b = 1, nr - 2
        else:
            a = int(rng.integers(1, nr - 2))
            b = int(rng.integers(a + 1, min(nr - 2, a + 10) + 1))
        plan.route[a : b + 1] = plan.route[a : b + 1][::-1]
        out = [t[2] for t in plan.sorties if not (t[3] < a or t[1] > b)]
        plan.sorties = [t for t in plan.sorties if t[3] < a or t[1] > b]
        return out
    if kind < 0.25 and nr >= 3 and plan.sorties:
        # a van customer and a nearby drone customer trade places (the stop's sorties stay);
        # the former van customer and a few sorties near the stop are re-inserted
        x = int(rng.integers(1, nr - 1))
        flown = {t[2] for t in plan.sorties}
        js = [j for j in near[plan.route[x]] if j in flown]
        if js and lead is not None and rng.random() < 0.5:
            # exchange: the drone customer goes on the van at its cheapest place, the van
            # customer flies, and the sorties launched or recovered around the stop are
            # re-inserted (so that they can re-anchor on the new stop)
            out = exchange_out(plan, x, js[int(rng.integers(len(js)))])
            lead.extend(out[:2])
            return out
        if js:
            c = swap_stop(plan, x, js[int(rng.integers(len(js)))])
            out = [c]
            if size > 1:
                at = [t for t in plan.sorties if abs(t[1] - x) <= 1 or abs(t[3] - x) <= 1]
                drop = {t[2] for t in at[: size - 1]}
                out += list(drop)
                plan.sorties = [t for t in plan.sorties if t[2] not in drop]
            return out
    if kind < 0.55 or nr <= 3:
        seed = int(rng.integers(1, m + 1))
        pool = [seed, *near[seed][: 2 * size]]
        chosen = [seed] + [int(x) for x in rng.permutation(pool[1:])[: size - 1]]
    elif kind < 0.8 or not plan.sorties:
        x = int(rng.integers(1, nr - 1))
        chosen = plan.route[x : min(len(plan.route) - 1, x + max(1, size // 2))]
    else:
        idx = rng.permutation(len(plan.sorties))[:size]
        chosen = [plan.sorties[int(t)][2] for t in idx]
    removed: list[int] = []
    for c in chosen:
        if c not in removed:
            removed.extend(plan.remove(c))
    return removed


def reanchor(inst: SidekickInstance, plan: Plan, route: list[int]) -> tuple[Plan, list[int]]:
    """The plan's sorties moved onto another van route over the same stops: each keeps its
    launch and recovery customers when they stay in order, within the van's unhindered time of
    the sortie's endurance, and some drone is free on the legs between (first come, first
    served by launch stop). Returns the plan and the customers left out (to be re-inserted)."""
    at = {v: x for x, v in enumerate(route[:-1])}
    end = len(route) - 1
    ahead = [0.0] * len(route)
    tt, sv = inst.truck_time_s, inst.truck_service_s
    for x in range(1, len(route)):
        ahead[x] = ahead[x - 1] + tt[route[x - 1], route[x]] + (sv[route[x - 1]] if x > 1 else 0)
    r = plan.route
    moved = []
    out = []
    for _d, i, j, k in plan.sorties:
        a, b = at[r[i]], (end if k == len(r) - 1 else at[r[k]])
        ok = a < b
        if ok and inst.endurance_s is not None:
            ok = ahead[b] - ahead[a] <= inst.endurance_s[route[a], j, route[b]] - inst.launch_s
        if ok:
            moved.append((a, b, j))
        else:
            out.append(j)
    busy = np.zeros((max(inst.num_drones, 1), len(route)), dtype=bool)
    sorties = []
    for a, b, j in sorted(moved):
        free = [d for d in range(inst.num_drones) if not busy[d, a:b].any()]
        if not free:
            out.append(j)
            continue
        busy[free[0], a:b] = True
        sorties.append((free[0], a, j, b))
    return Plan(route, sorties), out


def _reroute(plan: Plan, pc: _PlanCost, *, time_s: float, seed: int) -> Plan | None:
    """A new van tour over the plan's van stops (PyVRP on the van's travel times), the sorties
    re-anchored (:func:`reanchor`) and the rest re-inserted; None when no feasible plan."""
    from dataclasses import replace

    inst = pc.inst
    stops = [0, *plan.route[1:-1]]
    if len(stops) < 4:
        return None
    ix = np.ix_(stops, stops)
    sub = replace(
        inst,
        truck_time_s=inst.truck_time_s[ix],
        truck_dist_m=inst.truck_dist_m[ix],
        drone_time_s=inst.drone_time_s[ix],
        drone_dist_m=inst.drone_dist_m[ix],
        drone_eligible=inst.drone_eligible[stops],
        truck_service_s=inst.truck_service_s[stops],
        drone_service_s=inst.drone_service_s[stops],
        endurance_s=None,
        flight_energy_j=None,
        parcel_kg=None,
    )
    tour = tsp_tour(sub, time_s=time_s, seed=seed, patience=150)
    route = [0, *(stops[i] for i in tour), 0]
    cand, out = reanchor(inst, plan, route)
    if pc.cost(cand) >= 1e299:
        cand, out = Plan(route, []), [s[2] for s in plan.sorties]
    out.sort(key=lambda c: -float(inst.truck_time_s[0, c]))
    if not all(pc.insert(cand, c) for c in out):
        return None
    return cand


def _drop_reroute(
    plan: Plan,
    pc: _PlanCost,
    routed: set[frozenset[int]],
    *,
    time_s: float,
    seed: int,
    tries: int = 3,
) -> Plan | None:
    """The best of the plan without one of the ``tries`` van stops whose removal saves the most
    driving, among those whose stop set was not yet re-routed (the customer flies, :func:`drop_stop`), re-routed by
    :func:`_reroute`. With asymmetric road times the best tour over the other stops can run
    the other way round, which the in-place drop move does not see."""
    tt = pc.inst.truck_time_s
    r = plan.route
    gains = []
    for x in range(1, len(r) - 1):
        if pc.elig[r[x]]:
            gains.append((tt[r[x - 1], r[x]] + tt[r[x], r[x + 1]] - tt[r[x - 1], r[x + 1]], x))
    best, best_cost, tried = None, math.inf, 0
    for _g, x in sorted(gains, reverse=True):
        stops = frozenset(r) - {r[x]}
        if stops in routed:
            continue
        routed.add(stops)
        cand = plan.copy()
        out = drop_stop(cand, x)
        if pc.insert(cand, out[0], drone_only=True) and all(pc.insert(cand, u) for u in out[1:]):
            got = _reroute(cand, pc, time_s=time_s, seed=seed)
            cost = math.inf if got is None else pc.cost(got)
            if cost < best_cost:
                best, best_cost = got, cost
        tried += 1
        if tried == tries:
            break
    return best


def build_around(pc: _PlanCost, route: list[int], rounds: int = 1) -> tuple[Plan, float] | None:
    """A plan on the van route ``route``: the other customers, far from the depot first, on a
    sortie where one fits, else on the van. A customer that fits nowhere (the sorties already
    placed span every gap) goes on the van first and the plan is redone (up to four times);
    None if that does not help.

    With ``rounds > 1``, squeaky wheel: the customers whose insertion cost more than the
    driver's launch and recovery (the least a flown customer costs) are moved to the front of
    the order, most expensive first, and the plan is rebuilt; the best plan is kept."""
    inst = pc.inst
    on = set(route)
    rest = sorted(
        (c for c in range(1, inst.n) if c not in on), key=lambda c: -float(inst.truck_time_s[0, c])
    )
    floor = pc.w[0] * (inst.launch_s + inst.recovery_s)
    best: tuple[Plan, float] | None = None
    for _round in range(rounds):
        got = _build(pc, route, rest, floor)
        if got is None:
            break
        plan, cost, excess = got
        if best is None or cost < best[1] - 1e-9:
            best = (plan, cost)
        if max(excess.values(), default=0.0) <= 1e-6:
            break
        rest = sorted(rest, key=lambda c: -excess.get(c, 0.0))
    return best


def _build(
    pc: _PlanCost, route: list[int], rest: list[int], floor: float
) -> tuple[Plan, float, dict[int, float]] | None:
    """One pass of :func:`build_around` in the order ``rest``: the plan, its cost and each
    customer's insertion cost above ``floor``."""
    van: list[int] = []  # customers that fitted nowhere: on the van before the sorties
    for _attempt in range(4):
        plan = Plan(route, [])
        failed = -1
        for c in van:
            if not pc.insert(plan, c, van_only=True):
                return None
        excess: dict[int, float] = {}
        prev = pc.cost(plan)
        for c in rest:
            if c in van:
                continue
            if not (pc.insert(plan, c, drone_only=True) or pc.insert(plan, c)):
                failed = c
                break
            excess[c] = pc.last - prev - floor
            prev = pc.last
        if failed < 0:
            return plan, pc.cost(plan), excess
        van.append(failed)
    return None


def _pctsp_plan(
    pc: _PlanCost, rng: np.random.Generator, *, time_s: float, spread: float, rounds: int = 1
) -> tuple[Plan, float] | None:
    """A start plan from the prize-collecting van route (:func:`pctsp_route`): each customer's
    prize is the driver's launch and recovery time, times a random factor in
    ``[1, 1 + spread]`` (fewer drones make flying dearer than the driver's time alone)."""
    inst = pc.inst
    prize = (inst.launch_s + inst.recovery_s) * (1.0 + spread * rng.random(inst.n))
    prize[~pc.elig] = -1.0
    prize[0] = 0.0
    route = pctsp_route(inst, prize_s=prize, time_s=time_s, seed=int(rng.integers(1, 2**31 - 1)))
    return build_around(pc, route, rounds)


def drop_stop(plan: Plan, x: int) -> list[int]:
    """Van stop ``x`` leaves the route: sorties launched there launch at the stop before, those
    recovered there land at the stop after, on the same drone. Returns the stop's customer
    followed by the customers of the sorties that could not be moved (to be re-inserted)."""
    c = plan.route[x]
    out = [c]
    moved = []
    for d, i, j, k in plan.sorties:
        i2 = i - 1 if i >= x else i
        k2 = k - 1 if k > x else k  # recovered at x: now at the old x + 1
        if i2 >= k2:
            out.append(j)
        else:
            moved.append((d, i2, j, k2))
    del plan.route[x]
    busy: dict[tuple[int, int], int] = {}
    keep = []
    for d, i, j, k in sorted(moved, key=lambda t: t[1]):
        if any((d, y) in busy for y in range(i, k)):
            out.append(j)
            continue
        for y in range(i, k):
            busy[(d, y)] = j
        keep.append((d, i, j, k))
    plan.sorties = keep
    return out


def swap_stop(plan: Plan, x: int, j: int) -> int:
    """Drone customer ``j`` takes van stop ``x`` (the sorties launched or recovered there stay
    anchored to it); returns the stop's former customer, who is now out of the plan."""
    c = plan.route[x]
    plan.route[x] = j
    plan.sorties = [s for s in plan.sorties if s[2] != j]
    return c


def exchange_out(plan: Plan, x: int, j: int) -> list[int]:
    """Drone customer ``j`` and van stop ``x`` leave the plan, and with them every sortie
    launched or recovered at the stops ``x - 1 .. x + 1``. Returns ``[j, c, *others]``: ``j``
    (to go on the van at its cheapest place), the stop's customer ``c`` (to fly, if it can),
    then the customers of the other sorties taken out (re-inserted afterwards, so that they can
    re-anchor on ``j``'s stop)."""
    c = plan.route[x]
    around = [
        s[2]
        for s in plan.sorties
        if s[2] != j and (x - 1 <= s[1] <= x + 1 or x - 1 <= s[3] <= x + 1)
    ]
    gone = {j, *around}
    plan.sorties = [s for s in plan.sorties if s[2] not in gone]
    plan.remove(c)
    return [j, c, *around]


def trade_stops(plan: Plan, x: int, y: int) -> Plan:
    """A copy with the van customers at positions ``x`` and ``y`` exchanged; every sortie
    keeps its launch and recovery positions (so it flies from and to the other customer)."""
    route = list(plan.route)
    route[x], route[y] = route[y], route[x]
    return Plan(route, plan.sorties)


def move_stop(plan: Plan, x: int, y: int) -> list[int]:
    """Van stop ``x`` moves to route index ``y`` (an index of the route without it, 1..nr-2);
    the sorties launched or recovered at it are taken out (returned), the others keep their
    stops (a drone flying over the new position flies while the van serves it)."""
    c = plan.route[x]
    out = [s[2] for s in plan.sorties if x in (s[1], s[3])]
    keep = [s for s in plan.sorties if x not in (s[1], s[3])]
    del plan.route[x]
    plan.route.insert(y, c)

    def f(i: int) -> int:
        i2 = i - (i > x)
        return i2 + (i2 >= y)

    plan.sorties = [(d, f(i), j, f(k)) for d, i, j, k in keep]
    return out


def drop_out(plan: Plan, x: int) -> list[int]:
    """Van stop ``x`` leaves the route, and with it every sortie launched or recovered at the
    stops ``x - 1 .. x + 1``. Returns ``[c, *others]``: the stop's customer (to fly) and the
    customers of the sorties taken out (re-inserted afterwards at their cheapest places, not
    re-anchored on the neighbouring stops as :func:`drop_stop` does: with short-range drones
    the longer re-anchored flights often break their endurance or make the van wait)."""
    c = plan.route[x]
    around = [s[2] for s in plan.sorties if x - 1 <= s[1] <= x + 1 or x - 1 <= s[3] <= x + 1]
    gone = set(around)
    plan.sorties = [s for s in plan.sorties if s[2] not in gone]
    plan.remove(c)
    return [c, *around]


def _pair_kick(plan: Plan, pc: _PlanCost, rng: np.random.Generator) -> Plan | None:
    """A copy of the plan without two van stops at most two positions apart (random, both
    customers drone-eligible), each taken out with the sorties around it (:func:`drop_out`):
    the two customers fly if a sortie fits (else go back on the van), then the others are
    re-inserted. None if no such pair or no feasible re-insertion. One dropped stop rarely
    pays off alone when the drones' range is short (the sorties around it need the next stops
    re-chosen too), which the van-stop moves after the kick can do."""
    r = plan.route
    xs = [x for x in range(1, len(r) - 1) if pc.elig[r[x]]]
    pairs = [(x, y) for x in xs for y in xs if 0 < y - x <= 2]
    if not pairs:
        return None
    x, y = pairs[int(rng.integers(len(pairs)))]
    cand = plan.copy()
    cy = r[y]
    out = drop_out(cand, x)
    out2 = drop_out(cand, cand.route.index(cy))
    fly, rest = [out[0], out2[0]], [*out[1:], *out2[1:]]
    if all(pc.insert(cand, u, drone_only=True) or pc.insert(cand, u) for u in fly) and all(
        pc.insert(cand, u) for u in rest
    ):
        return cand
    return None


def _drop_moves(
    plan: Plan, cost: float, x: int, pc: _PlanCost, small: bool
) -> tuple[Plan, float] | None:
    """The first improving drop of van stop ``x`` (its customer flies): alone or with the next
    stop (:func:`drop_stop`, sorties re-anchored on the neighbouring stops) or, on plans of
    more than 12 customers, with the sorties around it re-inserted (:func:`drop_out`)."""
    r = plan.route
    nr = len(r)
    c = r[x]
    if not pc.elig[c] or pc.inst.num_drones == 0:
        return None
    ub = pc.cutoff(cost)  # insertions stop once no improvement is left
    for two in (False, True):  # drop this stop, or this one and the next
        if two and (x + 1 >= nr - 1 or not pc.elig[r[x + 1]]):
            continue
        cand = plan.copy()
        out = drop_stop(cand, x)
        if two:
            out2 = drop_stop(cand, x)
            out = [c, out2[0], *out[1:], *out2[1:]]
        n_fly = 2 if two else 1
        if all(pc.insert(cand, u, drone_only=True, ub=ub) for u in out[:n_fly]) and all(
            pc.insert(cand, u, ub=ub) for u in out[n_fly:]
        ):
            v = pc.cost(cand)
            if v < cost - 1e-9:
                return cand, v
    if not small:
        cand = plan.copy()
        out = drop_out(cand, x)
        if pc.insert(cand, c, drone_only=True, ub=ub) and all(
            pc.insert(cand, u, ub=ub) for u in out[1:]
        ):
            v = pc.cost(cand)
            if v < cost - 1e-9:
                return cand, v
    return None


def _trade_moves(
    plan: Plan, cost: float, x: int, pc: _PlanCost, near: list[list[int]], small: bool
) -> tuple[Plan, float] | None:
    """The first improving trade of positions between van stop ``x`` and a nearby van
    customer, the sorties kept on the positions (:func:`trade_stops`, even if the van drives
    more; a trade that breaks sorties is repaired only on plans of at most 12 customers)."""
    r = plan.route
    nr = len(r)
    c = r[x]
    pos = {v: i for i, v in enumerate(r)}
    for e in near[c]:  # two van customers trade positions, sorties stay put
        y = pos.get(e, 0)
        if y in (0, nr - 1):
            continue
        cand = trade_stops(plan, x, y)
        v = pc.cost(cand)
        if v >= 1e299 and small:  # repair: re-insert the sorties at either stop
            out = [s[2] for s in cand.sorties if {x, y} & {s[1], s[3]}]
            cand.sorties = [s for s in cand.sorties if not {x, y} & {s[1], s[3]}]
            if not all(pc.insert(cand, u) for u in out):
                continue
            v = pc.cost(cand)
        if v < cost - 1e-9:
            return cand, v
    return None


def _move_moves(plan: Plan, cost: float, x: int, pc: _PlanCost) -> tuple[Plan, float] | None:
    """The first improving move of van stop ``x`` to a position where the van drives less
    (:func:`move_stop`, its sorties re-inserted)."""
    r = plan.route
    nr = len(r)
    c = r[x]
    tt = pc.inst.truck_time_s
    p, q = r[x - 1], r[x + 1]
    gain = tt[p, c] + tt[c, q] - tt[p, q]
    ub = pc.cutoff(cost)  # insertions stop once no improvement is left
    for y in range(1, nr - 1):  # y: index in the route without c
        if y == x:
            continue
        a, b = (r[y - 1], r[y]) if y < x else (r[y], r[y + 1])
        if tt[a, c] + tt[c, b] - tt[a, b] >= gain - 1e-6:
            continue
        cand = plan.copy()
        out = move_stop(cand, x, y)
        if not all(pc.insert(cand, u, ub=ub) for u in out):
            continue
        v = pc.cost(cand)
        if v < cost - 1e-9:
            return cand, v
    return None


def _swap_moves(
    plan: Plan,
    cost: float,
    x: int,
    pc: _PlanCost,
    near: list[list[int]],
    small: bool,
    deadline: float,
    rng: np.random.Generator,
) -> tuple[Plan, float] | None:
    """The first improving swap or exchange of van stop ``x`` with a nearby drone customer
    (:func:`swap_stop`, then the exchange with the stop dropped, then :func:`exchange_out`
    with the stop's former customer re-inserted first, then last); None if none improves."""
    flown = {s[2] for s in plan.sorties}
    c = plan.route[x]
    # insertions stop once they cannot lead to an improvement (:attr:`_PlanCost.bound`; a
    # swap whose stop's sorties still fly is then not repaired)
    ub = pc.cutoff(cost)
    for j in near[c]:
        if j not in flown:
            continue
        if time.perf_counter() >= deadline:
            return None
        cand = plan.copy()
        swap_stop(cand, x, j)
        v = math.inf
        if pc.insert(cand, c, ub=ub):
            v = pc.cost(cand)
        elif ub == INF or pc.cost(cand) >= 1e299:
            # the stop's sorties broke (endurance): re-insert them too (with the cut-off, only
            # then: if c fits but not below it, no plan of this swap is cheaper)
            cand = plan.copy()
            swap_stop(cand, x, j)
            out = [s[2] for s in cand.sorties if x in (s[1], s[3])]
            cand.sorties = [s for s in cand.sorties if x not in (s[1], s[3])]
            if all(pc.insert(cand, u, ub=ub) for u in [c, *out]):
                v = pc.cost(cand)
        if v < cost - 1e-9:
            return cand, v
        # a swap that does not pay off: the exchanges below still may (with the cut-off on
        # the insertions nearly every swap fails, and skipping them then left the exchanges
        # out). Plans of more than 60 customers skip them after a swap with no complete
        # plan, as before: at 100 customers and 7 s they cost more rounds than they gained
        if v == math.inf and pc.inst.n - 1 > 60:
            continue
        if not pc.elig[c]:
            continue
        # the same exchange with j at its own cheapest van position: the stop is
        # dropped (its sorties re-anchored) and c flies
        cand = plan.copy()
        cand.sorties = [s for s in cand.sorties if s[2] != j]
        out = drop_stop(cand, x)
        ok = (
            pc.insert(cand, j, van_only=True, ub=ub)
            and pc.insert(cand, c, drone_only=True, ub=ub)
            and all(pc.insert(cand, u, ub=ub) for u in out[1:])
        )
        v = pc.cost(cand) if ok else math.inf
        if v < cost - 1e-9:
            return cand, v
        if small:
            continue
        # ... and with the sorties launched or recovered next to the stop re-inserted
        # too, so that they can re-anchor on j
        # (the stop's former customer first, then again last, the others in a random order:
        # which goes first decides which sorties find a free drone)
        start = plan.copy()
        out = exchange_out(start, x, j)
        orders = [out[1:]]
        if len(out) > 2:  # with no other sortie taken out, both orders are the same
            orders.append([*(int(u) for u in rng.permutation(out[2:])), out[1]])
        for rest in orders:
            cand = start.copy()
            if not (
                pc.insert(cand, j, van_only=True, ub=ub)
                and all(pc.insert(cand, u, ub=ub) for u in rest)
            ):
                continue
            v = pc.cost(cand)
            if v < cost - 1e-9:
                return cand, v
    return None


def _stop_sigs(plan: Plan) -> dict[int, object]:
    """Each van stop's surroundings: its route neighbours and the sorties (customer, launch
    and recovery customers) launched or recovered at it or at its neighbours. The van-stop
    moves at a stop depend mostly on these (the rest of the plan only through its timing)."""
    r = plan.route
    touch: list[list[tuple[int, int, int]]] = [[] for _ in r]
    for _d, i, j, k in plan.sorties:
        t = (j, r[i], r[k])
        touch[i].append(t)
        touch[k].append(t)
    return {
        r[x]: (r[x - 1], r[x + 1], frozenset(touch[x - 1] + touch[x] + touch[x + 1]))
        for x in range(1, len(r) - 1)
    }


def _stop_search(
    plan: Plan,
    cost: float,
    pc: _PlanCost,
    near: list[list[int]],
    deadline: float,
    rng: np.random.Generator,
    memo: dict[str, dict[int, object]] | None = None,
) -> tuple[Plan, float]:
    """First-improvement descent over the van's stops: drop one or two stops, or a stop with
    the sorties around it re-inserted (:func:`_drop_moves`), two nearby van customers trade
    positions with the sorties kept on the positions (:func:`_trade_moves`, even if the van
    drives more), a stop moves where the van drives less (:func:`_move_moves`), a van customer
    swaps or exchanges places with a nearby drone customer (:func:`_swap_moves`). On plans of
    more than 12 customers the cheap moves (all but the swaps) are tried at every stop before
    any swap or exchange, which cost most of the descent's time (on smaller plans every move
    at one stop before the next stop). All of them change which customers anchor the sorties
    without tearing the sorties of the other stops out, which ruin and recreate rarely
    manages when most customers fly."""
    # a trade that breaks sorties is repaired only on small plans (on larger ones the repairs
    # took a third of the search time for few improvements); the exchange with the sorties
    # around the stop re-inserted and the drop with them re-inserted only on larger ones
    small = pc.inst.n <= 13
    # don't-look records (larger plans): per pass, the stops whose moves found nothing, with
    # their surroundings then (:func:`_stop_sigs`); a stop is tried again only once these
    # changed
    clean = memo if memo is not None else {}
    clean.setdefault("cheap", {})
    clean.setdefault("swap", {})
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        xs = [int(v) for v in rng.permutation(np.arange(1, len(plan.route) - 1))]
        sigs = {} if small else _stop_sigs(plan)
        # small plans: every move at one stop before the next stop; larger ones: the cheap
        # moves at every stop before any swap or exchange
        passes = ("all",) if small else ("cheap", "swap")
        for kind in passes:
            for x in xs:
                c = plan.route[x]
                if not small and clean[kind].get(c) == sigs[c]:
                    continue
                if kind == "all":
                    got = (
                        _trade_moves(plan, cost, x, pc, near, small)
                        or _swap_moves(plan, cost, x, pc, near, small, deadline, rng)
                        or _drop_moves(plan, cost, x, pc, small)
                        or _move_moves(plan, cost, x, pc)
                    )
                elif kind == "cheap":
                    got = (
                        _drop_moves(plan, cost, x, pc, small)
                        or _trade_moves(plan, cost, x, pc, near, small)
                        or _move_moves(plan, cost, x, pc)
                    )
                else:
                    got = _swap_moves(plan, cost, x, pc, near, small, deadline, rng)
                if got is not None:
                    plan, cost = got
                    improved = True
                    break
                if time.perf_counter() >= deadline:
                    break
                if not small:
                    clean[kind][c] = sigs[c]
            if improved or time.perf_counter() >= deadline:
                break
    return plan, cost


def _two_opt(plan: Plan, cost: float, pc: _PlanCost, deadline: float) -> tuple[Plan, float]:
    """First-improvement 2-opt on the van's route, tried only where the van drives less.
    Sorties follow their stops (one inside a reversed stretch flies the other way round); when
    that breaks the plan, the sorties touching the stretch are re-inserted afresh."""
    tt = pc.inst.truck_time_s
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        r = plan.route
        nr = len(r)
        for a in range(1, nr - 2):
            for b in range(a + 1, min(nr - 1, a + 25)):
                seg = r[a : b + 1]
                old = tt[r[a - 1], r[a]] + tt[r[b], r[b + 1]]
                old += sum(tt[x, y] for x, y in zip(seg, seg[1:], strict=False))
                new = tt[r[a - 1], r[b]] + tt[r[a], r[b + 1]]
                new += sum(tt[y, x] for x, y in zip(seg, seg[1:], strict=False))
                if new >= old - 1e-6:
                    continue

                def f(x: int, a: int = a, b: int = b) -> int:
                    return a + b - x if a <= x <= b else x

                route = r[:a] + seg[::-1] + r[b + 1 :]
                sorties = []
                for d, i, j, k in plan.sorties:
                    i2, k2 = f(i), f(k)
                    sorties.append((d, i2, j, k2) if i2 < k2 else (d, k2, j, i2))
                cand = Plan(route, sorties)
                c = pc.cost(cand)
                if c >= cost - 1e-9:  # repair: re-insert the sorties that touch the stretch
                    keep = [s for s in sorties if s[3] < a or s[1] > b]
                    out = [s[2] for s in sorties if not (s[3] < a or s[1] > b)]
                    cand = Plan(route, keep)
                    if all(pc.insert(cand, x) for x in out):
                        c = pc.cost(cand)
                if c < cost - 1e-9:
                    plan, cost, improved = cand, c, True
                    break
                if time.perf_counter() >= deadline:
                    break
            if improved or time.perf_counter() >= deadline:
                break
    return plan, cost


def plan_solution(
    inst: SidekickInstance, plan: Plan, *, stats: dict[str, float] | None = None
) -> SidekickSolution:
    """The scheduled :class:`SidekickSolution` of an explicit plan (times from the scheduler)."""
    served = sorted([*plan.route[1:-1], *(s[2] for s in plan.sorties)])
    if served != list(range(1, inst.n)):
        raise ProblemError("plan", "must serve every customer exactly once")
    pc = _PlanCost(inst, span=inst.n)
    cost, mk, (arr, dep, sst, lst, rst) = pc.schedule(plan)
    if cost >= 1e299:
        raise ProblemError("plan", "infeasible plan")
    route = plan.route
    nr = len(route)
    sorties = []
    drone_m = 0.0
    for idx, (d, i, j, k) in enumerate(plan.sorties):
        lend = float(lst[idx]) + inst.launch_s
        sorties.append(
            Sortie(
                drone=int(d),
                launch_index=int(i),
                customer=int(j),
                recovery_index=int(k),
                launch_start_s=float(lst[idx]),
                recovery_start_s=float(rst[idx]),
                energy_j=flight_energy_j(inst, route[i], j, route[k], float(rst[idx]) - lend),
            )
        )
        drone_m += float(inst.drone_dist_m[route[i], j] + inst.drone_dist_m[j, route[k]])
    truck_m = sum(float(inst.truck_dist_m[route[x - 1], route[x]]) for x in range(1, nr))
    return SidekickSolution(
        route=tuple(int(v) for v in route),
        sorties=tuple(sorties),
        arrival_s=tuple(float(t) for t in arr[:nr]),
        departure_s=tuple(float(t) for t in dep[:nr]),
        service_start_s=tuple(None if t < 0 else float(t) for t in sst[:nr]),
        makespan_s=mk,
        cost=objective_value(inst, mk, truck_m, drone_m),
        truck_dist_m=truck_m,
        drone_dist_m=drone_m,
        stats=dict(stats or {}),
    )


def _ils(
    starts: list[list[int]],
    ev: _Evaluator,
    near: list[list[int]],
    rng: np.random.Generator,
    deadline: float,
    max_iterations: int | None,
    target: float | None,
) -> tuple[list[int], float, int]:
    """Iterated local search from the best start tour; returns (tour, cost, iterations)."""
    m = len(starts[0])
    best: list[int] = []
    best_cost = math.inf
    for st in starts:
        c = ev.cost(st)
        if c < best_cost:
            best, best_cost = st, c
    cur, cur_cost = _local_search(best, best_cost, ev, near, rng, deadline)
    best, best_cost = cur, cur_cost
    it = 0
    since = 0  # iterations since the best improved
    while time.perf_counter() < deadline and m >= 3:
        if max_iterations is not None and it >= max_iterations:
            break
        if target is not None and best_cost <= target + 1e-6:
            break
        it += 1
        since += 1
        if since > 20 + 2 * m:  # stagnation: restart from a kicked start tour
            since = 0
            st = list(starts[int(rng.integers(len(starts)))])
            for _ in range(3):
                st = _perturb(st, rng)
            cur, cur_cost = _local_search(st, ev.cost(st), ev, near, rng, deadline)
            if cur_cost < best_cost - 1e-9:
                best, best_cost = cur, cur_cost
            continue
        cand = _perturb(cur, rng)
        wake = _moved(cur, cand)
        for w in list(wake):
            wake.update(near[w][:4])
        cand, cand_cost = _local_search(cand, ev.cost(cand), ev, near, rng, deadline, wake)
        if cand_cost < best_cost - 1e-9:
            best, best_cost = cand, cand_cost
            since = 0
        if cand_cost <= cur_cost + 1e-9 or rng.random() < 0.05:
            cur, cur_cost = cand, cand_cost
        if rng.random() < 0.1:
            cur, cur_cost = best, best_cost
    return best, best_cost, it


def plan_for_tour(
    inst: SidekickInstance,
    customers: list[int],
    *,
    span: int | None = None,
    stats: dict[str, float] | None = None,
) -> SidekickSolution:
    """The split DP's plan for one van tour, with its schedule."""
    m = inst.n - 1
    if sorted(customers) != list(range(1, inst.n)):
        raise ProblemError("tour", "must list every customer exactly once")
    ev = _Evaluator(inst, span if span is not None else m + 1)
    seq = np.array([0, *customers, 0], dtype=np.int64)
    value, pred = ev.run(seq)
    if not math.isfinite(value) or value >= 1e299:
        raise ProblemError("tour", "no feasible plan for this tour")
    route, sorties = ev.decode(seq, pred)
    sol = schedule(inst, route, sorties)
    from dataclasses import replace

    return replace(sol, stats={**(stats or {}), "dp_value": float(value)})
