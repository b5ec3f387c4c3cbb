"""mFSTSP benchmark (Murray & Raj 2020): makespan against the authors' archived results.

For each (problem, drone file, number of drones) in ``performance_summary_archive.csv`` whose
problem directory is in ``../shared/data/mfstsp/problems``: the reference is the MILP optimum when
``isOptimal`` is true, otherwise their heuristic; both are shown. Our plan is checked by
:func:`voltroute.evaluate.sync.check_sync` (synchronisation, endurance and energy recomputed), and
the table uses the checker's makespan.

``--limits`` gives a time limit per problem size (``size:seconds,...``; others use
``--time-limit``), ``--subset`` caps the number of problems per size (``size:count,...``; the first
problems by name, others all), ``--problems`` keeps only the named problems.
``--match-their-time`` caps each run's limit at their heuristic's recorded run time for the same
problem, drone file and drone count (the archive's run time is used only as a time budget; the
solver never sees the archive); ``--min-time`` then raises the shortest of these limits.
``--log FILE`` writes one CSV line per run. A run counts as "at least as good" when our makespan
is at most theirs + 1e-5 s (the archive prints about ten significant digits). The archive's
heuristic ran with a 5 s cut-off for its third phase only; its total run times are shown in the
table (mean s).

    .venv/bin/python benchmarks/run_mfstsp.py --customers 8 10 25 50 100 \
        --limits 8:0.5,10:0.5,25:2,50:4,100:7 --log /tmp/mfstsp.csv
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
from voltroute.solve.sidekick import SidekickParams, solve_sidekick, warm_up

TIE_S = 1e-5  # the archive prints about ten significant digits: closer than this is a tie
ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mfstsp"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, nargs="*", default=[8])
    ap.add_argument("--vehicles", nargs="*", default=["101", "102", "103", "104"])
    ap.add_argument("--drones", type=int, nargs="*", default=[1, 2, 3, 4])
    ap.add_argument("--max-problems", type=int, default=1000)
    ap.add_argument("--limits", default="", help="per size time limits, e.g. 8:0.5,100:8")
    ap.add_argument("--subset", default="", help="problems per size, e.g. 50:4,100:2")
    ap.add_argument("--time-limit", type=float, default=3.0)
    ap.add_argument("--problems", nargs="*", default=None, help="only these problem names")
    ap.add_argument(
        "--match-their-time",
        action="store_true",
        help="time limit per run = min(their heuristic's run time for the same problem, vehicle"
        " file and drone count, the size's limit); the archive's run time is only a budget",
    )
    ap.add_argument(
        "--min-time",
        type=float,
        default=0.0,
        help="with --match-their-time, no run's limit below this (s): their heuristic's"
        " shortest recorded runs are a fraction of a second",
    )
    ap.add_argument("--log", default=None, help="write one CSV line per run to this file")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not ROOT.is_dir():
        print(f"reference data not found at {ROOT}", file=sys.stderr)
        return 2
    warm_up()  # numba kernels compiled/loaded before any run is timed
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
                slot["heur_s"] = float(r["totalTime"])
    limits = {int(k): float(v) for k, v in (x.split(":") for x in a.limits.split(",") if x)}
    subset = {int(k): int(v) for k, v in (x.split(":") for x in a.subset.split(",") if x)}
    rows: dict[tuple[int, int], list[tuple[float, float, float, float, float]]] = {}
    worst: list[tuple[float, str]] = []
    proven: list[tuple[float, float]] = []  # (ours, proven MILP optimum)
    t_all = time.perf_counter()
    log = open(a.log, "w") if a.log else None  # noqa: SIM115 - closed at the end
    if log is not None:
        log.write("problem,customers,vehicles,drones,ours,heur,ref,opt,limit_s,run_s,heur_s\n")
    for c in a.customers:
        limit = limits.get(c, a.time_limit)
        names = sorted(n for n in present if ncust.get(n) == c)
        names = names[: min(a.max_problems, subset.get(c, len(names)))]
        if a.problems is not None:
            names = [n for n in names if n in set(a.problems)]
        for name in names:
            for vf in a.vehicles:
                for k in a.drones:
                    r = ref.get((name, vf, k))
                    if not r or "heur" not in r:
                        continue
                    inst = read_mfstsp(
                        ROOT / "problems" / name, ROOT / f"tbl_vehicles_{vf}.csv", num_drones=k
                    )
                    lim = limit
                    if a.match_their_time:
                        lim = min(max(r.get("heur_s", limit), a.min_time), limit)
                    t0 = time.perf_counter()
                    sol = solve_sidekick(inst, SidekickParams(time_limit_s=lim, seed=a.seed))
                    el = time.perf_counter() - t0
                    rep = check_sync(inst, sol)
                    if not rep.feasible:
                        print(f"{name} {vf} {k}: REJECTED {rep.violations[:2]}", file=sys.stderr)
                        return 1
                    refv = r["ip"] if r.get("opt") else r["heur"]
                    rows.setdefault((c, k), []).append(
                        (rep.makespan_s, r["heur"], refv, el, r.get("heur_s", 0.0), lim)
                    )
                    if r.get("opt"):
                        proven.append((rep.makespan_s, r["ip"]))
                    worst.append((rep.makespan_s / r["heur"] - 1, f"{name} {vf} {k}"))
                    if log is not None:
                        log.write(
                            f"{name},{c},{vf},{k},{rep.makespan_s:.6f},{r['heur']:.6f},"
                            f"{refv:.6f},{int(r.get('opt', 0))},{lim:.3f},{el:.3f},"
                            f"{r.get('heur_s', 0.0):.3f}\n"
                        )
                        log.flush()
                    print(
                        f"{name} {vf} {k}: ours {rep.makespan_s:9.1f} heur {r['heur']:9.1f}"
                        f" ref {refv:9.1f} {el:5.1f} s",
                        file=sys.stderr,
                    )
    print(
        f"\nmFSTSP: makespan vs Murray & Raj, limits {limits or a.time_limit} s, seed {a.seed},"
        f" wall {time.perf_counter() - t_all:.0f} s\n"
    )
    print(
        "| customers | drones | runs | s per run | ours <= their heuristic | mean % vs heuristic |"
        " worst % | mean % vs reference (MILP opt. if proven) | their heuristic mean s |"
        " runs with our limit <= their time |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (c, k), rr in sorted(rows.items()):
        wins = sum(1 for o, h, *_ in rr if o <= h + TIE_S)
        dh = statistics.mean(100 * (o / h - 1) for o, h, *_ in rr)
        wh = max(100 * (o / h - 1) for o, h, *_ in rr)
        dr = statistics.mean(100 * (o / f - 1) for o, _, f, *_ in rr)
        el = statistics.mean(x[3] for x in rr)
        hs = statistics.mean(x[4] for x in rr)
        fair = sum(1 for x in rr if x[5] <= x[4])
        print(
            f"| {c} | {k} | {len(rr)} | {el:.1f} | {wins} | {dh:+.2f} | {wh:+.2f} | {dr:+.2f} |"
            f" {hs:.1f} | {fair} |"
        )
    total = sum(len(r) for r in rows.values())
    wins = sum(1 for rr in rows.values() for o, h, *_ in rr if o <= h + TIE_S)
    print(f"\nall: {wins}/{total} runs at least as good as their heuristic")
    if proven:
        same = sum(1 for o, f in proven if abs(o - f) <= 1e-3)
        below = sum(1 for o, f in proven if o < f - 1e-3)
        print(
            f"proven MILP optima: {len(proven)}, reached {same}, above {len(proven) - same - below},"
            f" below {below} (below would mean the models differ)"
        )
    if log is not None:
        log.close()
    for gap, key in sorted(worst, reverse=True)[:40]:
        if gap > 1e-9:
            print(f"worse: {key} {100 * gap:+.2f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
