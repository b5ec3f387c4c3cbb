"""Scheduling time against network size, and heuristic vs MILP on small networks.

    .venv/bin/python benchmarks/bench_linehaul.py [--time-limit S] [--seed N]

Networks are the Texas Triangle example scaled (``voltroute.linehaul.examples.
scaled_example_network``): delivery stations and all flows replicated k times (more hubs, lanes
and trailers per lane). Every plan is checked by the independent checker.
"""

from __future__ import annotations

import argparse
import time

from voltroute.linehaul import check_plan, example_network, plan
from voltroute.linehaul.core import build_instance, resolve_settings
from voltroute.linehaul.examples import scaled_example_network
from voltroute.linehaul.heuristic import solve_heuristic
from voltroute.linehaul.milp import solve_milp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(
        "| network | hubs | flows | truck | trips | method | plan s | complete | tractors "
        "| drivers | USD/parcel | unserved parcels | direct flows | charger repairs | check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k in (1, 2, 4):
        net = scaled_example_network(k)
        for truck in ("diesel", "electric", "driverless-electric"):
            t0 = time.perf_counter()
            p = plan(net, truck_type=truck, time_limit_s=args.time_limit, seed=args.seed)
            dt = time.perf_counter() - t0
            v = check_plan(net, p)
            k_ = p.kpis
            print(
                f"| x{k} | {len(net.hubs)} | {len(net.flows)} | {truck} | {k_['trips']} | "
                f"{p.method} | {dt:.1f} | {'yes' if k_['search_complete'] else 'no'} | "
                f"{k_['trucks']} | {k_['drivers']} | {k_['cost_per_parcel']:.4f} | "
                f"{k_['parcels_unserved']} | {k_['flows_direct']} | {k_['charger_repairs']} | "
                f"{'ok' if not v and not p.violations else len(set(v) | set(p.violations))} |",
                flush=True,
            )
    # heuristic vs MILP on sub-networks: the first n sort-centre flows of the example
    print()
    print(
        "| flows | truck | trips | heuristic obj | heuristic s | MILP obj | gap % | MILP optimal | MILP s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    base = example_network()
    for n in (6, 10, 14):
        sel = [f for f in base.flows if f.origin.startswith("SC")][:n]
        net = base.replace(flows=[f.model_dump() for f in sel])
        for truck in ("diesel", "electric"):
            inst = build_instance(net, resolve_settings(net, truck_type_name=truck))
            t0 = time.perf_counter()
            _, h = solve_heuristic(inst, time_limit_s=30, seed=args.seed)
            th = time.perf_counter() - t0
            t0 = time.perf_counter()
            _, m, opt, _ = solve_milp(inst, time_limit_s=60)
            dt = time.perf_counter() - t0
            print(
                f"| {n} | {truck} | {len(inst.trips)} | {h:.1f} | {th:.1f} | {m:.1f} | "
                f"{100 * (h - m) / m:.1f} | {opt} | {dt:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
