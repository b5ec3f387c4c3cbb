"""Wall time of a strategy study with 1 and 2 Dask workers (local cluster, processes).

Each run starts from an empty cache, so every planner run is computed; a last run repeats the
study with the last worker count on its own cache to show what a re-run costs. Prints Markdown
tables: the timings, then the headline of the last cold run (base case of every whole-chain
strategy, the cheapest and the lowest-CO2 one, and how the tornado sensitivities rank).

    .venv/bin/python benchmarks/bench_study.py                       # the bundled example study
    .venv/bin/python benchmarks/bench_study.py STUDY.toml --workers 1 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from voltroute.study import load_study, run_study
from voltroute.study.report import tornado_data

EXAMPLE = Path(__file__).resolve().parents[1] / "src/voltroute/study/examples/study-small.toml"


def _f(v: Any, nd: int = 3) -> str:
    return "-" if v is None else f"{v:.{nd}f}"


def headline(rows: list[dict[str, Any]]) -> None:
    """Base case per strategy, the best ones, and the tornado ranking (whole-chain cost)."""
    base = [r for r in rows if r["varied"] == "base"]
    ok = [r for r in base if r["chain_cost_per_parcel"] is not None]
    print()
    print(
        "| strategy (base case) | status | chain USD/parcel | middle mile | last mile "
        "| chain kg CO2/parcel | middle mile | last mile | drone flights | robot trips |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in sorted(base, key=lambda r: r["chain_cost_per_parcel"] or float("inf")):
        print(
            f"| {r['strategy']} | {r['status']} | {_f(r['chain_cost_per_parcel'])} "
            f"| {_f(r.get('lh_cost_per_parcel'))} | {_f(r.get('lm_cost_per_parcel'))} "
            f"| {_f(r['chain_co2_per_parcel_kg'])} | {_f(r.get('lh_co2_per_parcel_kg'))} "
            f"| {_f(r.get('lm_co2_per_parcel_kg'))} | {r.get('lm_drone_flights', '-')} "
            f"| {r.get('lm_robot_trips', '-')} |"
        )
    if ok:
        cheap = min(ok, key=lambda r: r["chain_cost_per_parcel"])
        green = min(ok, key=lambda r: r["chain_co2_per_parcel_kg"])
        print()
        print(f"cheapest per parcel: {cheap['strategy']} ({cheap['chain_cost_per_parcel']:.3f})")
        print(
            f"lowest CO2 per parcel: {green['strategy']} "
            f"({green['chain_co2_per_parcel_kg']:.3f} kg)"
        )
    # tornado: the spread (high - low whole-chain cost per parcel) of each sensitivity, by
    # strategy, widest first; then the mean spread over the strategies
    spreads: dict[str, list[float]] = {}
    ranks: dict[str, list[int]] = {}
    lines = []
    for r in ok:
        _, bars = tornado_data(rows, r["strategy"])
        for i, b in enumerate(bars):
            spreads.setdefault(b["name"], []).append(b["high"] - b["low"])
            ranks.setdefault(b["name"], []).append(i + 1)
        order = ", ".join(f"{b['name']} {b['high'] - b['low']:.3f}" for b in bars)
        lines.append(f"| {r['strategy']} | {order} |")
    if spreads:
        print()
        print("| strategy | tornado, widest first (spread of chain USD/parcel) |")
        print("|---|---|")
        print("\n".join(lines))
        print()
        print("| sensitivity | mean spread USD/parcel | min | max | ranks over the strategies |")
        print("|---|---:|---:|---:|---|")
        for name in sorted(spreads, key=lambda k: -sum(spreads[k]) / len(spreads[k])):
            sp, rk = spreads[name], ranks[name]
            print(
                f"| {name} | {sum(sp) / len(sp):.4f} | {min(sp):.4f} | {max(sp):.4f} "
                f"| {min(rk)}-{max(rk)} |"
            )
    failed = [r for r in rows if r["status"] != "ok"]
    for r in failed:
        print(f"{r['status']}: {r['strategy']} | {r['varied']}: {r['error'] or r['notes']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("study", nargs="?", default=str(EXAMPLE))
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    spec = load_study(args.study)
    print(f"study {spec.name}: {args.study}; {os.cpu_count()} CPUs; load {os.getloadavg()}")
    print()
    print(
        "| workers | cache | scenarios | failed | planner runs | computed | sum of run times (s) "
        "| wall (s) | speed-up |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    base_wall = None
    last_cache = None
    rows: list[dict[str, Any]] = []
    lh_runs: list[dict[str, tuple]] = []  # per cold run: middle-mile task -> its figures
    for n in args.workers:
        cache = Path(tempfile.mkdtemp(prefix="bench-study-"))
        t = time.perf_counter()
        run = run_study(spec, n_workers=n, cache_dir=cache)
        wall = time.perf_counter() - t
        base_wall = base_wall or wall
        busy = sum(float(r.get("seconds") or 0) for r in run.link_results.values())
        print(
            f"| {n} | empty | {len(run.rows)} | {len(run.failed)} | {run.tasks} | {run.computed} "
            f"| {busy:.1f} | {wall:.1f} | {base_wall / wall:.2f} |",
            flush=True,
        )
        rows = run.rows
        lh_runs.append(
            {
                k: (o["cost_per_parcel"], o["co2_per_parcel_kg"], o["trucks"], o["search_complete"])
                for k, res in run.link_results.items()
                if res.get("ok") and "search_complete" in (o := res["outcome"])
            }
        )
        if last_cache is not None:
            shutil.rmtree(last_cache, ignore_errors=True)
        last_cache = cache
    if last_cache is not None:
        n = args.workers[-1]
        t = time.perf_counter()
        run = run_study(spec, n_workers=n, cache_dir=last_cache)
        wall = time.perf_counter() - t
        print(
            f"| {n} | warm | {len(run.rows)} | {len(run.failed)} | {run.tasks} | {run.computed} "
            f"| - | {wall:.1f} | - |"
        )
        shutil.rmtree(last_cache, ignore_errors=True)
    print(f"load after: {os.getloadavg()}")
    if lh_runs and lh_runs[-1]:
        last = lh_runs[-1]
        complete = sum(v[3] for v in last.values())
        print(f"middle-mile plans whose search completed (reproducible): {complete}/{len(last)}")
        for i, other in enumerate(lh_runs[:-1]):
            same = sum(other.get(k, (None,))[:3] == v[:3] for k, v in last.items())
            print(
                f"middle-mile plans identical (cost, CO2, trucks) in the {args.workers[i]}- and "
                f"{args.workers[-1]}-worker runs: {same}/{len(last)}"
            )
    flights = sum(int(r.get("lm_drone_flights") or 0) for r in rows)
    trips = sum(int(r.get("lm_robot_trips") or 0) for r in rows)
    units = sum(1 for r in rows if "lm_drone_flights" in r)
    print(
        f"drone flights / robot trips over the {units} drone and robot scenarios: {flights} / {trips}"
    )
    headline(rows)


if __name__ == "__main__":
    main()
