"""mFSTSP benchmark (Murray & Raj 2020): makespan against the authors' archived results.

For each (problem, drone file, number of drones) in ``performance_summary_archive.csv`` whose
problem directory is in ``../shared/data/mfstsp/problems``: the reference is the MILP optimum when
``isOptimal`` is true, otherwise their heuristic; both are shown. Our plan is checked by
:func:`voltroute.evaluate.sync.check_sync` (synchronisation, endurance and energy recomputed), and
the table uses the checker's makespan.

    .venv/bin/python benchmarks/run_mfstsp.py --customers 8 --time-limit 3
    .venv/bin/python benchmarks/run_mfstsp.py --customers 25 --max-problems 3 --time-limit 10
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

from voltroute.evaluate.sync import check_sync
from voltroute.io.mfstsp import read_mfstsp
from voltroute.solve.sidekick import SidekickParams, solve_sidekick

ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mfstsp"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, nargs="*", default=[8])
    ap.add_argument("--vehicles", nargs="*", default=["101", "102", "103", "104"])
    ap.add_argument("--drones", type=int, nargs="*", default=[1, 2, 3, 4])
    ap.add_argument("--max-problems", type=int, default=1000)
    ap.add_argument("--time-limit", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not ROOT.is_dir():
        print(f"reference data not found at {ROOT}", file=sys.stderr)
        return 2
    present = {p.name for p in (ROOT / "problems").iterdir()}
    ref: dict[tuple[str, str, int], dict[str, float]] = {}
    ncust: dict[str, int] = {}
    with (ROOT / "performance_summary_archive.csv").open() as fh:
        for r in csv.DictReader(fh):
            name = r["problemName"].strip()
            if name not in present:
                continue
            key = (name, r["vehicleFileID"].strip(), int(r["numUAVs"]))
            ncust[name] = int(r["numCustomers"])
            slot = ref.setdefault(key, {})
            if r["problemType"].strip() == "1":
                slot["ip"] = float(r["ofv"])
                slot["opt"] = 1.0 if r["isOptimal"].strip() == "True" else 0.0
            else:
                slot["heur"] = float(r["ofv"])
    rows: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for c in a.customers:
        names = sorted(n for n in present if ncust.get(n) == c)[: a.max_problems]
        for name in names:
            for vf in a.vehicles:
                for k in a.drones:
                    r = ref.get((name, vf, k))
                    if not r or "heur" not in r:
                        continue
                    inst = read_mfstsp(
                        ROOT / "problems" / name, ROOT / f"tbl_vehicles_{vf}.csv", num_drones=k
                    )
                    t0 = time.perf_counter()
                    sol = solve_sidekick(
                        inst, SidekickParams(time_limit_s=a.time_limit, seed=a.seed)
                    )
                    el = time.perf_counter() - t0
                    rep = check_sync(inst, sol)
                    if not rep.feasible:
                        print(f"{name} {vf} {k}: REJECTED {rep.violations[:2]}", file=sys.stderr)
                        return 1
                    refv = r["ip"] if r.get("opt") else r["heur"]
                    rows.setdefault((c, k), []).append((rep.makespan_s, r["heur"], refv))
                    print(
                        f"{name} {vf} {k}: ours {rep.makespan_s:9.1f} heur {r['heur']:9.1f}"
                        f" ref {refv:9.1f} {el:5.1f} s",
                        file=sys.stderr,
                    )
    print(f"\nmFSTSP: makespan vs Murray & Raj, {a.time_limit} s per run, seed {a.seed}\n")
    print(
        "| customers | drones | runs | ours <= their heuristic | mean % vs heuristic |"
        " mean % vs reference (MILP opt. if proven) |"
    )
    print("|---|---|---|---|---|---|")
    for (c, k), rr in sorted(rows.items()):
        wins = sum(1 for o, h, _ in rr if o <= h + 1e-6)
        dh = statistics.mean(100 * (o / h - 1) for o, h, _ in rr)
        dr = statistics.mean(100 * (o / f - 1) for o, _, f in rr)
        print(f"| {c} | {k} | {len(rr)} | {wins} | {dh:+.2f} | {dr:+.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
