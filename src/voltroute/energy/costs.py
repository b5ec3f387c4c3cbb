"""Money and CO2 of a route: fixed (capital), driver, energy and maintenance; tailpipe and grid CO2.

Energy is priced where it is bought: battery energy divided by the charging efficiency is the
energy drawn from the grid, at ``economics.electricity_per_kwh``; diesel at
``economics.diesel_per_l``. CO2 uses the same grid energy times the grid intensity, and diesel
litres times the tank-to-wheel factor.
"""

from __future__ import annotations

from dataclasses import dataclass

from voltroute.model import Economics, ElectricPowertrain, VehicleType

__all__ = [
    "CostBreakdown",
    "capital_cost_per_day",
    "capital_recovery_factor",
    "co2_kg",
    "grid_energy_kwh",
    "route_cost",
]


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Cost of one route in the problem's currency."""

    fixed: float = 0.0
    driver: float = 0.0
    energy: float = 0.0
    maintenance: float = 0.0

    @property
    def total(self) -> float:
        return self.fixed + self.driver + self.energy + self.maintenance

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        if not isinstance(other, CostBreakdown):
            return NotImplemented
        return CostBreakdown(
            self.fixed + other.fixed,
            self.driver + other.driver,
            self.energy + other.energy,
            self.maintenance + other.maintenance,
        )


def grid_energy_kwh(vehicle_type: VehicleType, battery_kwh: float) -> float:
    """Energy drawn from the grid to put ``battery_kwh`` back: divided by charging efficiency.

    Zero for a vehicle type that is not electric.
    """
    pt = vehicle_type.powertrain
    if not isinstance(pt, ElectricPowertrain):
        return 0.0
    return battery_kwh / pt.charging_efficiency


def route_cost(
    vehicle_type: VehicleType,
    economics: Economics,
    *,
    distance_m: float,
    duration_s: float,
    battery_kwh: float,
    fuel_l: float,
) -> CostBreakdown:
    """Cost of one route driven by ``vehicle_type``.

    fixed = ``fixed_cost_per_day`` (one day used); driver = ``driver_cost_per_hour`` × hours;
    maintenance = ``cost_per_km`` × km; energy = grid kWh × electricity price + litres × diesel
    price.
    """
    energy = (
        grid_energy_kwh(vehicle_type, battery_kwh) * economics.electricity_per_kwh
        + fuel_l * economics.diesel_per_l
    )
    return CostBreakdown(
        fixed=vehicle_type.fixed_cost_per_day,
        driver=vehicle_type.driver_cost_per_hour * duration_s / 3600.0,
        energy=energy,
        maintenance=vehicle_type.cost_per_km * distance_m / 1000.0,
    )


def co2_kg(
    vehicle_type: VehicleType, economics: Economics, *, battery_kwh: float, fuel_l: float
) -> float:
    """CO2 of the energy: grid kWh × grid intensity + diesel litres × tank-to-wheel factor."""
    return (
        grid_energy_kwh(vehicle_type, battery_kwh) * economics.grid_co2_kg_per_kwh
        + fuel_l * economics.diesel_co2_kg_per_l
    )


def capital_recovery_factor(interest_rate: float, years: float) -> float:
    """``i (1+i)^n / ((1+i)^n - 1)``: the annuity that repays 1 over ``years`` at ``interest_rate``.

    Tends to ``1/n`` as the rate goes to zero.
    """
    if years <= 0:
        raise ValueError(f"years must be positive, got {years}")
    if interest_rate < 0:
        raise ValueError(f"interest_rate must not be negative, got {interest_rate}")
    if interest_rate == 0:
        return 1.0 / years
    growth = (1.0 + interest_rate) ** years
    return interest_rate * growth / (growth - 1.0)


def capital_cost_per_day(
    *,
    purchase_price: float,
    residual_fraction: float,
    lifetime_years: float,
    interest_rate: float,
    operating_days_per_year: float,
) -> float:
    """Capital cost per operating day: an annuity on the price net of the discounted resale value.

    ``annual = (P - R P / (1+i)^n) × CRF(i, n)``, ``per day = annual / operating days``.
    """
    if purchase_price < 0:
        raise ValueError(f"purchase_price must not be negative, got {purchase_price}")
    if not 0 <= residual_fraction <= 1:
        raise ValueError(f"residual_fraction must be in [0, 1], got {residual_fraction}")
    if operating_days_per_year <= 0:
        raise ValueError(f"operating_days_per_year must be positive, got {operating_days_per_year}")
    crf = capital_recovery_factor(interest_rate, lifetime_years)
    residual_pv = residual_fraction * purchase_price / (1.0 + interest_rate) ** lifetime_years
    return (purchase_price - residual_pv) * crf / operating_days_per_year
