"""The sidekick engine: van tour first, split DP for the drones, local search over the tour.

1. Start tours: a travelling-salesman tour of the van over all customers (PyVRP's iterated local
   search on the van's travel times) and a nearest-neighbour tour.
2. Every tour is scored by the split DP (:mod:`.split`), which picks the best sorties for it.
3. Local search over the tour (relocate one to three consecutive customers, 2-opt, swap), each
   neighbour scored by the split DP, inside an iterated local search with random segment
   perturbations until the time limit or the iteration budget is reached.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voltroute.model import ProblemError
from voltroute.solve.sidekick.instance import SidekickInstance
from voltroute.solve.sidekick.schedule import SidekickSolution, schedule
from voltroute.solve.sidekick.split import decode, split_dp, split_dp1


@dataclass(frozen=True, kw_only=True)
class SidekickParams:
    """Search settings. ``span``: most tour positions one operation may cover (None: all for
    small instances, 16 for one drone, 10 for several). ``max_iterations``: ILS rounds
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
        back = min(m, 6) if m <= 20 else 3
        self.max_loops = back if (inst.allow_same_node_recovery and inst.num_drones == 1) else 0
        if inst.objective == "makespan":
            self.w = (1.0, 0.0, 0.0)
        else:
            self.w = (inst.time_weight, inst.truck_cost_per_m, inst.drone_cost_per_m)
        self.calls = 0

    def run(self, tour: NDArray[np.int64]) -> tuple[float, object, object, object]:
        self.calls += 1
        inst = self.inst
        fn = split_dp1 if inst.num_drones <= 1 else split_dp
        return fn(
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

    def cost(self, customers: list[int]) -> float:
        return float(self.run(np.array([0, *customers, 0], dtype=np.int64))[0])


def tsp_tour(inst: SidekickInstance, *, time_s: float, seed: int) -> list[int]:
    """A van-only tour over all customers by PyVRP (travel time, scaled to integers)."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

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
    res = model.solve(stop=MaxRuntime(time_s), seed=seed, collect_stats=False, display=False)
    routes = res.best.routes()
    if not routes:
        return list(range(1, n))
    tour = [
        int(a.idx) + 1 for a in routes[0].schedule() if a.is_client()
    ]  # clients follow the depot
    return tour if sorted(tour) == list(range(1, n)) else nearest_neighbour_tour(inst)


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


def _local_search(
    tour: list[int],
    cost: float,
    ev: _Evaluator,
    near: list[list[int]],
    rng: np.random.Generator,
    deadline: float,
) -> tuple[list[int], float]:
    """First-improvement descent over relocate (1-3), 2-opt and swap moves."""
    m = len(tour)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        order = rng.permutation(m)
        for idx in order:
            if time.perf_counter() >= deadline:
                break
            u = tour[int(idx)]
            pos = {v: i for i, v in enumerate(tour)}
            i = pos[u]
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
                    c = ev.cost(cand)
                    if c < cost - 1e-9:
                        tour, cost = cand, c
                        improved = True
                        break
                if improved:
                    break
            if improved:
                break
    return tour, cost


def _perturb(tour: list[int], rng: np.random.Generator) -> list[int]:
    """Random double bridge or a few random relocations."""
    m = len(tour)
    t = tour.copy()
    if m >= 8 and rng.random() < 0.5:
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
        span = m + 1 if m <= 12 else (16 if inst.num_drones <= 1 else 8)
    near = _neighbour_lists(inst, min(params.neighbours, max(1, m - 1)))
    tsp_s = params.tsp_time_s
    if tsp_s is None:
        tsp_s = min(0.2 * params.time_limit_s, 0.05 + 0.01 * m)
    starts = [tsp_tour(inst, time_s=tsp_s, seed=params.seed), nearest_neighbour_tour(inst)]
    calls = 0
    its = 0
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
    while time.perf_counter() < deadline and m >= 3:
        if max_iterations is not None and it >= max_iterations:
            break
        if target is not None and best_cost <= target + 1e-6:
            break
        it += 1
        cand = _perturb(cur, rng)
        cand, cand_cost = _local_search(cand, ev.cost(cand), ev, near, rng, deadline)
        if cand_cost < best_cost - 1e-9:
            best, best_cost = cand, cand_cost
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
    value, pp, pk, pd = ev.run(seq)
    if not math.isfinite(value) or value >= 1e299:
        raise ProblemError("tour", "no feasible plan for this tour")
    route, sorties = decode(seq, pp, pk, pd)  # type: ignore[arg-type]
    sol = schedule(inst, route, sorties)
    from dataclasses import replace

    return replace(sol, stats={**(stats or {}), "dp_value": float(value)})
