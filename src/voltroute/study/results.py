"""The study's results table: one row per scenario, as CSV and Parquet (pyarrow).

Columns: scenario id, strategy, ``linehaul`` truck type, ``last_mile`` fleet, ``varied`` (the
sensitivities changed from the base, ``base`` for none), the five settings (empty: the
planner's default), ``status`` (``ok``, ``incomplete``: planned but with unassigned parcels,
late flows or checker violations, see ``notes``; ``failed``: see ``error``), the whole-chain
``chain_cost_per_parcel`` and ``chain_co2_per_parcel_kg``, then per link (``lh_``: middle mile,
``lm_``: last mile) cost and CO2 per parcel, parcels, km, kWh, litres, vehicles and the cost per
parcel of each component (``lh_cost_pp_<component>``), the middle mile's ``lh_flows_direct``
(driverless flows sent direct with a human-driven tractor) and ``lh_search_complete`` (False:
the search stopped at its time limit, so the plan may differ between runs), and
``cached``/``compute_s``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

__all__ = ["columns", "write_csv", "write_parquet"]

_FIRST = (
    "scenario_id",
    "strategy",
    "linehaul",
    "last_mile",
    "varied",
    "diesel_price_per_l",
    "electricity_price_per_kwh",
    "tariff",
    "driver_wage_per_h",
    "ambient_temp_c",
    "status",
    "chain_cost_per_parcel",
    "chain_co2_per_parcel_kg",
)
_LAST = ("error", "notes", "cached", "compute_s")
_BOOL = ("cached", "lh_search_complete")


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """Column order: identity and settings, chain figures, link figures (sorted), bookkeeping."""
    seen: list[str] = []
    for r in rows:
        for k in r:
            if k not in seen:
                seen.append(k)
    middle = sorted(k for k in seen if k not in _FIRST and k not in _LAST)
    return [k for k in _FIRST if k in seen] + middle + [k for k in _LAST if k in seen]


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if not math.isfinite(v) else repr(round(v, 6))
    return v


def write_csv(rows: list[dict[str, Any]], path: str | Path) -> Path:
    path = Path(path)
    cols = columns(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in cols])
    return path


def write_parquet(rows: list[dict[str, Any]], path: str | Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    cols = columns(rows)
    text = {"scenario_id", "strategy", "linehaul", "last_mile", "varied", "tariff", "status"}
    text |= {"error", "notes"}
    fields = []
    for c in cols:
        if c in text:
            t = pa.string()
        elif c in _BOOL:
            t = pa.bool_()
        else:
            t = pa.float64()
        fields.append(pa.field(c, t))
    data = {
        c: [
            (None if r.get(c) is None else (float(r[c]) if f.type == pa.float64() else r[c]))
            for r in rows
        ]
        for c, f in zip(cols, fields, strict=True)
    }
    pq.write_table(pa.table(data, schema=pa.schema(fields)), path)
    return path
