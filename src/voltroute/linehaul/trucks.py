"""Truck types of the middle mile and the sourced defaults behind them.

The numbers live in ``data/linehaul.toml``; every one carries a ``source``. Money per tractor-day
is derived here: an annuity on the purchase price net of the discounted resale value (the same
:func:`voltroute.energy.costs.capital_cost_per_day` as the van catalogue), plus the trailer pool.
Per-mile costs are converted to per-km; the driver's hourly pay is ATRI's per-mile wages and
benefits converted at ATRI's own ratio of hours to miles.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from voltroute.energy.costs import capital_cost_per_day
from voltroute.model.errors import ProblemError

__all__ = [
    "KM_PER_MILE",
    "L_PER_GALLON",
    "TRUCK_TYPES",
    "TruckType",
    "defaults",
    "sources",
    "truck_type",
]

KM_PER_MILE = 1.609344  # international mile, exact
L_PER_GALLON = 3.785411784  # US gallon, exact
_DATA_FILE = "linehaul.toml"


def _value(entry: Any, where: str) -> Any:
    if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
        raise ValueError(f"{_DATA_FILE}: {where} needs {{value = ..., source = '...'}}")
    return entry["value"]


@cache
def _raw() -> dict[str, Any]:
    text = (
        resources.files("voltroute.linehaul")
        .joinpath("data")
        .joinpath(_DATA_FILE)
        .read_text("utf-8")
    )
    return tomllib.loads(text)


def sources() -> dict[str, str]:
    """``section.key -> source`` of every sourced number in the data file."""
    out: dict[str, str] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for k, v in node.items():
            if isinstance(v, dict) and "value" in v:
                out[f"{prefix}{k}"] = str(v.get("source", ""))
            elif isinstance(v, dict):
                walk(v, f"{prefix}{k}.")

    walk(_raw(), "")
    return out


@cache
def _defaults() -> MappingProxyType[str, float]:
    raw = _raw()
    flat: dict[str, float] = {}
    for section in ("atri_2024", "atri_reference_day", "prices", "operations", "hours_of_service"):
        for k, v in raw[section].items():
            flat[f"{section}.{k}"] = float(_value(v, f"{section}.{k}"))
    for section in ("trailers", "capital"):
        for k, v in raw[section].items():
            flat[f"{section}.{k}"] = float(_value(v, f"{section}.{k}"))
    return MappingProxyType(flat)


def defaults() -> MappingProxyType[str, float]:
    """Every sourced scalar default as ``section.key -> value`` (read-only)."""
    return _defaults()


def atri_miles_per_hour() -> float:
    """ATRI's ratio of miles to hours: cost per hour / cost per mile (about 40.2 mph)."""
    d = _defaults()
    return d["atri_2024.total_per_hour"] / d["atri_2024.total_per_mile"]


def default_driver_wage_per_h() -> float:
    """Driver wage per on-duty hour: ATRI wages per mile x ATRI's miles per hour."""
    return _defaults()["atri_2024.driver_wages_per_mile"] * atri_miles_per_hour()


def driver_benefits_loading() -> float:
    """Benefits on top of the wage: 1 + ATRI benefits / wages per mile."""
    d = _defaults()
    return 1.0 + d["atri_2024.driver_benefits_per_mile"] / d["atri_2024.driver_wages_per_mile"]


