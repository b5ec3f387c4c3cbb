"""Last-mile fleets a study can compare: a small registry of named planners.

Each fleet turns the study's order set into a plan with voltroute's own planners and returns the
checker's figures (cost by component, energy, CO2, parcels). Diesel and electric vans are planned
with :func:`voltroute.api.plan` on the order set with its fleet swapped by
:func:`voltroute.compare.fleet_variant`. Electric vans with drones (robots) are the electric
variant with the order set's own van-carried drone (robot) fleets, or else the catalogue's
(:func:`voltroute.compare.mode_variant`: one ``prime-air-mk27-2`` drone, or two
``starship-robot`` robots, on every van), planned by the aerial engine through the same
:func:`voltroute.api.plan` and checked with the sorties. A fleet declared without a planner is
reported by the study as failed with the reason, never with made-up numbers; plug one in with
:func:`register_fleet` (or by adding it to :data:`FLEETS`).

Sensitivities reach the last mile through the problem: ``economics.diesel_per_l``,
``economics.electricity_per_kwh``, ``conditions.ambient_temp_c`` and each vehicle type's
``driver_cost_per_hour`` (= wage x the catalogue's benefits loading); the ``time-of-use`` tariff
prices the overnight depot charging with :mod:`voltroute.charging` (a HiGHS MILP) instead of the
flat price. Drones and robots feel the electricity price and the temperature (air density)
through the same fields, and the wage through their supervision cost per hour, which the
catalogue derives from the van driver's loaded wage (``energy/data/aerial.toml``) and which is
scaled by the same ratio; under time-of-use their (small) charging energy stays at the flat price.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import ValidationError

from voltroute.model import Economics, Problem, ProblemError, as_problem_error

__all__ = [
    "FLEETS",
    "LastMileFleet",
    "apply_settings",
    "benefits_loading",
    "default_wage_per_h",
    "plan_vans",
    "plan_vans_with_units",
    "register_fleet",
]

LastMilePlanner = Callable[..., dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class LastMileFleet:
    """A last-mile fleet option.

    ``plan(problem, *, settings, time_limit_s, seed, max_iterations)`` returns the outcome dict
    (see :func:`plan_vans`); ``None`` means the fleet is declared but has no planner yet, and
    ``unavailable`` says why.
    """

    key: str
    label: str
    description: str = ""
    plan: LastMilePlanner | None = None
    unavailable: str = ""

    @property
    def available(self) -> bool:
        return self.plan is not None


@functools.cache
def _driver_catalogue() -> dict[str, Any]:
    text = resources.files("voltroute.energy").joinpath("data", "vehicles.toml").read_text("utf-8")
    return dict(tomllib.loads(text)["common"]["driver"])


def benefits_loading() -> float:
    """Total compensation / wages of the vehicle catalogue (BLS ECEC; source in vehicles.toml)."""
    return float(_driver_catalogue()["benefits_loading"]["value"])


def default_wage_per_h() -> float:
    """The catalogue's van driver wage (BLS OEWS; source in vehicles.toml), currency/h."""
    return float(_driver_catalogue()["wage_per_hour"]["value"])


def apply_settings(problem: Problem, settings: Mapping[str, Any]) -> Problem:
    """The problem with a scenario's prices, wage and temperature (``None`` keeps the default).

    A value the problem's models refuse (e.g. -60 °C, below the energy model's range) raises
    :class:`ProblemError` naming the problem field.
    """
    changes: dict[str, Any] = {}
    try:
        econ: dict[str, Any] = {}
        if settings.get("diesel_price_per_l") is not None:
            econ["diesel_per_l"] = float(settings["diesel_price_per_l"])
        if settings.get("electricity_price_per_kwh") is not None:
            econ["electricity_per_kwh"] = float(settings["electricity_price_per_kwh"])
        if econ:
            where = "economics"
            changes["economics"] = problem.economics.replace(**econ)
        if settings.get("ambient_temp_c") is not None:
            where = "conditions"
            changes["conditions"] = problem.conditions.replace(
                ambient_temp_c=float(settings["ambient_temp_c"])
            )
        if settings.get("driver_wage_per_h") is not None:
            hourly = float(settings["driver_wage_per_h"]) * benefits_loading()
            where = "vehicle_types"
            changes["vehicle_types"] = [
                vt.replace(driver_cost_per_hour=hourly) for vt in problem.vehicle_types
            ]
            # supervision of drones and robots is priced from the same wage (aerial.toml)
            factor = float(settings["driver_wage_per_h"]) / default_wage_per_h()
            for group in ("drones", "robots"):
                fleets = getattr(problem, group)
                if fleets:
                    where = group
                    changes[group] = [
                        f.model_copy(
                            update={
                                "spec": f.spec.model_copy(
                                    update={"cost_per_hour": f.spec.cost_per_hour * factor}
                                )
                            }
                        )
                        for f in fleets
                    ]
    except ValidationError as exc:
        raise as_problem_error(exc, prefix=where) from None
    return problem.replace(**changes) if changes else problem


