"""Wall time of a strategy study with 1 and 2 Dask workers (local cluster, processes).

Each run starts from an empty cache, so every planner run is computed; a last run repeats the
2-worker study on its own cache to show what a re-run costs. Prints a Markdown table.

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

from voltroute.study import load_study, run_study

EXAMPLE = Path(__file__).resolve().parents[1] / "src/voltroute/study/examples/study-small.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("study", nargs="?", default=str(EXAMPLE))
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    spec = load_study(args.study)
    print(f"study {spec.name}: {args.study}; {os.cpu_count()} CPUs")
    print()
    print(
        "| workers | cache | scenarios | failed | planner runs | computed | sum of run times (s) "
        "| wall (s) | speed-up |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    base_wall = None
    last_cache = None
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


if __name__ == "__main__":
    main()
