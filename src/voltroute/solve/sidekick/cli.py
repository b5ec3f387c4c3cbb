"""``voltroute solve`` for TSP-D instances (``--format tspd``) and mFSTSP problem directories."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from voltroute.model import ProblemError
from voltroute.solve.sidekick.search import SidekickParams, solve_sidekick, warm_up


def solve_sidekick_cli(args: argparse.Namespace) -> int:
    """Solve, check and write: TSP-D operations, or a JSON plan for an mFSTSP directory.

    An mFSTSP directory takes ``--vehicles FILE`` (default ``tbl_vehicles_101.csv`` two folders
    up, where the mFSTSP repository keeps it) and ``--drones N`` (default 2)."""
    from voltroute.evaluate.sync import check_operations, check_sync
    from voltroute.io.tspd import is_tspd, read_tspd, solution_to_operations, write_tspd_solution

    path = Path(args.problem)
    params = SidekickParams(time_limit_s=args.time_limit, seed=args.seed or 1)
    out = Path(args.output) if args.output else None
    if path.is_dir():
        from voltroute.io.mfstsp import is_mfstsp_dir, read_mfstsp

        if not is_mfstsp_dir(path):
            raise ProblemError(str(path), "is not an mFSTSP problem directory")
        vehicles = getattr(args, "vehicles", None)
        veh = Path(vehicles) if vehicles else path.parent.parent / "tbl_vehicles_101.csv"
        if not veh.is_file():
            raise ProblemError("--vehicles", f"file {veh} not found (a tbl_vehicles_*.csv)")
        drones = getattr(args, "drones", None)
        drones = 2 if drones is None else drones
        if drones < 0:
            raise ProblemError("--drones", "must be >= 0")
        try:
            inst = read_mfstsp(path, veh, num_drones=drones)
        except ProblemError as exc:
            if exc.field == "num_drones":
                raise ProblemError("--drones", exc.rule) from None
            raise
        warm_up()  # load the compiled kernels first, so that --time-limit is search time
        sol = solve_sidekick(inst, params)
        rep = check_sync(inst, sol)
        if not rep.feasible:  # pragma: no cover - the engine's plans are feasible
            raise ProblemError("solution", rep.violations[0])
        doc = {
            "makespan_s": rep.makespan_s,
            "truck_route": list(sol.route),
            "sorties": [
                {
                    "drone": s.drone,
                    "launch_node": sol.route[s.launch_index],
                    "customer": s.customer,
                    "recovery_node": sol.route[s.recovery_index],
                    "launch_start_s": s.launch_start_s,
                    "recovery_start_s": s.recovery_start_s,
                    "energy_j": s.energy_j,
                }
                for s in sol.sorties
            ],
        }
        text = json.dumps(doc, indent=1, default=float) + "\n"
    else:
        try:
            head = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProblemError(str(path), "file not found") from None
        if getattr(args, "drones", None) is not None or getattr(args, "vehicles", None):
            raise ProblemError(
                "--drones", "--drones and --vehicles apply to mFSTSP problem directories only"
            )
        if not is_tspd(head):
            raise ProblemError(
                str(path), "--format tspd needs a TSP-D instance (truck, drone, n, nodes)"
            )
        inst = read_tspd(path)
        warm_up()  # load the compiled kernels first, so that --time-limit is search time
        sol = solve_sidekick(inst, params)
        ops = solution_to_operations(
            sol.route, [(s.launch_index, s.customer, s.recovery_index) for s in sol.sorties]
        )
        rep = check_operations(inst, ops)
        if not rep.feasible:  # pragma: no cover
            raise ProblemError("solution", rep.violations[0])
        text = write_tspd_solution(ops, inst)
    if out:
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}: makespan {rep.makespan_s:.4f}, {len(sol.sorties)} drone deliveries")
    else:
        sys.stdout.write(text)
    return 0