def _tou_tariff(settings: Mapping[str, Any]) -> Any:
    """The example time-of-use tariff, its energy prices scaled to the scenario's price level.

    The example tariff sits around the US average commercial price that is the default of
    :class:`voltroute.model.Economics`; a scenario's ``electricity_price_per_kwh`` scales every
    period by ``price / default`` (the shape is kept, the demand charge is not scaled).
    """
    from voltroute.charging import EXAMPLE_TARIFF

    price = settings.get("electricity_price_per_kwh")
    if price is None:
        return EXAMPLE_TARIFF
    factor = float(price) / Economics().electricity_per_kwh
    periods = [p.replace(price_per_kwh=p.price_per_kwh * factor) for p in EXAMPLE_TARIFF.periods]
    return EXAMPLE_TARIFF.replace(periods=periods)


def _depot_charging(problem: Problem, solution: Any, settings: Mapping[str, Any]) -> Any:
    """The overnight charging plan that puts back, under the time-of-use tariff, what was used."""
    from voltroute.charging import from_solution, plan_depot_charging
    from voltroute.energy.physics import usable_battery_kwh

    temp = problem.conditions.ambient_temp_c
    full = max(
        usable_battery_kwh(vt.powertrain, temp)  # type: ignore[arg-type]
        for vt in problem.vehicle_types
        if vt.is_electric
    )
    # next_day_energy = the largest battery: every van is charged back to full, so the plan buys
    # what the day used (vans start the day full in the checker).
    charging = from_solution(problem, solution, next_day_energy=full, tariff=_tou_tariff(settings))
    return plan_depot_charging(charging, time_limit_s=20.0)


