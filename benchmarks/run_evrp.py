"""The charging engine on E-VRPTW (Schneider et al., large) and EVRP (CEC-2020) instances.

Every solution is checked by voltroute's independent checker; vehicles and distance are the
checker's. Schneider: against the best-known solutions (``bks/bks-evrptwpr.csv``, partial
recharging) and the RoutingBlocks peer (``bks/routing-blocks.csv``); both minimise vehicles
first, then distance, while we minimise distance (plus ``--vehicle-cost`` per vehicle). CEC-2020:
mean and best distance over seeds against the mean and best of the winner's 20 runs.

    python benchmarks/run_evrp.py schneider --time-limit 60 --jobs 2
    python benchmarks/run_evrp.py cec --time-limit 60 --seeds 10 --jobs 2
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import time
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _solve(problem, time_limit: float, seed: int, engine: str, objective: str):  # type: ignore[no-untyped-def]
    from voltroute.evaluate import check
    from voltroute.solve import SolveParams, solve

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = SolveParams(time_limit_s=time_limit, seed=seed, engine=engine, objective=objective)
        sol = solve(problem, params)
    runtime = time.perf_counter() - t0
    rep = check(problem, sol)
    return sol, rep, runtime


def _schneider_one(path: Path, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from voltroute.io.evrptw import read_evrptw

    p = read_evrptw(path)
    if args.vehicle_cost:
        p = p.replace(
            vehicle_types=[p.vehicle_types[0].replace(fixed_cost_per_day=args.vehicle_cost)]
        )
    sol, rep, rt = _solve(p, args.time_limit, args.seed, args.engine, args.objective)
    k = rep.kpis
    return (rep.feasible, k["unassigned"], k["vehicles_used"], k["distance_m"],
            k["station_visits"], sol.solver.get("splits", 0), rt)  # fmt: skip


def _cec_one(path: Path, seed: int, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from voltroute.io.evrp import read_evrp

    p = read_evrp(path)
    _, rep, rt = _solve(p, args.time_limit, seed, args.engine, args.objective)
    k = rep.kpis
    return rep.feasible, k["unassigned"], k["station_visits"], k["distance_m"], rt


def _pool(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=args.jobs, mp_context=mp.get_context("spawn"))


def schneider(args: argparse.Namespace) -> None:

    root = Path(args.data) if args.data else DATA / "evrptw" / "schneider"
    bks: dict[str, tuple[int, float]] = {}
    with open(root / "bks" / "bks-evrptwpr.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            bks[row["INSTANCE"].lower()] = (int(row["NUM_VEHICLES"]), float(row["TOTAL_DISTANCE"]))
    peer: dict[str, tuple[int, float]] = {}
    with open(root / "bks" / "routing-blocks.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            peer[row["instance"].lower()] = (int(row["k"]), float(row["cost"]))
    files = sorted((root / "large").glob("*.txt"))[:: args.every]
    print(
        f"{'instance':10} {'feas':>4} {'unas':>4} {'veh':>4} {'dist':>9} {'stn':>4} {'split':>5} "
        f"{'bks_veh':>7} {'bks_dist':>9} {'gap%':>6} {'rb_veh':>6} {'rb_dist':>9} {'time_s':>6}"
    )
    gaps, dveh = [], []
    with _pool(args) as pool:
        futures = [pool.submit(_schneider_one, path, args) for path in files]
        for path, fut in zip(files, futures, strict=True):
            name = path.stem.split("_")[0]
            feasible, unas, veh, dist, stn, splits, rt = fut.result()
            bv, bd = bks.get(name, (0, float("nan")))
            pv, pd = peer.get(name, (0, float("nan")))
            gap = 100 * (dist / bd - 1)
            gaps.append(gap)
            dveh.append(veh - bv)
            print(
                f"{name:10} {'yes' if feasible else 'NO':>4} {unas:>4} {veh:>4} "
                f"{dist:>9.2f} {stn:>4} {splits:>5} {bv:>7} "
                f"{bd:>9.2f} {gap:>6.2f} {pv:>6} {pd:>9.2f} {rt:>6.1f}",
                flush=True,
            )
    if gaps:
        print(
            f"mean distance gap to BKS {statistics.mean(gaps):.1f} %, "
            f"mean extra vehicles {statistics.mean(dveh):.2f} over {len(gaps)} instances"
        )


def _winner(path: Path) -> tuple[float, float]:
    values = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if re.fullmatch(r"\s*[0-9.]+\s*", line):
            values.append(float(line))
    return statistics.mean(values), min(values)


def cec(args: argparse.Namespace) -> None:
    from voltroute.io.evrp import read_evrp

    root = Path(args.data) if args.data else DATA / "evrp-cec2020"
    files = sorted(root.glob("*.evrp"), key=lambda q: int(q.stem.split("-")[1][1:]))
    print(
        f"{'instance':12} {'feas':>5} {'unas':>4} {'mean':>10} {'best':>10} {'w_mean':>10} "
        f"{'w_best':>10} {'gap_mean%':>9} {'gap_best%':>9} {'stn':>4} {'time_s':>6}"
    )
    sizes = {path: len(read_evrp(path).stops) for path in files}
    files = [f for f in files if sizes[f] <= args.max_customers]
    with _pool(args) as pool:
        futures = {
            path: [pool.submit(_cec_one, path, seed, args) for seed in range(args.seeds)]
            for path in files
        }
        for path in files:
            runs = [f.result() for f in futures[path]]
            feas = sum(r[0] for r in runs)
            unas = max(r[1] for r in runs)
            stn = runs[0][2]
            dists = [r[3] for r in runs]
            rts = [r[4] for r in runs]
            wm, wb = _winner(root / "winner-runs" / f"{path.stem}.txt")
            mean, best = statistics.mean(dists), min(dists)
            print(
                f"{path.stem:12} {feas:>2}/{args.seeds:<2} {unas:>4} {mean:>10.2f} {best:>10.2f} "
                f"{wm:>10.2f} {wb:>10.2f} {100 * (mean / wm - 1):>9.2f} "
                f"{100 * (best / wb - 1):>9.2f} {stn:>4} {statistics.mean(rts):>6.1f}",
                flush=True,
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", choices=["schneider", "cec"])
    ap.add_argument("--data", help="suite directory (default ../shared/data/...)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="per run, s")
    ap.add_argument("--seed", type=int, default=0, help="seed (schneider)")
    ap.add_argument("--every", type=int, default=1, help="schneider: every k-th instance")
    ap.add_argument("--vehicle-cost", type=float, default=0.0, help="schneider: cost per vehicle")
    ap.add_argument("--seeds", type=int, default=10, help="cec: seeds 0..N-1")
    ap.add_argument("--max-customers", type=int, default=10**6, help="cec: skip larger")
    ap.add_argument("--engine", default="charging", help="charging (default) or charging-repair")
    ap.add_argument(
        "--objective",
        choices=["cost", "vehicles"],
        help="default: vehicles for schneider (the literature's), cost (distance) for cec",
    )
    ap.add_argument("--jobs", type=int, default=1, help="instances solved at once (one core each)")
    args = ap.parse_args(argv)
    if args.objective is None:
        args.objective = "vehicles" if args.suite == "schneider" else "cost"
    (schneider if args.suite == "schneider" else cec)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
