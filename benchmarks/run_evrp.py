"""The charging engine on E-VRPTW (Schneider et al., large) and EVRP (CEC-2020) instances.

Every solution is checked by voltroute's independent checker; vehicles and distance are the
checker's. Schneider: against the best-known solutions (``bks/bks-evrptwpr.csv``, partial
recharging) and the RoutingBlocks peer (``bks/routing-blocks.csv``); both minimise vehicles
first, then distance, while we minimise distance (plus ``--vehicle-cost`` per vehicle). CEC-2020:
mean and best distance over seeds against the mean and best of the winner's 20 runs.

    python benchmarks/run_evrp.py schneider --time-limit 10 --every 2
    python benchmarks/run_evrp.py cec --time-limit 10 --seeds 3 --max-customers 150
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


def _solve(problem, time_limit: float, seed: int):  # type: ignore[no-untyped-def]
    from voltroute.evaluate import check
    from voltroute.solve import SolveParams, solve

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sol = solve(problem, SolveParams(time_limit_s=time_limit, seed=seed))
    runtime = time.perf_counter() - t0
    rep = check(problem, sol)
    return sol, rep, runtime


def schneider(args: argparse.Namespace) -> None:
    from voltroute.io.evrptw import read_evrptw

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
    for path in files:
        name = path.stem.split("_")[0]
        p = read_evrptw(path)
        if args.vehicle_cost:
            p = p.replace(
                vehicle_types=[p.vehicle_types[0].replace(fixed_cost_per_day=args.vehicle_cost)]
            )
        sol, rep, rt = _solve(p, args.time_limit, args.seed)
        k = rep.kpis
        veh, dist = k["vehicles_used"], k["distance_m"]
        bv, bd = bks.get(name, (0, float("nan")))
        pv, pd = peer.get(name, (0, float("nan")))
        gap = 100 * (dist / bd - 1)
        gaps.append(gap)
        dveh.append(veh - bv)
        print(
            f"{name:10} {'yes' if rep.feasible else 'NO':>4} {k['unassigned']:>4} {veh:>4} "
            f"{dist:>9.2f} {k['station_visits']:>4} {sol.solver.get('splits', 0):>5} {bv:>7} "
            f"{bd:>9.2f} {gap:>6.1f} {pv:>6} {pd:>9.2f} {rt:>6.1f}",
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
    for path in files:
        p = read_evrp(path)
        if len(p.stops) > args.max_customers:
            continue
        dists, feas, unas, stn, rts = [], 0, 0, 0, []
        for seed in range(args.seeds):
            _, rep, rt = _solve(p, args.time_limit, seed)
            feas += rep.feasible
            unas = max(unas, rep.kpis["unassigned"])
            stn = rep.kpis["station_visits"]
            dists.append(rep.kpis["distance_m"])
            rts.append(rt)
        wm, wb = _winner(root / "winner-runs" / f"{path.stem}.txt")
        mean, best = statistics.mean(dists), min(dists)
        print(
            f"{path.stem:12} {feas:>2}/{args.seeds:<2} {unas:>4} {mean:>10.2f} {best:>10.2f} "
            f"{wm:>10.2f} {wb:>10.2f} {100 * (mean / wm - 1):>9.1f} {100 * (best / wb - 1):>9.1f} "
            f"{stn:>4} {statistics.mean(rts):>6.1f}",
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
    args = ap.parse_args(argv)
    (schneider if args.suite == "schneider" else cec)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
