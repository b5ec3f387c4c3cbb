"""Exact optima of the small E-VRPTW instances of Schneider et al. (2014) with a HiGHS MILP.

The problem is the E-VRPTW with partial recharging (E-VRPTW-PR): every customer is served once
within its time window, the load of a route is at most ``C``, the battery (``Q``) never goes
below zero, a station visit recharges any amount at ``g`` time units per unit of energy, and the
route returns to the depot before it closes. The objective is hierarchical: fewest vehicles
first, then least total distance. It is solved in two phases: (1) minimise the number of routes;
(2) fix that number and minimise distance, starting from the phase-1 routes.

Formulation (arc-based, after Schneider et al. 2014 and Keskin & Çatay 2016). Nodes are the depot
as start ``0`` and end ``N``, the customers, and ``K`` dummy copies of every station (each copy
is visited at most once, so a station can be visited up to ``K`` times in the whole plan).

* binary ``x_ij`` on arcs, after removing arcs that no feasible route can use (time windows,
  capacity, energy: a customer is reached from and left to a charge point, which bounds its
  battery on arrival), copies of the same station, and zero-length station-station arcs;
* customers: in-degree = out-degree = 1; station copies: in = out <= 1; copy ``k+1`` is used only
  if copy ``k`` is (symmetry breaking);
* time: ``tau_j >= tau_i + s_i + t_ij + g (Y_i - y_i) - M_ij (1 - x_ij)``, the charging term
  only at station copies, ``e_j <= tau_j <= l_j`` (``l_j`` tightened by the return to the depot);
* load on arrival: ``u_j <= u_i - q_i + C (1 - x_ij)`` (MTZ-like, lifted), ``q_i <= u_i <= C``;
* battery on arrival ``y_i`` and on departure ``Y_i`` (``= y_i`` at customers, ``= Q`` at the
  depot, ``y_i <= Y_i <= Q`` at stations): ``y_j <= Y_i - r d_ij + M (1 - x_ij)``, ``y_j >= 0``,
  and ``Y_i >= r d_iN`` on arcs into the depot.

Every optimum is converted to a route string ``D0;…;D0;D0;…;D0`` and re-checked by
``voltroute.evaluate.check``, which recomputes the least partial recharge for the fixed sequence
and verifies battery, capacity, time windows and shift, and the distance.

Usage::

    python benchmarks/exact_evrptw.py --time-limit 60 --jobs 2 --markdown out.md
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SMALL = REPO.parent / "shared" / "data" / "evrptw" / "schneider" / "small"


@dataclass
class ExactResult:
    instance: str
    customers: int
    stations: int
    copies: int
    status: str  # optimal | time limit | infeasible | no solution
    vehicles: int | None = None
    vehicles_proven: bool = False
    vehicles_lb: int | None = None
    distance: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    configuration: str | None = None
    checker_feasible: bool | None = None
    checker_distance: float | None = None
    checker_violations: list[str] = field(default_factory=list)
    arcs: int = 0


def _max_clique(nodes: list[int], edges: set[tuple[int, int]]) -> int:
    """Size of a largest clique (plain branch and bound; the instances have <= 15 customers)."""
    best = 0

    def grow(size: int, cand: list[int]) -> None:
        nonlocal best
        best = max(best, size)
        for k, v in enumerate(cand):
            if size + len(cand) - k <= best:
                return
            grow(size + 1, [w for w in cand[k + 1 :] if (v, w) in edges])

    grow(0, list(nodes))
    return best


class _Model:
    """The arc-based MILP of the module docstring, as sparse rows for HiGHS."""

    def __init__(self, problem, copies: int) -> None:
        from voltroute.network import travel_matrices

        self.problem = problem
        vt = problem.vehicle_types[0]
        pt = vt.powertrain
        depot = problem.depots[0]
        stops, stations = list(problem.stops), list(problem.stations)
        n = len(stops)
        mats = travel_matrices(problem)
        dist_loc = np.asarray(mats.distance_m, dtype=float)
        time_loc = np.asarray(mats.duration_s, dtype=float)
        self.Q = float(pt.battery_usable_kwh)
        self.r = float(pt.fixed_kwh_per_km) / 1000.0  # energy per unit of distance
        # g: time per unit of energy; all stations share the rate in these instances
        self.C = float(vt.capacity_kg)
        Q, r, C = self.Q, self.r, self.C

        # node list: 0 start depot, 1..n customers, station copies, N end depot
        loc = [0] + [1 + i for i in range(n)]
        kind = ["start"] + ["cust"] * n
        ids = [depot.id] + [s.id for s in stops]
        gvals = [0.0] * (n + 1)
        station_of: list[int] = [-1] * (n + 1)
        copy_no: list[int] = [-1] * (n + 1)
        for f, st in enumerate(stations):
            for k in range(copies):
                loc.append(1 + n + f)
                kind.append("stat")
                ids.append(st.id)
                gvals.append(3600.0 / float(st.power_kw))
                station_of.append(f)
                copy_no.append(k)
        loc.append(0)
        kind.append("end")
        ids.append(depot.id)
        gvals.append(0.0)
        station_of.append(-1)
        copy_no.append(-1)
        self.N = N = len(loc) - 1
        self.kind, self.ids, self.station_of, self.copy_no = kind, ids, station_of, copy_no
        d = dist_loc[np.ix_(loc, loc)]
        t = time_loc[np.ix_(loc, loc)]
        self.d = d

        e0, l0 = float(depot.open_s), float(depot.close_s)
        q = np.zeros(N + 1)
        s = np.zeros(N + 1)
        e = np.full(N + 1, e0)
        late = np.full(N + 1, l0)
        for i, stop in enumerate(stops, start=1):
            q[i] = sum(p.weight_kg for p in stop.parcels)
            s[i] = float(stop.service_time_s)
            if stop.time_window is not None:
                e[i] = max(e0, float(stop.time_window.start_s))
                late[i] = min(l0, float(stop.time_window.end_s))
        # latest start that still returns to the depot in time (triangle inequality holds)
        for i in range(1, N):
            late[i] = min(late[i], l0 - s[i] - t[i, N])
        late[0] = e[0] = e0
        self.q, self.s, self.e, self.late = q, s, e, late

        # energy bounds: a customer is reached from a charge point and left for one
        charge_pts = [0] + [i for i in range(1, N) if kind[i] == "stat"]
        in_min = np.zeros(N + 1)
        out_min = np.zeros(N + 1)
        for i in range(1, n + 1):
            in_min[i] = r * min(d[f, i] for f in charge_pts)
            out_min[i] = r * min(d[i, f] for f in [*charge_pts, N])
        self.y_lb = out_min.copy()
        self.y_ub = np.full(N + 1, Q) - in_min
        self.trivially_infeasible = [
            ids[i] for i in range(1, n + 1) if self.y_lb[i] > self.y_ub[i] + 1e-9
        ]

        arcs: list[tuple[int, int]] = []
        for i in range(N):  # tails: start, customers, stations
            for j in range(1, N + 1):  # heads: customers, stations, end
                if i == j or (i == 0 and j == N):
                    continue
                ki, kj = kind[i], kind[j]
                if (
                    ki == "stat"
                    and kj == "stat"
                    and (station_of[i] == station_of[j] or d[i, j] <= 1e-12)
                ):
                    continue
                if ki in ("start", "stat") and kj in ("stat", "end") and d[i, j] <= 1e-12:
                    continue  # a zero-length hop between charge points is never useful
                if q[i] + q[j] > C + 1e-9:
                    continue
                if e[i] + s[i] + t[i, j] > late[j] + 1e-9:
                    continue
                need = r * d[i, j] + (out_min[j] if kj == "cust" else 0.0)
                have = Q - (in_min[i] if ki == "cust" else 0.0)
                if need > have + 1e-9:
                    continue
                arcs.append((i, j))
        self.arcs = arcs

        # ---- variables -------------------------------------------------------
        lb: list[float] = []
        ub: list[float] = []
        integ: list[int] = []

        def var(lo: float, hi: float, integer: bool = False) -> int:
            lb.append(lo)
            ub.append(hi)
            integ.append(1 if integer else 0)
            return len(lb) - 1

        self.x = {a: var(0.0, 1.0, True) for a in arcs}
        self.tau = [var(e[i], max(e[i], late[i])) for i in range(N + 1)]
        # departure time from each node: tau + service, or tau + charging time at stations
        dep_late = np.array([l0 - t[i, N] for i in range(N + 1)])
        dep_late[0] = e0
        self.dep = {i: var(e[i] + s[i], max(e[i] + s[i], dep_late[i])) for i in range(N)}
        self.tau_fixed = self.tau[0]
        self.u = {i: var(q[i], C) for i in range(1, N)}
        self.y = {}
        self.Y = {}
        for i in range(1, N):
            if kind[i] == "cust":
                self.y[i] = var(self.y_lb[i], max(self.y_lb[i], self.y_ub[i]))
                self.Y[i] = self.y[i]
            else:
                self.y[i] = var(0.0, Q)
                self.Y[i] = var(0.0, Q)
        self.lb, self.ub, self.integ = lb, ub, integ

        # ---- constraints -----------------------------------------------------
        rows: list[tuple[float, float, dict[int, float]]] = []
        out_arcs: dict[int, list[int]] = {i: [] for i in range(N + 1)}
        in_arcs: dict[int, list[int]] = {i: [] for i in range(N + 1)}
        for (i, j), v in self.x.items():
            out_arcs[i].append(v)
            in_arcs[j].append(v)
        inf = math.inf
        for i in range(1, N):
            if kind[i] == "cust":
                rows.append((1.0, 1.0, {v: 1.0 for v in out_arcs[i]}))
                rows.append((1.0, 1.0, {v: 1.0 for v in in_arcs[i]}))
            else:
                rows.append((-inf, 1.0, {v: 1.0 for v in out_arcs[i]}))
                flow = {v: 1.0 for v in out_arcs[i]}
                for v in in_arcs[i]:
                    flow[v] = flow.get(v, 0.0) - 1.0
                rows.append((0.0, 0.0, flow))
                if copy_no[i] > 0:  # copy k used only if copy k-1 is (i-1 is copy k-1)
                    sym = {v: 1.0 for v in out_arcs[i]}
                    for v in out_arcs[i - 1]:
                        sym[v] = sym.get(v, 0.0) - 1.0
                    rows.append((-inf, 0.0, sym))
        self.start_arcs = out_arcs[0]

        for i in range(N):
            # departure = arrival + service (customers) or + g (Y_i - y_i) (stations)
            coef = {self.dep[i]: 1.0, self.tau[i]: -1.0}
            if kind[i] == "stat":
                coef[self.Y[i]] = -gvals[i]
                coef[self.y[i]] = gvals[i]
            rows.append((s[i], s[i], coef))
        for (i, j), v in self.x.items():
            ki = kind[i]
            # time: tau_j >= dep_i + t_ij - M (1 - x),  M = latest dep_i + t_ij - e_j
            big_m = max(0.0, ub[self.dep[i]] + t[i, j] - e[j])
            coef = {self.tau[j]: 1.0, self.dep[i]: -1.0, v: -(t[i, j] + big_m)}
            rows.append((-big_m, inf, coef))
            if i < j and (j, i) in self.x:  # no 2-cycles
                rows.append((-inf, 1.0, {v: 1.0, self.x[(j, i)]: 1.0}))
            # load (between non-depot nodes): u_j - u_i + C x <= C - q_i
            if ki != "start" and kind[j] != "end":
                rows.append((-inf, C - q[i], {self.u[j]: 1.0, self.u[i]: -1.0, v: C}))
            # energy
            rd = r * d[i, j]
            if kind[j] == "end":
                if ki != "start":  # Y_i - r d x >= 0
                    rows.append((0.0, inf, {self.Y[i]: 1.0, v: -rd}))
                continue
            yj_ub = ub[self.y[j]]
            if ki == "start":  # y_j <= Q - r d + (ub_j - Q + r d)(1 - x)
                rows.append((-inf, yj_ub, {self.y[j]: 1.0, v: yj_ub - Q + rd}))
            else:  # y_j - Y_i + (r d + M) x <= M,  M = ub(y_j) - lb(Y_i)
                big_e = yj_ub - lb[self.Y[i]]
                rows.append((-inf, big_e, {self.y[j]: 1.0, self.Y[i]: -1.0, v: rd + big_e}))
        for i in range(1, N):
            if kind[i] == "stat":  # y_i <= Y_i
                rows.append((0.0, inf, {self.Y[i]: 1.0, self.y[i]: -1.0}))
        self.rows = rows
        # vehicle lower bound: capacity, and the largest set of pairwise incompatible customers
        # (neither order fits the time windows or the load; a path is never shorter than the arc)
        cust = list(range(1, n + 1))
        incompatible = {
            (i, j)
            for i in cust
            for j in cust
            if i != j
            and (
                q[i] + q[j] > C + 1e-9
                or (
                    e[i] + s[i] + t[i, j] > late[j] + 1e-9
                    and e[j] + s[j] + t[j, i] > late[i] + 1e-9
                )
            )
        }
        self.vehicles_lb = max(
            1 if n else 0, math.ceil(sum(q) / C - 1e-9), _max_clique(cust, incompatible)
        )

    def highs(self, objective: str, vehicles: int | None, time_limit: float, threads: int):
        import highspy

        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", max(0.1, float(time_limit)))
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-7)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("threads", int(threads))
        nv = len(self.lb)
        cost = np.zeros(nv)
        if objective == "vehicles":
            for v in self.start_arcs:
                cost[v] = 1.0
        else:
            for (i, j), v in self.x.items():
                cost[v] = self.d[i, j]
        h.addVars(nv, np.array(self.lb), np.array(self.ub))
        h.changeColsCost(nv, np.arange(nv, dtype=np.int32), cost)
        rows = list(self.rows)
        veh = {v: 1.0 for v in self.start_arcs}
        if vehicles is None:
            rows.append((float(self.vehicles_lb), math.inf, veh))
        else:
            rows.append((float(vehicles), float(vehicles), veh))
        lo = np.array([r[0] for r in rows], dtype=float)
        hi = np.array([r[1] for r in rows], dtype=float)
        starts: list[int] = []
        idx: list[int] = []
        val: list[float] = []
        for r in rows:
            starts.append(len(idx))
            for k, c in r[2].items():
                if c != 0.0:
                    idx.append(k)
                    val.append(c)
        inf = h.getInfinity()
        lo[np.isinf(lo)] = -inf
        hi[np.isinf(hi)] = inf
        h.addRows(
            len(rows),
            lo,
            hi,
            len(idx),
            np.array(starts, dtype=np.int32),
            np.array(idx, dtype=np.int32),
            np.array(val, dtype=float),
        )
        ints = [k for k, f in enumerate(self.integ) if f]
        h.changeColsIntegrality(
            len(ints),
            np.array(ints, dtype=np.int32),
            np.array([highspy.HighsVarType.kInteger] * len(ints)),
        )
        return h

    def routes(self, values) -> list[list[int]]:
        succ: dict[int, list[int]] = {}
        for (i, j), v in self.x.items():
            if values[v] > 0.5:
                succ.setdefault(i, []).append(j)
        routes = []
        for first in succ.get(0, []):
            route, node, seen = [], first, 0
            while node != self.N and seen <= self.N:
                route.append(node)
                node = succ[node][0]
                seen += 1
            routes.append(route)
        return routes

    def configuration(self, routes: list[list[int]]) -> str:
        dep = self.ids[0]
        return ";".join(";".join([dep, *(self.ids[k] for k in r), dep]) for r in routes)


def highspy_solution(h):
    import highspy

    sol = highspy.HighsSolution()
    sol.col_value = list(h.getSolution().col_value)
    sol.value_valid = True
    return sol


def _status(h) -> str:
    import highspy

    st = h.getModelStatus()
    return {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kTimeLimit: "time limit",
    }.get(st, h.modelStatusToString(st))


def solve_exact(
    problem,
    time_limit: float = 60.0,
    copies: int = 2,
    threads: int = 1,
    phase1_share: float = 0.5,
) -> ExactResult:
    """Solve ``problem`` (an E-VRPTW read by ``read_evrptw``) to optimality within the limit."""
    from voltroute.evaluate import check
    from voltroute.io.evrptw import routes_from_configuration

    t0 = time.perf_counter()
    model = _Model(problem, copies)
    res = ExactResult(
        instance=problem.name,
        customers=len(problem.stops),
        stations=len(problem.stations),
        copies=copies,
        status="no solution",
        arcs=len(model.arcs),
        vehicles_lb=model.vehicles_lb,
    )
    # fewest vehicles first: K = lower bound, K + 1, ... until "min distance with exactly K
    # routes" has a solution; every smaller K was proven infeasible unless it ran out of time
    vehicles = model.vehicles_lb
    proven = True
    values = None
    st = "no solution"
    while vehicles <= max(len(problem.stops), 1):
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0.05:
            break
        last = vehicles == len(problem.stops)
        h = model.highs("distance", vehicles, left if last else phase1_share * left, threads)
        h.run()
        st = _status(h)
        info = h.getInfo()
        if info.primal_solution_status == 2:
            if st == "time limit" and proven:
                # more time for this K if the first share ran out before optimality
                left = time_limit - (time.perf_counter() - t0)
                if left > 0.05:
                    sol = highspy_solution(h)
                    h.setOptionValue("time_limit", left)
                    h.setSolution(sol)
                    h.run()
                    st = _status(h)
                    info = h.getInfo()
            values = list(h.getSolution().col_value)
            res.distance = float(info.objective_function_value)
            res.bound = float(info.mip_dual_bound)
            res.gap = 0.0 if st == "optimal" else float(info.mip_gap)
            break
        if st != "infeasible":  # ran out of time without a solution: K not excluded
            proven = False
        vehicles += 1
    res.vehicles_proven = proven
    res.vehicles_lb = vehicles if proven else model.vehicles_lb
    if values is None:
        res.status = "infeasible" if st == "infeasible" and proven else f"no solution ({st})"
        res.seconds = time.perf_counter() - t0
        return res
    res.status = st if proven else f"{st} (vehicles unproven)"
    res.vehicles = vehicles
    routes = model.routes(values)
    res.configuration = model.configuration(routes)
    res.seconds = time.perf_counter() - t0
    solution = routes_from_configuration(res.configuration, problem)
    rep = check(problem, solution)
    res.checker_feasible = rep.feasible
    res.checker_distance = float(rep.kpis["distance_m"])
    res.checker_violations = [f"{v.kind}: {v.message}" for v in rep.violations[:3]]
    if len(solution.routes) != vehicles:
        res.checker_feasible = False
        res.checker_violations.append(f"{len(solution.routes)} routes decoded, {vehicles} used")
    return res


def _solve_file(args: tuple[str, float, int, int]) -> ExactResult:
    from voltroute.io.evrptw import read_evrptw

    path, time_limit, copies, threads = args
    return solve_exact(read_evrptw(path), time_limit, copies, threads)


def _fmt(v: float | None, nd: int = 2) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def table(results: list[ExactResult]) -> str:
    head = (
        "| instance | customers | stations | vehicles | distance | status | MIP gap | time (s) "
        "| checker feasible | checker distance |\n"
        "|---|---:|---:|---:|---:|---|---:|---:|---|---:|"
    )
    lines = [head]
    for r in results:
        gap = "–" if r.gap is None else f"{100 * r.gap:.2f} %"
        feas = {None: "–", True: "yes", False: "**no**"}[r.checker_feasible]
        lines.append(
            f"| {r.instance} | {r.customers} | {r.stations} | {r.vehicles or '–'} | "
            f"{_fmt(r.distance)} | {r.status} | {gap} | {r.seconds:.1f} | {feas} | "
            f"{_fmt(r.checker_distance)} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    ap.add_argument("--instances", default=str(SMALL / "*.txt"), help="glob of instance files")
    ap.add_argument("--copies", type=int, default=2, help="dummy copies per station")
    ap.add_argument("--jobs", type=int, default=1, help="instances solved in parallel")
    ap.add_argument("--threads", type=int, default=1, help="HiGHS threads per instance")
    ap.add_argument("--markdown", help="write the table (and the command) to this file")
    ap.add_argument("--routes", action="store_true", help="print the route strings")
    a = ap.parse_args(argv)
    paths = sorted(glob.glob(a.instances))
    if not paths:
        print(f"no instance matches {a.instances}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    jobs = [(p, a.time_limit, a.copies, a.threads) for p in paths]
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as pool:
            results = list(pool.map(_solve_file, jobs))
    else:
        results = []
        for j in jobs:
            results.append(_solve_file(j))
            r = results[-1]
            print(f"{r.instance}: {r.status} {r.vehicles} {_fmt(r.distance)} "
                  f"{r.seconds:.1f}s", file=sys.stderr, flush=True)  # fmt: skip
    total = time.perf_counter() - t0
    out = table(results)
    n_opt = sum(r.status == "optimal" for r in results)
    n_feas = sum(bool(r.checker_feasible) for r in results)
    close = sum(
        r.checker_distance is not None
        and r.distance is not None
        and abs(r.checker_distance - r.distance) <= 1e-4
        for r in results
    )
    summary = (
        f"{len(results)} instances, {n_opt} proven optimal, {n_feas} checker-feasible, "
        f"{close} with checker distance = MILP distance (±1e-4); "
        f"total wall time {total:.1f} s ({a.jobs} job(s), {a.copies} copies per station, "
        f"{a.time_limit:g} s limit)"
    )
    print(out)
    print()
    print(summary)
    for r in results:
        if a.routes:
            print(f"{r.instance}: {r.configuration}")
        if r.checker_violations:
            print(f"{r.instance}: {r.checker_violations}")
    if a.markdown:
        cmd = "python " + " ".join([os.path.relpath(__file__, REPO), *(argv or sys.argv[1:])])
        Path(a.markdown).write_text(f"Command: `{cmd}`\n\n{out}\n\n{summary}\n")
        import json

        Path(a.markdown).with_suffix(".json").write_text(
            json.dumps([asdict(r) for r in results], indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
