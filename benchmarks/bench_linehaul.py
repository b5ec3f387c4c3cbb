"""Scheduling time against network size, and heuristic vs MILP on small networks.

    .venv/bin/python benchmarks/bench_linehaul.py [--time-limit S]

Networks are the Texas Triangle example scaled: flows multiplied (more trailers per lane) and
delivery stations replicated with small coordinate offsets (more hubs and lanes).
"""

from __future__ import annotations

import argparse
import time

from voltroute.linehaul import check_plan, example_network, plan
from voltroute.linehaul.core import build_instance, resolve_settings
from voltroute.linehaul.heuristic import solve_heuristic
from voltroute.linehaul.milp import solve_milp
from voltroute.linehaul.model import LinehaulNetwork


def scaled(k: int) -> LinehaulNetwork:
    net = example_network()
    data = net.model_dump()
    hubs, flows = list(data["hubs"]), []
    for f in data["flows"]:
        flows.append(f)
    for r in range(1, k):
        for h in data["hubs"]:
            if h["kind"] == "delivery":
                hubs.append(
                    h
                    | {
                        "id": f"{h['id']}-{r}",
                        "location": {
                            "lat": h["location"]["lat"] + 0.05 * r,
                            "lon": h["location"]["lon"],
                        },
                    }
                )
        for f in data["flows"]:
            if f["destination"].startswith("DS-"):
                flows.append(f | {"id": f"{f['id']}-{r}", "destination": f"{f['destination']}-{r}"})
            else:
                flows.append(f | {"id": f"{f['id']}-{r}"})
    return LinehaulNetwork.model_validate(data | {"hubs": hubs, "flows": flows, "name": f"x{k}"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args()
    print(
        "| network | hubs | flows | truck | trips | method | plan s | tractors | USD/parcel | check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k in (1, 2, 4):
        net = scaled(k)
        for truck in ("diesel", "electric", "driverless-electric"):
            t0 = time.perf_counter()
            p = plan(net, truck_type=truck, time_limit_s=args.time_limit)
            dt = time.perf_counter() - t0
            v = check_plan(net, p)
            print(
                f"| {net.name} | {len(net.hubs)} | {len(net.flows)} | {truck} | {p.kpis['trips'] + 0} | "
                f"{p.method} | {dt:.1f} | {p.kpis['trucks']} | {p.kpis['cost_per_parcel']:.3f} | "
                f"{'ok' if not v else len(v)} |"
            )
    # heuristic vs MILP on sub-networks: the first n flows of the example
    print()
    print("| flows | truck | trips | heuristic obj | MILP obj | gap % | MILP optimal | MILP s |")
    print("|---|---|---|---|---|---|---|---|")
    base = example_network()
    for n in (6, 10, 14):
        sel = [f for f in base.flows if f.origin.startswith("SC")][:n]
        net = base.replace(flows=[f.model_dump() for f in sel])
        for truck in ("diesel", "electric"):
            inst = build_instance(net, resolve_settings(net, truck_type_name=truck))
            _, h = solve_heuristic(inst, time_limit_s=5)
            t0 = time.perf_counter()
            _, m, opt, _ = solve_milp(inst, time_limit_s=60)
            dt = time.perf_counter() - t0
            print(
                f"| {n} | {truck} | {len(inst.trips)} | {h:.1f} | {m:.1f} | {100 * (h - m) / m:.1f} | {opt} | {dt:.1f} |"
            )


if __name__ == "__main__":
    main()
