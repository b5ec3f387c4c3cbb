"""voltroute's plan against the sequence the Amazon driver actually drove (LMRRC 2021 routes).

Both are replayed by the independent checker on the same problem (haversine distance times the
problem's circuity, at its speed: the data has no travel-time matrix), so the comparison is of
sequences, not of absolute kilometres.

    python benchmarks/run_lmrrc.py ../shared/data/amazon-lmrrc --time-limit 20
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from voltroute.evaluate import check
    from voltroute.io.lmrrc import import_route, list_routes
    from voltroute.solve import SolveParams, solve

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dir", type=Path)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", type=Path, help="append the table as Markdown here")
    args = ap.parse_args(argv)
    if not (args.dir / "route_data.json").exists():
        print(
            f"run_lmrrc: {args.dir}: no route_data.json (is ../shared/data there?)", file=sys.stderr
        )
        return 2

    rows = []
    head = (
        f"{'route':<48} {'stops':>5} {'driver km':>9} {'plan km':>8} {'diff %':>7} "
        f"{'driver h':>8} {'plan h':>7} {'TW late drv':>11} {'plan ok':>7}"
    )
    print(f"time limit {args.time_limit:g} s, seed {args.seed}")
    print(head)
    print("-" * len(head))
    for rid in list_routes(args.dir):
        problem, actual = import_route(args.dir, rid)
        drv = check(problem, actual)
        sol = solve(problem, SolveParams(time_limit_s=args.time_limit, seed=args.seed))
        ours = check(problem, sol)
        d_km = drv.kpis["distance_m"] / 1000
        p_km = ours.kpis["distance_m"] / 1000
        late = sum(1 for v in drv.violations if v.kind == "time_window")
        ok = ours.feasible and not sol.unassigned
        row = {
            "route": rid,
            "stops": len(problem.stops),
            "driver_km": d_km,
            "plan_km": p_km,
            "diff": 100 * (p_km - d_km) / d_km,
            "driver_h": drv.kpis["duration_s"] / 3600,
            "plan_h": ours.kpis["duration_s"] / 3600,
            "late": late,
            "ok": ok,
        }
        rows.append(row)
        print(
            f"{rid:<48} {row['stops']:>5} {d_km:>9.1f} {p_km:>8.1f} {row['diff']:>7.1f} "
            f"{row['driver_h']:>8.2f} {row['plan_h']:>7.2f} {late:>11} {'yes' if ok else 'NO':>7}",
            flush=True,
        )
    mean = sum(r["diff"] for r in rows) / len(rows)
    print("-" * len(head))
    print(f"mean plan length vs driver: {mean:+.1f} %")
    if args.markdown:
        cmd = "python benchmarks/run_lmrrc.py " + " ".join(sys.argv[1:])
        lines = [
            f"Command: `{cmd}`",
            "",
            "| route | stops | driver km | plan km | diff % | driver h | plan h | driver late stops | plan feasible |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {r['route']} | {r['stops']} | {r['driver_km']:.1f} | {r['plan_km']:.1f} | "
            f"{r['diff']:+.1f} | {r['driver_h']:.2f} | {r['plan_h']:.2f} | {r['late']} | "
            f"{'yes' if r['ok'] else 'no'} |"
            for r in rows
        ]
        lines += ["", f"Mean plan length vs driver: {mean:+.1f} %.", ""]
        with args.markdown.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