def outcome_from_solution(
    problem: Problem, solution: Any, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The study's last-mile figures from a planned (annotated) solution."""
    k = solution.kpis
    cost = k["cost"]
    econ = problem.economics
    breakdown = {
        "vehicle": float(cost["fixed"]),
        "driver": float(cost["driver"]),
        "energy": float(cost["energy"]),
        "maintenance": float(cost["maintenance"]),
    }
    notes: list[str] = []
    tariff_info: dict[str, Any] | None = None
    if settings.get("tariff") == "time-of-use" and any(
        r.vehicle_type in problem.vehicle_type_by_id
        and problem.vehicle_type_by_id[r.vehicle_type].is_electric
        for r in solution.routes
    ):
        cp = _depot_charging(problem, solution, settings)
        # drones and robots charge their own batteries: kept at the flat price (the checker's)
        units_energy = sum(float(s.kpis["cost"]["energy"]) for s in solution.sorties if s.kpis)
        breakdown["energy"] = (
            float(k["fuel_l"]) * econ.diesel_per_l + float(cp.energy_cost) + units_energy
        )
        breakdown["demand_charge"] = float(cp.demand_charge)
        tariff_info = {
            "status": cp.status,
            "energy_cost": float(cp.energy_cost),
            "demand_charge": float(cp.demand_charge),
            "grid_energy_kwh": float(cp.grid_energy_kwh),
            "peak_kw": float(cp.peak_kw),
        }
        if cp.status == "shortfall":
            notes.append(f"depot charging leaves {cp.shortfall_kwh:.1f} kWh short by morning")
    total = sum(breakdown.values())
    parcels = int(k["served_parcels"])
    if k["unassigned_parcels"]:
        notes.append(f"{k['unassigned_parcels']} parcels unassigned")
    if not k["feasible"]:
        notes.append(f"checker found {k['violations']} violations")
    units: dict[str, Any] = {}
    if problem.drones or problem.robots:
        units = {
            key: k.get(key, 0)
            for key in (
                "flights",
                "robot_trips",
                "drone_parcels",
                "robot_parcels",
                "drone_energy_kwh",
                "robot_energy_kwh",
                "units_used",
            )
        }
        notes.append(
            f"{units['flights']} drone flights ({units['drone_parcels']} parcels, "
            f"{units['drone_energy_kwh']:.2f} kWh), {units['robot_trips']} robot trips "
            f"({units['robot_parcels']} parcels, {units['robot_energy_kwh']:.2f} kWh)"
        )
    return {
        **units,
        "parcels": parcels,
        "parcels_total": problem.num_parcels,
        "unassigned_parcels": int(k["unassigned_parcels"]),
        "feasible": bool(k["feasible"]),
        "vehicles": int(k["vehicles_used"]),
        "distance_m": float(k["distance_m"]),
        "energy_kwh": float(k["energy_kwh"]),
        "grid_energy_kwh": float(k["grid_energy_kwh"]),
        "fuel_l": float(k["fuel_l"]),
        "co2_kg": float(k["co2_kg"]),
        "cost_total": total,
        "cost_breakdown": breakdown,
        "cost_per_parcel": total / parcels if parcels else None,
        "co2_per_parcel_kg": float(k["co2_kg"]) / parcels if parcels else None,
        "currency": econ.currency,
        "tariff": tariff_info,
        "notes": notes,
    }


def plan_vans(
    problem: Problem,
    *,
    kind: str,
    settings: Mapping[str, Any],
    time_limit_s: float,
    seed: int = 0,
    max_iterations: int | None = None,
) -> dict[str, Any]:
    """Plan the order set with all-``kind`` vans (same size class and count) and summarise it."""
    from voltroute.api import plan
    from voltroute.compare import fleet_variant

    variant = apply_settings(fleet_variant(problem, kind), settings)
    solution = plan(variant, time_limit_s=time_limit_s, seed=seed, max_iterations=max_iterations)
    return outcome_from_solution(variant, solution, settings)


def plan_vans_with_units(
    problem: Problem,
    *,
    mode: str,
    settings: Mapping[str, Any],
    time_limit_s: float,
    seed: int = 0,
    max_iterations: int | None = None,
) -> dict[str, Any]:
    """Plan the order set with electric vans and their drones (``mode="van+drones"``) or
    robots (``"van+robots"``) by the aerial engine, and summarise it with the sorties."""
    from voltroute.api import plan
    from voltroute.compare import fleet_variant, mode_variant

    variant = apply_settings(mode_variant(fleet_variant(problem, "electric"), mode), settings)
    solution = plan(variant, time_limit_s=time_limit_s, seed=seed, max_iterations=max_iterations)
    return outcome_from_solution(variant, solution, settings)


FLEETS: dict[str, LastMileFleet] = {
    f.key: f
    for f in (
        LastMileFleet(
            key="diesel-vans",
            label="diesel vans",
            description="the order set's vans as their diesel counterparts (voltroute.compare)",
            plan=functools.partial(plan_vans, kind="diesel"),
        ),
        LastMileFleet(
            key="electric-vans",
            label="electric vans",
            description="the order set's vans as their electric counterparts (voltroute.compare)",
            plan=functools.partial(plan_vans, kind="electric"),
        ),
        LastMileFleet(
            key="electric-vans+drones",
            label="electric vans + drones",
            description="electric vans launching and recovering drones (aerial engine); the "
            "order set's van-carried drones, or one prime-air-mk27-2 per van",
            plan=functools.partial(plan_vans_with_units, mode="van+drones"),
        ),
        LastMileFleet(
            key="electric-vans+robots",
            label="electric vans + robots",
            description="electric vans dropping sidewalk robots (aerial engine); the order "
            "set's van-carried robots, or two starship-robot per van",
            plan=functools.partial(plan_vans_with_units, mode="van+robots"),
        ),
    )
}


def register_fleet(fleet: LastMileFleet, *, replace: bool = False) -> None:
    """Add a fleet to the registry (or, with ``replace``, swap one in, e.g. drones once built)."""
    if fleet.key in FLEETS and not replace:
        raise ProblemError("fleet", f"{fleet.key!r} is already registered")
    FLEETS[fleet.key] = fleet
