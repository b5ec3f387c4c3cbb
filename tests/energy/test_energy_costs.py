"""Cost, grid energy, CO2 and capital arithmetic, checked against hand computations."""

from __future__ import annotations

import pytest

from voltroute.energy import (
    CostBreakdown,
    capital_cost_per_day,
    capital_recovery_factor,
    co2_kg,
    grid_energy_kwh,
    route_cost,
)
from voltroute.model import Body, DieselPowertrain, Economics, ElectricPowertrain, VehicleType

ECON = Economics(
    electricity_per_kwh=0.20, diesel_per_l=1.50, grid_co2_kg_per_kwh=0.40, diesel_co2_kg_per_l=2.70
)


def vt(powertrain, **kw) -> VehicleType:
    fields = dict(
        id="v",
        capacity_kg=1000,
        capacity_m3=10,
        start_depot="d",
        fixed_cost_per_day=30.0,
        driver_cost_per_hour=25.0,
        cost_per_km=0.05,
        body=Body(empty_mass_kg=2500, drag_area_m2=1.5),
        powertrain=powertrain,
    )
    fields.update(kw)
    return VehicleType(**fields)


EV = vt(ElectricPowertrain(battery_usable_kwh=68, charging_efficiency=0.8))
DV = vt(DieselPowertrain())


def test_route_cost_electric_by_hand():
    c = route_cost(EV, ECON, distance_m=80_000, duration_s=8 * 3600, battery_kwh=24.0, fuel_l=0.0)
    assert c.fixed == pytest.approx(30.0)
    assert c.driver == pytest.approx(8 * 25.0)  # 200
    assert c.maintenance == pytest.approx(80 * 0.05)  # 4
    assert c.energy == pytest.approx(24.0 / 0.8 * 0.20)  # 30 kWh from the grid = 6.00
    assert c.total == pytest.approx(30 + 200 + 4 + 6)


def test_route_cost_diesel_by_hand():
    c = route_cost(DV, ECON, distance_m=50_000, duration_s=5400, battery_kwh=0.0, fuel_l=12.0)
    assert (c.fixed, c.driver, c.maintenance) == pytest.approx((30.0, 37.5, 2.5))
    assert c.energy == pytest.approx(18.0)
    assert c.total == pytest.approx(88.0)


def test_cost_breakdown_adds():
    a = CostBreakdown(1, 2, 3, 4)
    assert (a + a) == CostBreakdown(2, 4, 6, 8)
    assert (a + a).total == 20


def test_grid_energy_and_co2():
    assert grid_energy_kwh(EV, 40.0) == pytest.approx(50.0)
    assert grid_energy_kwh(DV, 40.0) == 0.0
    assert co2_kg(EV, ECON, battery_kwh=40.0, fuel_l=0.0) == pytest.approx(50.0 * 0.40)
    assert co2_kg(DV, ECON, battery_kwh=0.0, fuel_l=10.0) == pytest.approx(27.0)


def test_capital_recovery_factor_by_hand():
    # i = 7 %, n = 8: 0.07 * 1.07^8 / (1.07^8 - 1) = 0.167468
    assert capital_recovery_factor(0.07, 8) == pytest.approx(0.167468, abs=1e-6)
    assert capital_recovery_factor(0.0, 10) == pytest.approx(0.1)
    assert capital_recovery_factor(1e-9, 10) == pytest.approx(0.1, rel=1e-6)
    with pytest.raises(ValueError):
        capital_recovery_factor(0.05, 0)


def test_capital_cost_per_day_by_hand():
    # P = 50,000; resale 20 % after 8 years discounted at 7 %: 10,000 / 1.07^8 = 5,820.09
    # annual = (50,000 - 5,820.09) * 0.167468 = 7,398.71; per day over 260 days = 28.4566
    per_day = capital_cost_per_day(
        purchase_price=50_000,
        residual_fraction=0.2,
        lifetime_years=8,
        interest_rate=0.07,
        operating_days_per_year=260,
    )
    assert per_day == pytest.approx(28.4566, abs=1e-3)
    no_interest = capital_cost_per_day(
        purchase_price=50_000,
        residual_fraction=0.2,
        lifetime_years=8,
        interest_rate=0.0,
        operating_days_per_year=250,
    )
    assert no_interest == pytest.approx(40_000 / 8 / 250)


@pytest.mark.parametrize(
    "kw",
    [
        {"purchase_price": -1},
        {"residual_fraction": 1.5},
        {"operating_days_per_year": 0},
        {"lifetime_years": 0},
        {"interest_rate": -0.1},
    ],
)
def test_capital_cost_rejects_nonsense(kw):
    args = dict(
        purchase_price=1000,
        residual_fraction=0.1,
        lifetime_years=5,
        interest_rate=0.05,
        operating_days_per_year=250,
    )
    args.update(kw)
    with pytest.raises(ValueError):
        capital_cost_per_day(**args)
