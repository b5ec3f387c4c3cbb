"""The charging engine on the small E-VRPTW instances against our own exact MILP results.

The reference is ``benchmarks/results/exact_evrptw_small.csv``, written from the run of
``benchmarks/exact_evrptw.py --time-limit 60 --jobs 2 --copies 2`` recorded in
docs/benchmarks.md section 7 (status ``optimal`` = vehicles and distance proven; ``optimal
(vehicles unproven)`` = least distance for that vehicle count; ``time limit`` = the MILP's best
solution, not proven). The engine minimises vehicles first, then distance (the literature's
objective); every solution is checked by voltroute's independent checker.

    python benchmarks/small_evrptw.py --time-limit 5 --jobs 2
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "evrptw" / "schneider" / "small"


def _one(path: Path, time_limit: float, seed: int) -> tuple[bool, int, int, float, float]:
    from voltroute.evaluate import check
    from voltroute.io.evrptw import read_evrptw
    from voltroute.solve import SolveParams, solve

    p = read_evrptw(path)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(p, SolveParams(time_limit_s=time_limit, seed=seed, objective="vehicles"))
    rt = time.perf_counter() - t0
    rep = check(p, sol)
    k = rep.kpis
    return rep.feasible, k["unassigned"], k["vehicles_used"], k["distance_m"], rt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA), help="folder of the small instances")
    ap.add_argument("--time-limit", type=float, default=5.0, help="per instance, s")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="instances solved at once")
    args = ap.parse_args(argv)
    ref = {}
    with open(HERE / "results" / "exact_evrptw_small.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ref[row["instance"]] = (int(row["vehicles"]), float(row["distance"]), row["status"])
    files = sorted(Path(args.data).glob("*.txt"))
    if not files:
        print(f"no instances in {args.data}", file=sys.stderr)
        return 2
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    print(
        f"{'instance':9} {'feas':>4} {'unas':>4} {'veh':>4} {'dist':>8} {'milp_veh':>8} "
        f"{'milp_dist':>9} {'gap%':>6} {'verdict':>8} {'time_s':>6}  milp status"
    )
    counts: dict[str, int] = {}
    gaps = []
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=ctx) as pool:
        futures = [pool.submit(_one, f, args.time_limit, args.seed) for f in files]
        for path, fut in zip(files, futures, strict=True):
            feas, unas, veh, dist, rt = fut.result()
            name = path.stem
            mv, md, status = ref[name]
            gap = 100 * (dist / md - 1)
            if not feas or unas:
                verdict = "FAIL"
            elif (veh, round(dist, 2)) == (mv, round(md, 2)):
                verdict = "equal"
            elif veh < mv or (veh == mv and dist < md - 5e-3):
                verdict = "better"
            else:
                verdict = "worse"
            counts[verdict] = counts.get(verdict, 0) + 1
            if veh == mv:
                gaps.append(gap)
            print(
                f"{name:9} {'yes' if feas else 'NO':>4} {unas:>4} {veh:>4} {dist:>8.2f} {mv:>8} "
                f"{md:>9.2f} {gap:>6.2f} {verdict:>8} {rt:>6.1f}  {status}",
                flush=True,
            )
    print(
        f"{len(files)} instances: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        + (f"; mean distance gap at equal vehicles {statistics.mean(gaps):.2f} %" if gaps else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
