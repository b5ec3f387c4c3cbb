"""The ``voltroute`` command.

Every command exits 0 on success; bad input prints one line ``voltroute: error: FIELD: RULE`` on
stderr and exits 2. Unexpected failures print one line and exit 1 (``--debug`` shows the trace).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from voltroute import __version__
from voltroute.cli import linehaul as _linehaul_cli
from voltroute.cli import study as _study_cli
from voltroute.model import VoltrouteError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every bad input
        self.exit(EXIT_BAD_INPUT, f"voltroute: error: {message}\n")


def _progress_printer(label: str, enabled: bool) -> Any:
    """A one-line progress display on stderr (only when stderr is a terminal or forced)."""
    if not enabled:
        return None

    def show(p: Any) -> None:
        frac = min(1.0, p.elapsed_s / p.time_limit_s) if p.time_limit_s else 1.0
        bar = "#" * int(frac * 24)
        cost = f" best {p.best_cost:,.0f}" if p.best_cost is not None else ""
        sys.stderr.write(
            f"\r{label} [{bar:<24}] {p.elapsed_s:5.1f}/{p.time_limit_s:.0f} s "
            f"{p.iterations:>7} it{cost}   "
        )
        sys.stderr.flush()

    return show


def _end_progress(enabled: bool) -> None:
    if enabled:
        sys.stderr.write("\n")


# ---------------------------------------------------------------- commands
def cmd_solve(args: argparse.Namespace) -> int:
    from voltroute.api import plan
    from voltroute.io import dump_solution, read_problem
    from voltroute.io.native import write_json
    from voltroute.solve import SolveParams

    if args.format == "tspd" or Path(args.problem).is_dir():  # van + drone (issue 5)
        from voltroute.solve.sidekick.cli import solve_sidekick_cli

        return solve_sidekick_cli(args)
    problem = read_problem(args.problem)
    show = sys.stderr.isatty() and not args.quiet
    params = SolveParams(
        time_limit_s=args.time_limit,
        seed=args.seed,
        max_iterations=args.max_iterations,
        engine=args.engine,
        objective=args.objective,
        progress=_progress_printer("solving", show),
    )
    solution = plan(problem, params=params)
    _end_progress(show)
    out = Path(args.output) if args.output else None
    fmt = args.format
    if fmt == "json":
        text = dump_solution(solution, out)
    elif fmt == "vrplib":
        import io as _io

        from voltroute.io.vrplib import write_vrplib_solution

        buf = _io.StringIO()
        write_vrplib_solution(solution, problem, solution.kpis["cost"]["total"], buf)
        text = buf.getvalue()
        if out:
            out.write_text(text, encoding="utf-8")
    elif fmt == "vroom":
        from voltroute.io.vroom import solution_to_vroom

        text = write_json(solution_to_vroom(solution, problem), out)
    elif fmt == "geojson":
        from voltroute.io.geojson import solution_to_geojson

        text = write_json(solution_to_geojson(solution, problem), out)
    elif fmt in ("evrptw", "evrp"):
        from voltroute.io.evrp import solution_to_evrp_line
        from voltroute.io.evrptw import solution_to_configuration

        writer = solution_to_configuration if fmt == "evrptw" else solution_to_evrp_line
        text = writer(solution, problem) + "\n"
        if out:
            out.write_text(text, encoding="utf-8")
    else:  # pragma: no cover - argparse restricts choices
        raise AssertionError(fmt)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        k = solution.kpis
        print(
            f"wrote {out}: {k['vehicles_used']} routes, {k['served']} stops served, "
            f"{k['unassigned']} unassigned, cost {k['cost']['total']:.2f} {k['currency']}"
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from voltroute.evaluate import check
    from voltroute.io import read_problem

    problem = read_problem(args.problem)
    solution = _read_solution(args.solution, problem)
    report = check(problem, solution)
    if args.json:
        k = report.kpis
        out = {
            "feasible": report.feasible,
            "distance_m": k["distance_m"],
            "duration_s": k["duration_s"],
            "energy_kwh": k["energy_kwh"],
            "grid_energy_kwh": k["grid_energy_kwh"],
            "fuel_l": k["fuel_l"],
            "cost": k["cost"]["total"],
            "cost_breakdown": k["cost"],
            "unserved_penalty": k["unserved_penalty"],
            "co2_kg": k["co2_kg"],
            "served": k["served"],
            "served_parcels": k["served_parcels"],
            "unassigned": k["unassigned"],
            "vehicles_used": k["vehicles_used"],
            "parcels_per_route": k["parcels_per_route"],
            "cost_per_parcel": k["cost_per_parcel"],
            "co2_kg_per_parcel": k["co2_kg_per_parcel"],
            "violations": [
                {"kind": v.kind, "message": v.message, "route": v.route, "stop": v.stop}
                for v in report.violations
            ],
            "routes": [
                r.kpis() | {"vehicle": r.vehicle, "vehicle_type": r.vehicle_type}
                for r in report.routes
            ],
        }
        print(json.dumps(out, indent=1))
    else:
        print(report.summary())
        for r in report.routes:
            soc = f", min SoC {r.min_soc_kwh:.1f} kWh" if r.min_soc_kwh is not None else ""
            print(
                f"  {r.vehicle:<16} {r.stops:>4} stops {r.distance_m / 1000:8.1f} km "
                f"{r.duration_s / 3600:6.2f} h {r.energy_kwh:7.1f} kWh {r.fuel_l:6.1f} L "
                f"cost {r.cost['total']:8.2f}{soc}{'' if r.feasible else '  INFEASIBLE'}"
            )
        for v in report.violations[:50]:
            print(f"  violation [{v.kind}] {v.message}")
        if len(report.violations) > 50:
            print(f"  ... and {len(report.violations) - 50} more violations")
    return 0 if report.feasible else 1


def _read_solution(path: str, problem: Any) -> Any:
    from voltroute.io import load_solution

    p = Path(path)
    head = p.read_bytes()[:200].decode("utf-8", "replace").lstrip() if p.exists() else ""
    if head.startswith("Route"):
        from voltroute.io.vrplib import read_vrplib_solution

        return read_vrplib_solution(p, problem)
    return load_solution(p)


def cmd_import_lmrrc(args: argparse.Namespace) -> int:
    from voltroute.io import dump_problem, dump_solution
    from voltroute.io.lmrrc import import_route

    problem, actual = import_route(Path(args.dir), args.route)
    dump_problem(problem, args.problem)
    dump_solution(actual, args.actual)
    print(
        f"wrote {args.problem} ({len(problem.stops)} stops, {problem.num_parcels} parcels) and "
        f"{args.actual} (the driver's sequence)"
    )
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from voltroute.compare import compare_fleets, format_table
    from voltroute.io import read_problem

    problem = read_problem(args.problem)
    if args.modes:  # van-only vs van+drones vs van+robots (voltroute.compare.compare_modes)
        from voltroute.compare import compare_modes, format_mode_table, mode_row

        found = compare_modes(
            problem, time_limit_s=args.time_limit, seed=args.seed,
            on_start=None if args.quiet else (lambda s: print(f"planning {s} ...", file=sys.stderr)),
        )  # fmt: skip
        print(format_mode_table(found, problem.economics.currency))
        if args.json:
            Path(args.json).write_text(json.dumps([mode_row(r) for r in found], indent=1) + "\n")
        return 0
    results = compare_fleets(
        problem,
        time_limit_s=args.time_limit,
        seed=args.seed,
        on_start=(lambda s: print(f"planning {s} fleet ...", file=sys.stderr))
        if not args.quiet
        else None,
    )
    print(format_table(results, problem.economics.currency))
    if args.json:
        Path(args.json).write_text(json.dumps([r.row() for r in results], indent=1) + "\n")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from voltroute.io import problem_schema, solution_schema

    schema = problem_schema() if args.what == "problem" else solution_schema()
    text = json.dumps(schema, indent=1)
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    from voltroute.energy.catalogue import preset_fields, preset_names

    for name in preset_names():
        f = preset_fields(name)
        pt = f.get("powertrain", {})
        extra = (
            f"{pt.get('battery_usable_kwh')} kWh usable"
            if pt.get("kind") == "electric"
            else "diesel"
        )
        print(
            f"{name:<22} {f.get('capacity_kg'):>6} kg {f.get('capacity_m3'):>5} m3  {extra:<18} "
            f"{f.get('name', '')}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from voltroute.demo import run_demo

    t0 = time.perf_counter()
    run_demo(
        out_dir=Path(args.out),
        n_stops=args.stops,
        time_limit_s=args.time_limit,
        compare_time_limit_s=args.compare_time_limit,
        seed=args.seed,
        verbose=not args.quiet,
    )
    if not args.quiet:
        print(
            f"demo finished in {time.perf_counter() - t0:.0f} s; open {Path(args.out) / 'report.html'}"
        )
    return 0


def cmd_charge_plan(args: argparse.Namespace) -> int:
    from voltroute.charging import (
        charging_problem_from_dict,
        check_charging_plan,
        from_solution,
        plan_depot_charging,
    )
    from voltroute.charging.report import format_plan, plan_html
    from voltroute.io import load_solution, read_problem
    from voltroute.io.native import read_json, write_json

    if args.plan and (args.problem or args.solution):
        raise VoltrouteError("charge-plan: give PLAN or --problem with --solution, not both")
    if args.plan:
        problem = charging_problem_from_dict(read_json(args.plan))
    elif args.problem and args.solution:
        problem = from_solution(read_problem(args.problem), load_solution(args.solution))
    else:
        raise VoltrouteError("charge-plan: give PLAN, or --problem and --solution")
    plan = plan_depot_charging(problem, time_limit_s=args.time_limit)
    print(format_plan(plan))
    for line in check_charging_plan(problem, plan):
        print(f"  violation: {line}")
    if args.output:
        out = {"problem": problem.model_dump(mode="json"), "plan": plan.model_dump(mode="json")}
        write_json(out, args.output)
        print(f"wrote {args.output}")
    if args.html:
        Path(args.html).write_text(plan_html(problem, plan), encoding="utf-8")
        print(f"wrote {args.html}")
    return 0


def _service_settings(args: argparse.Namespace) -> Any:
    from voltroute.service.settings import Settings

    return Settings.from_env(
        db_url=getattr(args, "db", None), workers=getattr(args, "workers", None)
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from voltroute.service import db
    from voltroute.service.app import create_app

    settings = _service_settings(args)

    def check_db(_: argparse.Namespace) -> int:
        db.migrate(db.make_engine(settings.db_url))
        return 0

    _db_errors(check_db)(args)
    print(
        f"voltroute service on http://{args.host}:{args.port} (database {settings.db_url}, "
        f"{settings.workers} workers)",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _db_errors(func: Any) -> Any:
    """Database failures as one line (``voltroute: error: database: ...``, exit 2)."""

    def wrapper(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return int(func(args))
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise VoltrouteError(
                f"database: {exc.__class__.__name__}: {detail[0] if detail else ''}"
            ) from None

    return wrapper


def _keys_engine(args: argparse.Namespace) -> Any:
    from voltroute.service import db

    engine = db.make_engine(_service_settings(args).db_url)
    db.migrate(engine)
    return engine


@_db_errors
def cmd_keys_create(args: argparse.Namespace) -> int:
    from voltroute.service import db

    _, key = db.create_key(_keys_engine(args), args.tenant)
    print(key)
    return 0


@_db_errors
def cmd_keys_list(args: argparse.Namespace) -> int:
    from voltroute.service import db

    for k in db.list_keys(_keys_engine(args)):
        state = "revoked" if k["revoked"] else "active"
        print(f"{k['id']}  {k['tenant_id']:<24} {k['created_at']:%Y-%m-%d %H:%M}  {state}")
    return 0


@_db_errors
def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from voltroute.service import db

    if not db.revoke_key(_keys_engine(args), args.key_id):
        print(f"voltroute: error: key_id: no key {args.key_id!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"revoked {args.key_id}")
    return 0


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="voltroute",
        description="Plan electrified parcel delivery: routes, energy, cost and CO2.",
    )
    p.add_argument("--version", action="version", version=f"voltroute {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser(
        "solve", help="plan routes for a problem (native JSON, VRPLIB or VROOM JSON)"
    )
    s.add_argument("problem", help="problem file; the format is recognised by content")
    s.add_argument(
        "--time-limit", type=float, default=10.0, metavar="S", help="search time, s (default 10)"
    )
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument(
        "--max-iterations", type=int, default=None, metavar="N", help="cap on search iterations"
    )
    s.add_argument(
        "--format",
        choices=["json", "vrplib", "vroom", "geojson", "evrptw", "evrp", "tspd"],
        default="json",
        help="output format; evrptw: a D0;S5;C12;...;D0 route string (Schneider et al.), "
        "evrp: one line of node ids (CEC-2020)",
    )
    s.add_argument(
        "--objective",
        choices=["cost", "vehicles"],
        default="cost",
        help="cost (default), or vehicles: fewest vehicles first, then cost, as in the E-VRPTW "
        "literature (charging engine)",
    )
    s.add_argument(
        "--engine",
        default="auto",
        help="auto (default), charging, charging-repair or pyvrp",
    )
    s.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    s.add_argument(  # mFSTSP problem directories (issue 5)
        "--drones", type=int, metavar="N", help="mFSTSP: drones on the van (default 2)"
    )
    s.add_argument(
        "--vehicles", metavar="FILE", help="mFSTSP: tbl_vehicles_*.csv (default ../../*_101.csv)"
    )
    s.set_defaults(func=cmd_solve)

    c = sub.add_parser("check", help="independently check a solution and print its KPIs")
    c.add_argument("problem")
    c.add_argument("solution", help="native solution JSON or a VRPLIB .sol")
    c.add_argument("--json", action="store_true", help="print one JSON object")
    c.set_defaults(func=cmd_check)

    i = sub.add_parser("import", help="import external data")
    isub = i.add_subparsers(dest="source", required=True, parser_class=_Parser)
    lm = isub.add_parser("lmrrc", help="an Amazon Last Mile Routing Research Challenge route")
    lm.add_argument(
        "dir", help="folder with route_data.json, package_data.json, actual_sequences.json"
    )
    lm.add_argument("--route", required=True, help="route id, e.g. RouteID_...")
    lm.add_argument("--problem", required=True, metavar="P.json", help="problem output file")
    lm.add_argument(
        "--actual", required=True, metavar="A.json", help="driver's sequence output file"
    )
    lm.set_defaults(func=cmd_import_lmrrc)

    cp = sub.add_parser(
        "compare", help="plan the same orders with diesel, electric and mixed fleets"
    )
    cp.add_argument("problem")
    cp.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="per fleet, s")
    cp.add_argument("--seed", type=int, default=0)
    cp.add_argument("--json", metavar="FILE", help="also write the table as JSON")
    cp.add_argument("-q", "--quiet", action="store_true")
    cp.add_argument(
        "--modes",
        action="store_true",
        help="compare van-only, van+drones and van+robots instead of powertrains",
    )
    cp.set_defaults(func=cmd_compare)

    sc = sub.add_parser("schema", help="print the JSON Schema of the native formats")
    sc.add_argument("what", nargs="?", choices=["problem", "solution"], default="problem")
    sc.add_argument("-o", "--output", metavar="FILE")
    sc.set_defaults(func=cmd_schema)

    pr = sub.add_parser("presets", help="list the vehicle catalogue")
    pr.set_defaults(func=cmd_presets)

    d = sub.add_parser(
        "demo", help="plan a real day on the Helsinki road network and write a report"
    )
    d.add_argument("--out", default="demo-output", metavar="DIR", help="output folder")
    d.add_argument("--stops", type=int, default=300, help="delivery addresses (default 300)")
    d.add_argument(
        "--time-limit", type=float, default=20.0, metavar="S", help="main plan search, s"
    )
    d.add_argument(
        "--compare-time-limit", type=float, default=20.0, metavar="S", help="per fleet strategy, s"
    )
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("-q", "--quiet", action="store_true")
    d.set_defaults(func=cmd_demo)

    ch = sub.add_parser(
        "charge-plan", help="optimise overnight charging of electric vans at the depot (MILP)"
    )
    ch.add_argument("plan", nargs="?", help="depot charging problem JSON")
    ch.add_argument("--problem", metavar="P.json", help="build it from a planned day: problem")
    ch.add_argument("--solution", metavar="S.json", help="... and its planned solution")
    ch.add_argument("-o", "--output", metavar="OUT.json", help="write the problem and plan")
    ch.add_argument("--html", metavar="REPORT.html", help="write a self-contained HTML report")
    ch.add_argument(
        "--time-limit",
        type=float,
        default=30.0,
        metavar="S",
        help="MILP time limit, s (default 30)",
    )
    ch.set_defaults(func=cmd_charge_plan)

    sv = sub.add_parser("serve", help="run the operations service (REST API and dashboard)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sv.add_argument("--db", metavar="URL", help="database URL (default $VOLTROUTE_DB_URL)")
    sv.add_argument("--workers", type=int, metavar="N", help="solver processes (default 2)")
    sv.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    sv.set_defaults(func=cmd_serve)

    k = sub.add_parser("keys", help="manage the service's API keys")
    ksub = k.add_subparsers(dest="keys_command", required=True, parser_class=_Parser)
    kc = ksub.add_parser("create", help="create a key for a tenant and print it")
    kc.add_argument("tenant")
    kc.add_argument("--db", metavar="URL", help="database URL (default $VOLTROUTE_DB_URL)")
    kc.set_defaults(func=cmd_keys_create)
    kl = ksub.add_parser("list", help="list keys (ids and tenants, never secrets)")
    kl.add_argument("--db", metavar="URL")
    kl.set_defaults(func=cmd_keys_list)
    kr = ksub.add_parser("revoke", help="revoke a key by its id")
    kr.add_argument("key_id")
    kr.add_argument("--db", metavar="URL")
    kr.set_defaults(func=cmd_keys_revoke)
    _study_cli.register(sub)
    _linehaul_cli.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except VoltrouteError as exc:
        print(f"voltroute: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("voltroute: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless asked
        if args.debug:
            raise
        print(
            f"voltroute: internal error: {exc.__class__.__name__}: {exc} (rerun with --debug)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
