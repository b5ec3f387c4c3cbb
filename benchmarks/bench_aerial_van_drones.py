"""Van + drones in the native format: fixed-sequence search vs the sidekick engine, per van.

Each problem is a generated delivery day (voltroute.study.orders: the demo's order assumptions at
synthetic addresses around Columbus, Ohio; great-circle travel x 1.35 at 30 km/h) with drones of
a catalogue preset on every van. The same problem is solved by the aerial engine three ways
(``van_drones`` = fixed, sidekick, best); the van routes before the drones are the same in all
three (PyVRP with an iteration cap). Every plan is checked by the independent checker; the table
shows its figures (cost, makespan), not the engine's.

    .venv/bin/python benchmarks/bench_aerial_van_drones.py [--time-limit 6] [--quick]
"""

from __future__ import annotations

import argparse
import time

from voltroute.energy.aerial import drone_spec_from_preset
from voltroute.evaluate import annotate
from voltroute.model import DroneFleet
from voltroute.solve import SolveParams
from voltroute.solve.aerial_engine import AerialEngine
from voltroute.study.orders import generated_problem

CASES = [
    # (name, stops, seed, radius_km, vans, preset, drones per van, windows kept)
    ("g25-s1-mk27x1", 25, 1, 3.0, 1, "prime-air-mk27-2", 1, True),
    ("g25-s2-mk27x1", 25, 2, 3.0, 1, "prime-air-mk27-2", 1, True),
    ("g25-s3-zipx2-nowin", 25, 3, 4.0, 1, "zipline-p2", 2, False),
    ("g40-s4-zipx1-nowin", 40, 4, 5.0, 2, "zipline-p2", 1, False),
    ("g40-s5-mk27x2", 40, 5, 4.0, 2, "prime-air-mk27-2", 2, True),
    ("g60-s6-zipx1", 60, 6, 5.0, 3, "zipline-p2", 1, True),
]


def build(name, stops, seed, radius, vans, preset, count, windows):
    p = generated_problem(
        stops=stops, seed=seed, depot_lat=39.9612, depot_lon=-82.9988, radius_km=radius, vans=vans
    )
    if not windows:
        p = p.replace(stops=[s.replace(time_window=None) for s in p.stops])
    # marginal costs only: the drones' day is paid anyway (fixed cost 0) and one remote
    # operator watches five drones (the zipline-p2 preset's assumption), so the comparison is
    # about routing quality rather than whether drones pay at all
    spec = drone_spec_from_preset(preset, fixed_cost_per_day=0.0, cost_per_hour=5.26)
    fleet = DroneFleet(id="vd", base="van", count=count, preset=preset, spec=spec)
    return p.replace(name=name, drones=(fleet,))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=6.0)
    ap.add_argument("--quick", action="store_true", help="first two cases only")
    args = ap.parse_args()
    cases = CASES[:2] if args.quick else CASES
    head = (
        f"{'problem':<20} {'method':<8} {'feasible':>8} {'flights':>7} {'cost':>9} "
        f"{'makespan h':>10} {'runtime s':>9}  van plans"
    )
    print(head)
    print("-" * len(head))
    for case in cases:
        problem = build(*case)
        for method in ("fixed", "sidekick", "best"):
            engine = AerialEngine(van_drones=method)
            params = SolveParams(time_limit_s=args.time_limit, seed=1, max_iterations=2000)
            t0 = time.perf_counter()
            sol = annotate(problem, engine.solve(problem, params))
            dt = time.perf_counter() - t0
            k = sol.kpis
            print(
                f"{case[0]:<20} {method:<8} {k['feasible']!s:>8} {k.get('flights', 0):>7} "
                f"{k['cost']['total']:>9.2f} {k.get('makespan_s', float('nan')) / 3600:>10.2f} {dt:>9.1f}  "
                f"{sol.solver.get('van_plans')}"
            )


if __name__ == "__main__":
    main()
