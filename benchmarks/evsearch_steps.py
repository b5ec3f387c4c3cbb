"""CPU time of the electric search for a fixed number of steps, and a fingerprint of its plan.

For work on the search kernels (``voltroute.solve.evsearch``): with the blinks off and a fixed
step count the search is deterministic, so a change meant to be faster only must print the
same fingerprint, with less CPU time. The ejections are off (``eject_max=0``): their batch
sizes follow the wall clock, so with them the steps are not repeatable. Two phases: ``fleet``
(the vehicles objective's fleet minimisation; every step of a short run falls in it) and
``distance`` (no fleet phase, descent on distance at temperature 0). CPU time, not wall
time: other jobs on the machine slow the clock but hardly the process's own CPU seconds.

    python benchmarks/evsearch_steps.py --steps 20000 r108 rc105 c105 r202 rc203
    python benchmarks/evsearch_steps.py --phase distance --steps 30000 r108 rc105 r202
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np

from voltroute.io.evrptw import read_evrptw
from voltroute.network import travel_matrices
from voltroute.solve.evsearch import build_search_data, search, warm_up

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "evrptw" / "schneider" / "large"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="+", help="Schneider names, e.g. r108 rc105")
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--phase", choices=["fleet", "distance"], default="fleet")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=DATA)
    a = ap.parse_args(argv)
    warm_up()  # numba kernels compiled or loaded before anything is timed
    print(f"{'instance':9} {'routes':>6} {'distance':>10} {'steps':>6} {'cpu_s':>6} "
          f"{'steps/cpu_s':>11}  fingerprint")  # fmt: skip
    for name in a.instances:
        problem = read_evrptw(a.data / f"{name}_21.txt")
        m = travel_matrices(problem)
        data = build_search_data(
            problem, np.asarray(m.distance_m, float), np.asarray(m.duration_s, float)
        )
        extra = {"fleet_share": 0.0, "temperature": (0.0, 0.0)} if a.phase == "distance" else {}
        t0 = time.process_time()
        res = search(
            data, time_limit_s=1e6, seed=a.seed, objective="vehicles", max_iterations=a.steps,
            blink=0.0, eject_max=0, **extra,  # type: ignore[arg-type]
        )  # fmt: skip
        cpu = time.process_time() - t0
        dist = sum(r.distance_m for r in res.routes)
        plan = repr([(r.type_index, r.nodes) for r in res.routes]).encode()
        print(
            f"{name:9} {len(res.routes):>6} {dist:>10.2f} {a.steps:>6} {cpu:>6.2f} "
            f"{a.steps / max(cpu, 1e-9):>11.0f}  {hashlib.sha256(plan).hexdigest()[:12]}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
