"""``voltroute study STUDY.toml``: run a strategy study and write its table and report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from voltroute.model import ProblemError


def cmd_study(args: argparse.Namespace) -> int:
    from voltroute.study import load_study, progress_bar, run_study
    from voltroute.study.report import write_report
    from voltroute.study.results import write_csv, write_parquet

    spec = load_study(args.study)
    if args.workers < 1:
        raise ProblemError("--workers", f"must be >= 1, got {args.workers}")
    out = Path(args.out) if args.out else Path("study-output") / spec.name
    out.mkdir(parents=True, exist_ok=True)
    cache_dir = None if args.no_cache else Path(args.cache) if args.cache else out / "cache"
    run = run_study(
        spec,
        n_workers=args.workers,
        scheduler=args.scheduler,
        cache_dir=cache_dir,
        progress=None if args.quiet else progress_bar(sys.stderr),
    )
    write_csv(run.rows, out / "results.csv")
    write_parquet(run.rows, out / "results.parquet")
    write_report(run, out / "report.html")
    _print_table(run.rows)
    n_failed = len(run.failed)
    print(
        f"{len(run.rows)} scenarios ({n_failed} failed); {run.tasks} planner runs: "
        f"{run.computed} computed, {run.cached} cached; {run.wall_s:.1f} s. "
        f"Wrote {out / 'results.csv'}, {out / 'results.parquet'}, {out / 'report.html'}"
    )
    by_error: dict[str, list[dict[str, Any]]] = {}
    for r in run.failed:
        by_error.setdefault(r["error"], []).append(r)
    for error, rows in by_error.items():
        first = rows[0]
        varied = first["varied"] if first["varied"] == "base" else _varied_text(first)
        more = f" and {len(rows) - 1} more scenarios" if len(rows) > 1 else ""
        print(
            f"failed: {first['strategy']} | {varied}{more}: {error}",
            file=sys.stderr,
        )
    return 0


def _print_table(rows: list[dict[str, Any]]) -> None:
    def f(v: Any) -> str:
        return "-" if v is None else f"{v:.3f}"

    head = f"{'strategy':<48} {'varied':<32} {'status':<10} {'USD/parcel':>10} {'kgCO2/parcel':>12}"
    print(head)
    print("-" * len(head))
    for r in rows:
        varied = r["varied"] if r["varied"] == "base" else _varied_text(r)
        print(
            f"{r['strategy']:<48} {varied:<32} {r['status']:<10} "
            f"{f(r['chain_cost_per_parcel']):>10} {f(r['chain_co2_per_parcel_kg']):>12}"
        )


def _varied_text(r: dict[str, Any]) -> str:
    return ", ".join(f"{k}={r.get(k)}" for k in str(r["varied"]).split(","))


def register(sub: Any) -> None:
    """Add the ``study`` command to the CLI's subparsers."""
    st = sub.add_parser(
        "study",
        help="run a strategy study: middle-mile trucks x last-mile fleets x sensitivities",
        description="Plan every scenario of STUDY.toml (see docs/study.md) on Dask and write "
        "results.csv, results.parquet and report.html.",
    )
    st.add_argument("study", help="study file (TOML)")
    st.add_argument("--out", metavar="DIR", help="output folder (default study-output/<name>)")
    st.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="local Dask worker processes (default 2)",
    )
    st.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="use an existing Dask scheduler (tcp://host:8786) instead of a local cluster",
    )
    st.add_argument("--cache", metavar="DIR", help="result cache folder (default OUT/cache)")
    st.add_argument("--no-cache", action="store_true", help="recompute everything, store nothing")
    st.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    st.set_defaults(func=cmd_study)
