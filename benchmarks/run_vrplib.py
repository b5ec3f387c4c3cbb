"""voltroute vs plain PyVRP on VRPLIB suites, side by side at the same time limit and seed.

Every solution, ours and PyVRP's, is checked by voltroute's independent checker, which recomputes
its cost from the instance; the gap is that recomputed cost against the best-known ``.sol``.
Each (instance, solver) run is a fresh process so that peak memory (VmHWM) is its own; with
``--jobs 2`` the two solvers of an instance run at the same time, one per core.

    python benchmarks/run_vrplib.py ../shared/data/vrptw/solomon --time-limit 10 --seed 1
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bks(path: Path) -> tuple[float | None, float | None]:
    """(published cost, the same solution's cost recomputed by our checker) of the ``.sol``.

    Gaps are taken against the recomputed cost, which is in the same units as ours (rounding
    conventions scale some suites: dimacs x10, exact x1000 and HFVRP's cost x100).
    """
    from voltroute.evaluate import check
    from voltroute.io.vrplib import read_vrplib, read_vrplib_solution

    sol = path.with_suffix(".sol")
    if not sol.exists():
        return None, None
    problem = read_vrplib(path)
    solution = read_vrplib_solution(sol, problem)
    report = check(problem, solution)
    published = solution.solver.get("reported_cost")
    return (float(published) if published is not None else None), (
        report.kpis["cost"]["total"] if report.feasible else None
    )


def run_one(path: str, solver: str, time_limit: float, seed: int) -> dict[str, Any]:
    """Solve one instance with one solver in this (child) process; check with our checker."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from voltroute.evaluate import check
    from voltroute.io.vrplib import read_vrplib
    from voltroute.model import Route, Solution, Unassigned
    from voltroute.solve import SolveParams, solve

    problem = read_vrplib(path)
    rf = problem.travel.rounding
    t0 = time.perf_counter()
    if solver == "voltroute":
        sol = solve(problem, SolveParams(time_limit_s=time_limit, seed=seed))
    else:
        data = pyvrp.read(path, round_func=rf)
        res = pyvrp.solve(data, MaxRuntime(time_limit), seed=seed, collect_stats=False)
        counters = {vt.id: 0 for vt in problem.vehicle_types}
        routes = []
        for r in res.best.routes():
            vt = problem.vehicle_types[r.vehicle_type()]
            counters[vt.id] += 1
            routes.append(
                Route(
                    vehicle=f"{vt.id}-{counters[vt.id]}",
                    vehicle_type=vt.id,
                    stops=tuple(problem.stops[a.idx].id for a in r.schedule() if a.is_client()),
                )
            )
        served = {s for r in routes for s in r.stops}
        sol = Solution(
            problem=problem.name,
            routes=tuple(routes),
            unassigned=tuple(
                Unassigned(stop=s.id, reason="other") for s in problem.stops if s.id not in served
            ),
        )
    elapsed = time.perf_counter() - t0
    report = check(problem, sol)
    cost = report.kpis["cost"]["total"]
    return {
        "instance": Path(path).stem,
        "solver": solver,
        "clients": len(problem.stops),
        "feasible": report.feasible and not sol.unassigned,
        "cost": cost,
        "time_s": elapsed,
        "peak_mb": _peak_rss_mb(),
        "routes": len(sol.routes),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("suite", nargs="+", help="folders or .vrp files")
    ap.add_argument(
        "--time-limit", type=float, default=10.0, help="seconds per instance and solver"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--limit", type=int, default=None, help="at most this many instances per folder"
    )
    ap.add_argument("--every", type=int, default=1, help="take every k-th instance of a folder")
    ap.add_argument("--jobs", type=int, default=2, help="processes (2: both solvers at once)")
    ap.add_argument("--markdown", type=Path, help="append the table as Markdown to this file")
    args = ap.parse_args(argv)

    files: list[Path] = []
    for s in args.suite:
        p = Path(s)
        if p.is_dir():
            found = sorted(p.glob("*.vrp"))[:: args.every]
            files += found[: args.limit] if args.limit else found
        elif p.exists():
            files.append(p)
        else:
            print(f"run_vrplib: {p}: not found (is ../shared/data there?)", file=sys.stderr)
            return 2
    if not files:
        print("run_vrplib: no .vrp instances found", file=sys.stderr)
        return 2

    ctx = mp.get_context("spawn")
    rows: list[dict[str, Any]] = []
    header = (
        f"{'instance':<16} {'n':>5} {'BKS':>10} | {'voltroute':>10} {'gap%':>6} {'s':>5} {'MB':>5} "
        f"| {'PyVRP':>10} {'gap%':>6} {'s':>5} {'MB':>5}"
    )
    print(f"time limit {args.time_limit:g} s, seed {args.seed}, {len(files)} instances")
    print(header)
    print("-" * len(header))
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=ctx, max_tasks_per_child=1) as pool:
        for f in files:
            futs = {
                s: pool.submit(run_one, str(f), s, args.time_limit, args.seed)
                for s in ("voltroute", "pyvrp")
            }
            res = {s: fut.result() for s, fut in futs.items()}
            published, ref = bks(f)
            unit = (published / ref) if published and ref else 1.0  # checker -> published units
            row: dict[str, Any] = {"instance": f.stem, "n": res["voltroute"]["clients"]}
            row["bks"] = published if published is not None else float("nan")
            for s, r in res.items():
                gap = 100.0 * (r["cost"] - ref) / ref if ref and r["feasible"] else None
                row[s] = r | {"gap": gap, "cost": r["cost"] * unit}
            rows.append(row)
            v, p = row["voltroute"], row["pyvrp"]

            def g(x: dict[str, Any]) -> str:
                return f"{x['gap']:6.2f}" if x["gap"] is not None else "  INF "

            print(
                f"{f.stem:<16} {row['n']:>5} {row['bks']:>10.1f} | {v['cost']:>10.1f} {g(v)} "
                f"{v['time_s']:>5.1f} {v['peak_mb']:>5.0f} | {p['cost']:>10.1f} {g(p)} "
                f"{p['time_s']:>5.1f} {p['peak_mb']:>5.0f}",
                flush=True,
            )

    def avg(solver: str) -> str:
        gaps = [r[solver]["gap"] for r in rows if r[solver]["gap"] is not None]
        infeasible = sum(1 for r in rows if not r[solver]["feasible"])
        mean = statistics.fmean(gaps) if gaps else float("nan")
        return f"{mean:.3f} % mean gap over {len(gaps)} feasible, {infeasible} infeasible"

    print("-" * len(header))
    print(f"voltroute: {avg('voltroute')}")
    print(f"PyVRP:     {avg('pyvrp')}")
    if args.markdown:
        cmd = "python benchmarks/run_vrplib.py " + " ".join(sys.argv[1:])
        lines = [
            f"Command: `{cmd}`",
            "",
            "| instance | n | BKS | voltroute | gap % | s | MB | PyVRP | gap % | s | MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            v, p = r["voltroute"], r["pyvrp"]

            def gm(x: dict[str, Any]) -> str:
                return f"{x['gap']:.2f}" if x["gap"] is not None else "infeasible"

            lines.append(
                f"| {r['instance']} | {r['n']} | {r['bks']:.1f} | {v['cost']:.1f} | {gm(v)} | "
                f"{v['time_s']:.1f} | {v['peak_mb']:.0f} | {p['cost']:.1f} | {gm(p)} | "
                f"{p['time_s']:.1f} | {p['peak_mb']:.0f} |"
            )
        lines += ["", f"voltroute: {avg('voltroute')}; PyVRP: {avg('pyvrp')}", ""]
        with args.markdown.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
