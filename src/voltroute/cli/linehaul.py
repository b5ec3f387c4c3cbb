"""``voltroute linehaul``: plan the middle mile, write the schedule and a Gantt chart, print KPIs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from voltroute.model import VoltrouteError


def _kpi_line(name: str, k: dict[str, Any]) -> str:
    return (
        f"{name:<20} {k['trucks']:>6} {k['drivers']:>7} {k['distance_m'] / 1000:>9,.0f} "
        f"{k['energy_kwh']:>9,.0f} {k['fuel_l']:>8,.0f} {k['cost_per_parcel']:>9.3f} "
        f"{k['co2_per_parcel_kg'] * 1000:>9.1f} {k['parcels_unserved']:>8} "
        f"{k.get('flows_direct', 0):>6}"
    )


HEADER = (
    f"{'truck type':<20} {'trucks':>6} {'drivers':>7} {'km':>9} {'kWh':>9} {'litres':>8} "
    f"{'USD/parc':>9} {'gCO2/parc':>9} {'unserved':>8} {'direct':>6}"
)


def cmd_linehaul(args: argparse.Namespace) -> int:
    from voltroute.linehaul import (
        COMPARE_TYPES,
        check_plan,
        example_network,
        plan,
        read_network,
    )
    from voltroute.linehaul.report import plan_html

    if args.example == bool(args.network):
        raise VoltrouteError("linehaul: give NETWORK.json or --example (one of them)")
    if args.time_limit is not None and not args.time_limit > 0:
        raise VoltrouteError(f"--time-limit: must be positive (got {args.time_limit})")
    net = example_network() if args.example else read_network(args.network)
    kw: dict[str, Any] = dict(
        diesel_price_per_l=args.diesel_price,
        electricity_price_per_kwh=args.electricity_price,
        driver_wage_per_h=args.wage,
        ambient_temp_c=args.temp,
        time_limit_s=args.time_limit,
        seed=args.seed,
    )
    if args.compare:
        print(HEADER)
        for tt in COMPARE_TYPES:
            p = plan(net, truck_type=tt, **kw)
            print(_kpi_line(tt, p.kpis))
            for line in p.violations[:5]:
                print(f"  violation ({tt}): {line}")
        return 0
    p = plan(net, truck_type=args.truck_type, **kw)
    problems = check_plan(net, p)
    print(HEADER)
    print(_kpi_line(p.truck_type, p.kpis))
    print(
        f"method {p.method}{' (optimal)' if p.optimal else ''}, {p.kpis['trips']} trips, "
        f"cost {p.kpis['cost_total']:,.0f} USD/day: "
        + ", ".join(f"{k} {v:,.0f}" for k, v in p.cost_breakdown.items() if v)
    )
    for u in p.unserved:
        print(f"  unserved {u.flow} ({u.parcels} parcels): {u.reason}")
    for note in p.notes:
        print(f"  note: {note}")
    for line in list(dict.fromkeys([*p.violations, *problems]))[:20]:
        print(f"  violation: {line}")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "network.json").write_text(net.to_json() + "\n", encoding="utf-8")
        p.save(out / "schedule.json")
        (out / "gantt.html").write_text(plan_html(p), encoding="utf-8")
        print(f"wrote {out / 'schedule.json'} and {out / 'gantt.html'}")
    return 0


def register(sub: Any) -> None:
    """Add the ``linehaul`` command to the CLI's subparsers."""
    from voltroute.linehaul.trucks import TRUCK_TYPES

    lh = sub.add_parser(
        "linehaul", help="plan middle-mile trucks between hubs (diesel, electric, driverless)"
    )
    lh.add_argument("network", nargs="?", help="linehaul network JSON (hubs and flows)")
    lh.add_argument("--example", action="store_true", help="plan the Texas Triangle example")
    lh.add_argument(
        "--compare", action="store_true", help="plan with every truck type, print a table"
    )
    lh.add_argument("--truck-type", default="diesel", choices=sorted(TRUCK_TYPES))
    lh.add_argument("--out", metavar="DIR", help="write schedule.json and gantt.html here")
    lh.add_argument(
        "--time-limit", type=float, default=10.0, metavar="S", help="per plan, s (default 10)"
    )
    lh.add_argument("--diesel-price", type=float, metavar="USD_PER_L")
    lh.add_argument("--electricity-price", type=float, metavar="USD_PER_KWH")
    lh.add_argument("--wage", type=float, metavar="USD_PER_H", help="driver wage before benefits")
    lh.add_argument("--temp", type=float, metavar="C", help="ambient temperature")
    lh.add_argument("--seed", type=int, default=0, help="heuristic seed (default 0)")
    lh.set_defaults(func=cmd_linehaul)