@dataclass(frozen=True, kw_only=True)
class TruckType:
    """One kind of tractor with the sourced parameters the planner and the cost model use.

    Energy use is linear in payload between the empty and the full figure (full = trailer
    capacity by mass), raised by ``cold_penalty_per_k`` per kelvin below ``reference_temp_c``.
    """

    key: str
    name: str
    powertrain: Literal["diesel", "electric"]
    driver: Literal["human", "none"]
    team: bool = False
    highway_only: bool = False
    drayage: str | None = None
    fuel_l_per_km_empty: float = 0.0
    fuel_l_per_km_full: float = 0.0
    energy_kwh_per_km_empty: float = 0.0
    energy_kwh_per_km_full: float = 0.0
    battery_usable_kwh: float = 0.0
    reserve_fraction: float = 0.0
    max_charge_kw: float = 0.0
    charging_efficiency: float = 1.0
    cold_penalty_per_k: float = 0.0
    reference_temp_c: float = 15.0
    repair_maintenance_per_km: float
    insurance_per_km: float
    permits_tires_tolls_per_km: float
    purchase_price: float
    lifetime_years: float
    residual_fraction: float
    supervision_per_h: float = 0.0
    sources: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.powertrain == "electric":
            if self.battery_usable_kwh <= 0 or self.max_charge_kw <= 0:
                raise ProblemError(self.key, "an electric truck needs a battery and charge power")
            if not 0 < self.charging_efficiency <= 1 or not 0 <= self.reserve_fraction < 1:
                raise ProblemError(self.key, "charging efficiency or reserve out of range")
        if self.driver == "none" and self.team:
            raise ProblemError(self.key, "a driverless truck cannot have a team")

    @property
    def electric(self) -> bool:
        return self.powertrain == "electric"

    @property
    def drivers_per_truck(self) -> int:
        return 0 if self.driver == "none" else (2 if self.team else 1)

    @property
    def usable_kwh(self) -> float:
        """Energy a trip may use from a full battery, keeping the reserve, kWh."""
        return self.battery_usable_kwh * (1.0 - self.reserve_fraction)

    def _temp_factor(self, ambient_temp_c: float) -> float:
        return 1.0 + self.cold_penalty_per_k * max(0.0, self.reference_temp_c - ambient_temp_c)

    def per_km(self, payload_fraction: float, ambient_temp_c: float) -> float:
        """Litres (diesel) or battery kWh (electric) per km at this load and temperature."""
        f = min(1.0, max(0.0, payload_fraction))
        if self.electric:
            base = self.energy_kwh_per_km_empty + f * (
                self.energy_kwh_per_km_full - self.energy_kwh_per_km_empty
            )
        else:
            base = self.fuel_l_per_km_empty + f * (
                self.fuel_l_per_km_full - self.fuel_l_per_km_empty
            )
        return base * self._temp_factor(ambient_temp_c)

    @property
    def distance_cost_per_km(self) -> float:
        """Repair and maintenance, insurance, permits, tyres and tolls per km."""
        return (
            self.repair_maintenance_per_km + self.insurance_per_km + self.permits_tires_tolls_per_km
        )

    def capital_per_day(self) -> float:
        """Tractor plus its trailer pool per operating day (annuity at the default rate)."""
        d = _defaults()
        rate = d["capital.interest_rate"]
        days = d["atri_reference_day.operating_days_per_year"]
        tractor = capital_cost_per_day(
            purchase_price=self.purchase_price,
            residual_fraction=self.residual_fraction,
            lifetime_years=self.lifetime_years,
            interest_rate=rate,
            operating_days_per_year=days,
        )
        trailer = capital_cost_per_day(
            purchase_price=d["trailers.purchase_price"],
            residual_fraction=d["trailers.residual_fraction"],
            lifetime_years=d["trailers.lifetime_years"],
            interest_rate=rate,
            operating_days_per_year=days,
        )
        return tractor + d["trailers.per_tractor"] * trailer


_PER_MILE = ("repair_maintenance", "insurance", "permits_tires_tolls")
_NUMBERS = (
    "fuel_l_per_km_empty",
    "fuel_l_per_km_full",
    "energy_kwh_per_km_empty",
    "energy_kwh_per_km_full",
    "battery_usable_kwh",
    "reserve_fraction",
    "max_charge_kw",
    "charging_efficiency",
    "cold_penalty_per_k",
    "reference_temp_c",
    "purchase_price",
    "lifetime_years",
    "residual_fraction",
    "supervision_per_h",
)


def _build(key: str, raw: dict[str, Any]) -> TruckType:
    entry = dict(raw[key])
    if "base" in entry:
        base = dict(raw[entry.pop("base")])
        base.update(entry)
        entry = base
    kw: dict[str, Any] = {"key": key}
    srcs: dict[str, str] = {}
    for name in ("name", "powertrain", "driver", "team", "highway_only", "drayage"):
        if name in entry:
            kw[name] = entry[name]
    for name in _NUMBERS:
        if name in entry:
            kw[name] = float(_value(entry[name], f"trucks.{key}.{name}"))
            srcs[name] = entry[name]["source"]
    for name in _PER_MILE:
        kw[f"{name}_per_km"] = float(_value(entry[f"{name}_per_mile"], name)) / KM_PER_MILE
        srcs[f"{name}_per_km"] = entry[f"{name}_per_mile"]["source"]
    return TruckType(**kw, sources=MappingProxyType(srcs))


@cache
def _types() -> MappingProxyType[str, TruckType]:
    raw = _raw()["trucks"]
    return MappingProxyType({k: _build(k, raw) for k in raw})


TRUCK_TYPES: MappingProxyType[str, TruckType] = _types()


def truck_type(name: str) -> TruckType:
    """The preset called ``name`` (``diesel``, ``diesel-team``, ``electric``, ``driverless-electric``)."""
    try:
        return TRUCK_TYPES[name]
    except KeyError:
        raise ProblemError(
            "truck_type", f"unknown truck type {name!r} (known: {', '.join(TRUCK_TYPES)})"
        ) from None
