"""Run one link task (runs on a Dask worker): a middle-mile plan or a last-mile plan.

:func:`execute` never raises: it returns ``{"ok": True, "outcome": {...}, "seconds": s}`` or
``{"ok": False, "error": "one line", "seconds": s}``, so one failing scenario cannot take the
others down. The outcome of both links has the same core fields: ``parcels``, ``cost_total``,
``cost_breakdown`` (by component), ``cost_per_parcel``, ``co2_kg``, ``co2_per_parcel_kg``,
``distance_m``, ``energy_kwh``, ``fuel_l``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from voltroute.model import VoltrouteError, format_validation_error

__all__ = ["execute", "plan_linehaul"]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def plan_linehaul(
    *,
    truck_type: str,
    settings: Mapping[str, Any],
    time_limit_s: float,
    network: Any = "example",
    seed: int = 0,
    direct_fallback: bool = True,
) -> dict[str, Any]:
    """Plan the middle-mile ``network`` with ``truck_type`` under ``settings``; the study's figures.

    ``network``: a :class:`voltroute.linehaul.LinehaulNetwork`, ``"example"`` or a network JSON
    path. The plan is reproducible for a ``seed`` when its search completes within
    ``time_limit_s``; ``search_complete`` says whether it did (a note if not).
    """
    from voltroute import linehaul

    if isinstance(network, linehaul.LinehaulNetwork):
        net = network
    elif network == "example":
        net = linehaul.example_network()
    else:
        net = linehaul.read_network(str(network))
    plan = linehaul.plan(
        net,
        truck_type=truck_type,
        diesel_price_per_l=settings.get("diesel_price_per_l"),
        electricity_price_per_kwh=settings.get("electricity_price_per_kwh"),
        driver_wage_per_h=settings.get("driver_wage_per_h"),
        ambient_temp_c=settings.get("ambient_temp_c"),
        time_limit_s=time_limit_s,
        seed=seed,
        direct_fallback=direct_fallback,
    )
    k = dict(plan.kpis)
    breakdown = {str(name): float(v) for name, v in dict(plan.cost_breakdown).items()}
    parcels = int(k.get("parcels") or 0)
    total = float(k["cost_total"])
    notes: list[str] = []
    if breakdown and abs(sum(breakdown.values()) - total) > 1e-6 * max(1.0, abs(total)):
        notes.append(
            f"cost components sum to {sum(breakdown.values()):.2f}, not the total {total:.2f}"
        )
    unserved_flows = int(k.get("flows_unserved") or 0)
    if unserved_flows:
        reasons = sorted({u.reason for u in plan.unserved})
        notes.append(
            f"{unserved_flows} flows ({int(k.get('parcels_unserved') or 0)} parcels) cannot "
            f"make their cut-off" + (f": {reasons[0]}" if reasons else "")
        )
    violations = tuple(plan.violations)
    if violations:
        notes.append(f"{len(violations)} schedule violations, first: {violations[0]}")
    if plan.notes:  # driverless flows that go direct with a human-driven tractor
        notes.append(
            f"{len(plan.notes)} flows go direct with a human-driven tractor, first: {plan.notes[0]}"
        )
    complete = bool(k.get("search_complete", True))
    if not complete:
        notes.append(
            f"the search stopped at its {time_limit_s:g} s limit: the plan is the best found "
            "and may differ between runs (raise linehaul.time_limit_s)"
        )
    return {
        "parcels": parcels,
        "trucks": int(k.get("trucks") or 0),
        "drivers": int(k.get("drivers") or 0),
        "distance_m": float(k.get("distance_m") or 0.0),
        "energy_kwh": float(k.get("energy_kwh") or 0.0),
        "fuel_l": float(k.get("fuel_l") or 0.0),
        "co2_kg": float(k.get("co2_kg") or 0.0),
        "cost_total": total,
        "cost_breakdown": breakdown,
        "cost_per_parcel": _num(k.get("cost_per_parcel")),
        "co2_per_parcel_kg": _num(k.get("co2_per_parcel_kg")),
        "parcels_unserved": int(k.get("parcels_unserved") or 0),
        "feasible": not unserved_flows and not violations,
        "flows_direct": len(plan.notes),
        "method": plan.method,
        "optimal": bool(plan.optimal),
        "search_complete": complete,
        "seed": int(k.get("seed", seed)),
        "network": net.name,
        "notes": notes,
    }


def _run(payload: Mapping[str, Any]) -> dict[str, Any]:
    settings = dict(payload["settings"])
    if payload["link"] == "linehaul":
        return plan_linehaul(
            truck_type=payload["option"],
            settings=settings,
            time_limit_s=float(payload["time_limit_s"]),
            network=payload.get("network", "example"),
            seed=int(payload.get("seed", 0)),
            direct_fallback=bool(payload.get("direct_fallback", True)),
        )
    fleet = payload["fleet"]
    if fleet.plan is None:
        raise VoltrouteError(f"{fleet.label!r} is {fleet.unavailable}")
    outcome: dict[str, Any] = fleet.plan(
        payload["problem"],
        settings=settings,
        time_limit_s=float(payload["time_limit_s"]),
        seed=int(payload.get("seed", 0)),
        max_iterations=payload.get("max_iterations"),
    )
    return outcome


def execute(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Run a link task; the result or the error as one line (never raises on bad input)."""
    t0 = time.perf_counter()
    try:
        outcome = _run(payload)
    except VoltrouteError as exc:
        return {"ok": False, "error": str(exc), "seconds": time.perf_counter() - t0}
    except ValidationError as exc:  # a setting outside a model's range, e.g. -60 °C
        return {
            "ok": False,
            "error": format_validation_error(exc),
            "seconds": time.perf_counter() - t0,
        }
    except Exception as exc:  # noqa: BLE001 - a failed scenario is reported, not raised
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return {
            "ok": False,
            "error": f"{exc.__class__.__name__}: {msg}" if msg else exc.__class__.__name__,
            "seconds": time.perf_counter() - t0,
        }
    return {"ok": True, "outcome": outcome, "seconds": time.perf_counter() - t0}
