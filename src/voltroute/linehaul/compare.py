"""The same network planned with each truck type, and the middle-mile part of ``voltroute demo``.

>>> from voltroute.linehaul import demo_section
>>> summary = demo_section("demo-output/linehaul", time_limit_s=5)     # doctest: +SKIP
>>> [(r["truck_type"], r["cost_per_parcel"]) for r in summary["rows"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voltroute.linehaul.examples import example_network
from voltroute.linehaul.model import LinehaulNetwork
from voltroute.linehaul.plan import LinehaulPlan, plan

__all__ = ["COMPARE_TYPES", "compare_truck_types", "demo_section", "summary_row"]

#: Truck types of ``voltroute linehaul --compare`` and of the demo, in table order.
COMPARE_TYPES: tuple[str, ...] = ("diesel", "diesel-team", "electric", "driverless-electric")


def compare_truck_types(
    network: LinehaulNetwork,
    *,
    truck_types: Sequence[str] = COMPARE_TYPES,
    time_limit_s: float = 10.0,
    seed: int = 0,
    **prices: float | None,
) -> dict[str, LinehaulPlan]:
    """Plan ``network`` once per truck type (same prices, temperature, seed and time limit).

    ``prices``: ``diesel_price_per_l``, ``electricity_price_per_kwh``, ``driver_wage_per_h``,
    ``ambient_temp_c`` as for :func:`voltroute.linehaul.plan`.
    """
    return {
        t: plan(network, truck_type=t, time_limit_s=time_limit_s, seed=seed, **prices)  # type: ignore[arg-type]
        for t in truck_types
    }


def summary_row(p: LinehaulPlan) -> dict[str, Any]:
    """One row of the comparison table: the plan's headline figures (units in the keys)."""
    k = p.kpis
    return {
        "truck_type": p.truck_type,
        "method": p.method,
        "trucks": int(k["trucks"]),
        "drivers": int(k["drivers"]),
        "km": round(k["distance_m"] / 1000.0, 1),
        "kwh": round(k["energy_kwh"], 1),
        "litres": round(k["fuel_l"], 1),
        "cost_per_day_usd": round(k["cost_total"], 2),
        "cost_per_parcel": round(k["cost_per_parcel"], 4),
        "co2_per_parcel_g": round(k["co2_per_parcel_kg"] * 1000.0, 1),
        "parcels": int(k["parcels"]),
        "parcels_unserved": int(k["parcels_unserved"]),
        "flows_direct": int(k.get("flows_direct", 0)),
        "violations": len(p.violations),
    }


def demo_section(
    out_dir: str | Path,
    *,
    network: LinehaulNetwork | None = None,
    truck_types: Sequence[str] = COMPARE_TYPES,
    time_limit_s: float = 5.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Plan the example network (or ``network``) with each truck type and write the results.

    Writes to ``out_dir``: ``network.json``, ``schedule-<truck type>.json`` and
    ``gantt-<truck type>.html`` (self-contained, a Gantt chart per tractor) per truck type,
    and ``comparison.json`` (the returned summary). Returns ``{"network", "hubs", "flows",
    "parcels", "columns", "rows", "files"}``: ``rows`` has one dict per truck type
    (:func:`summary_row`), ``files`` maps each truck type to its Gantt page's file name.
    Deterministic for a given ``seed`` when each plan finishes within ``time_limit_s``.
    """
    import json

    from voltroute.linehaul.report import plan_html

    net = network if network is not None else example_network()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "network.json").write_text(net.to_json() + "\n", encoding="utf-8")
    plans = compare_truck_types(net, truck_types=truck_types, time_limit_s=time_limit_s, seed=seed)
    rows, files = [], {}
    for t, p in plans.items():
        p.save(out / f"schedule-{t}.json")
        (out / f"gantt-{t}.html").write_text(plan_html(p), encoding="utf-8")
        files[t] = f"gantt-{t}.html"
        rows.append(summary_row(p))
    summary: dict[str, Any] = {
        "network": net.name,
        "hubs": len(net.hubs),
        "flows": len(net.flows),
        "parcels": net.num_parcels,
        "columns": list(rows[0]) if rows else [],
        "rows": rows,
        "files": files,
    }
    (out / "comparison.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary
