"""TSP-D benchmark (Agatz, Bouman & Schmidt 2018; Bouman, Agatz & Schmidt 2018).

Two parts, on ``../shared/data/tspd/<family>/``:

* ``--exact``: every instance with an exact optimum ``solutions/*-DP.txt`` (n <= 17, the
  ``lim_*`` files excluded). The engine runs until it reaches the optimum or the time limit
  (``--time-limit``, default 10 s); the table gives the time to reach it. The optimum is only a
  stopping rule: the search itself never sees it.
* ``--large``: instances with a Concorde truck-only tour ``*-tsp.txt`` (sizes ``--sizes``); the
  engine runs ``--time-limit`` seconds and the table gives the saving of van + drone against the
  truck-only tour.

Every plan is checked by :func:`voltroute.evaluate.sync.check_operations` from the written TSP-D
operations, not the engine's own figure.

    .venv/bin/python benchmarks/run_tspd.py --exact
    .venv/bin/python benchmarks/run_tspd.py --large --sizes 50 100 --per-size 5 --time-limit 20
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

from voltroute.evaluate.sync import check_operations
from voltroute.io.tspd import (
    operations_cost,
    read_tspd,
    read_tspd_solution,
    solution_to_operations,
)
from voltroute.solve.sidekick import SidekickParams, solve_sidekick, warm_up

ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tspd"


def _size(name: str) -> int:
    m = re.search(r"-n(\d+)", name)
    return int(m.group(1)) if m else 0


def _solve_checked(
    path: Path, limit: float, target: float | None, seed: int
) -> tuple[float, float]:
    inst = read_tspd(path)
    t0 = time.perf_counter()
    sol = solve_sidekick(inst, SidekickParams(time_limit_s=limit, target=target, seed=seed))
    elapsed = time.perf_counter() - t0
    ops = solution_to_operations(
        sol.route, [(s.launch_index, s.customer, s.recovery_index) for s in sol.sorties]
    )
    rep = check_operations(inst, ops)
    if not rep.feasible:
        raise SystemExit(f"{path.name}: checker rejected the plan: {rep.violations[:3]}")
    return rep.cost, elapsed


def run_exact(family: str, limit: float, seed: int, max_n: int) -> int:
    sol_dir = ROOT / family / "solutions"
    files = sorted(
        (f for f in sol_dir.glob("*-DP.txt") if "lim_" not in f.name and _size(f.name) <= max_n),
        key=lambda f: (_size(f.name), f.name),
    )
    by_n: dict[int, list[tuple[float, float, bool]]] = {}
    misses = []
    for f in files:
        inst_path = ROOT / family / f.name.replace("-DP.txt", ".txt")
        opt = operations_cost(read_tspd(inst_path), read_tspd_solution(f))
        cost, elapsed = _solve_checked(inst_path, limit, opt, seed)
        hit = cost <= opt * (1 + 1e-9) + 1e-9
        if not hit:
            misses.append((inst_path.name, cost, opt))
        by_n.setdefault(_size(f.name), []).append((cost / opt - 1.0, elapsed, hit))
        print(
            f"{inst_path.name:28s} opt {opt:10.4f} ours {cost:10.4f} {elapsed:6.2f} s"
            f" {'OPT' if hit else 'gap %.3f%%' % (100 * (cost / opt - 1))}",
            file=sys.stderr,
        )
    print(f"\nTSP-D {family}: exact optima (*-DP.txt), limit {limit} s, seed {seed}\n")
    print("| n | instances | optimum reached | mean gap % | mean s to opt | max s |")
    print("|---|---|---|---|---|---|")
    for n, rows in sorted(by_n.items()):
        hits = sum(1 for r in rows if r[2])
        print(
            f"| {n} | {len(rows)} | {hits} | {100 * statistics.mean(r[0] for r in rows):.3f} |"
            f" {statistics.mean(r[1] for r in rows):.2f} | {max(r[1] for r in rows):.2f} |"
        )
    total = sum(len(r) for r in by_n.values())
    print(f"\nall: {total - len(misses)}/{total} optimal")
    for name, cost, opt in misses:
        print(f"missed: {name} ours {cost:.4f} optimum {opt:.4f}")
    return 0


def run_large(family: str, sizes: list[int], per_size: int, limit: float, seed: int) -> int:
    sol_dir = ROOT / family / "solutions"
    print(f"\nTSP-D {family}: van + drone vs Concorde van-only tour, {limit} s each, seed {seed}\n")
    print("| n | instances | mean saving % | min % | max % | mean s |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        files = sorted(sol_dir.glob(f"*-n{n}-tsp.txt"), key=lambda f: f.name)[:per_size]
        rows = []
        for f in files:
            inst_path = ROOT / family / f.name.replace("-tsp.txt", ".txt")
            inst = read_tspd(inst_path)
            tsp = operations_cost(inst, read_tspd_solution(f))
            cost, elapsed = _solve_checked(inst_path, limit, None, seed)
            rows.append((1 - cost / tsp, elapsed))
            print(
                f"{inst_path.name:28s} tsp {tsp:10.2f} ours {cost:10.2f}"
                f" saving {100 * (1 - cost / tsp):5.1f}% {elapsed:6.1f} s",
                file=sys.stderr,
            )
        if rows:
            print(
                f"| {n} | {len(rows)} | {100 * statistics.mean(r[0] for r in rows):.1f} |"
                f" {100 * min(r[0] for r in rows):.1f} | {100 * max(r[0] for r in rows):.1f} |"
                f" {statistics.mean(r[1] for r in rows):.1f} |"
            )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="uniform")
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--large", action="store_true")
    ap.add_argument("--max-n", type=int, default=17)
    ap.add_argument("--sizes", type=int, nargs="*", default=[20, 50, 100])
    ap.add_argument("--per-size", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not ROOT.is_dir():
        print(f"reference data not found at {ROOT}", file=sys.stderr)
        return 2
    warm_up()  # numba kernels compiled/loaded before any run is timed
    if a.exact or not a.large:
        run_exact(a.family, a.time_limit, a.seed, a.max_n)
    if a.large:
        run_large(a.family, a.sizes, a.per_size, a.time_limit, a.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
