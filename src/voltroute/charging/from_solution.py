"""Build the overnight charging problem from a planned day.

Each electric route's van arrives at the depot at its last step's arrival time with that step's
``soc_kwh``, and leaves the next morning at its vehicle type's ``shift_start_s + 86400`` needing
the next route's energy plus the reserve (``reserve_fraction`` of the usable battery at the day's
temperature). ``next_day_energy="same"`` assumes tomorrow's route uses what today's did
(``route.kpis["energy_kwh"]``); a number gives the same kWh for every van, a mapping gives it per
vehicle name. Vans without a route today are not in the problem (they are still charged).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

from voltroute.charging.model import (
    ChargerGroup,
    ChargingVehicle,
    DepotChargingProblem,
    Site,
    Tariff,
    TariffPeriod,
)
from voltroute.energy.physics import usable_battery_kwh
from voltroute.model.errors import ProblemError
from voltroute.model.problem import DAY_S, ElectricPowertrain, Problem
from voltroute.model.solution import Solution

#: Example US commercial time-of-use tariff (illustrative values, not a utility's schedule):
#: on-peak 16:00-21:00 as in California's commercial TOU periods, a super-off-peak night,
#: and a demand charge of 15 USD/kW-month (within the 8-22 USD/kW-month commercial range
#: reported for Pacific Northwest schedules) prorated over 30 days. See docs/charging.md.
EXAMPLE_TARIFF = Tariff(
    periods=(
        TariffPeriod(start_s=0, end_s=6 * 3600, price_per_kwh=0.10),
        TariffPeriod(start_s=6 * 3600, end_s=16 * 3600, price_per_kwh=0.16),
        TariffPeriod(start_s=16 * 3600, end_s=21 * 3600, price_per_kwh=0.32),
        TariffPeriod(start_s=21 * 3600, end_s=24 * 3600, price_per_kwh=0.16),
    ),
    demand_charge_per_kw=15.0 / 30.0,
    currency="USD",
)

#: A common commercial Level 2 AC charger (SAE J1772 maximum: 80 A at 240 V).
AC_CHARGER_KW = 19.2


def from_solution(
    problem: Problem,
    solution: Solution,
    *,
    next_day_energy: Literal["same"] | float | Mapping[str, float] = "same",
    chargers: Sequence[ChargerGroup] | None = None,
    chargers_per_van: float = 1.0,
    charger_power_kw: float = AC_CHARGER_KW,
    vehicle_max_charge_kw: float | None = None,
    site_limit_kw: float | None = None,
    site_limit_fraction: float = 0.6,
    tariff: Tariff | None = None,
    slot_s: int = 900,
    preemption: bool = True,
) -> DepotChargingProblem:
    """The overnight charging problem for the electric vans of ``solution`` (annotated routes).

    Defaults: ``ceil(chargers_per_van x vans)`` chargers of ``charger_power_kw``; the vans
    accept ``vehicle_max_charge_kw`` (default: the charger power); the site limit is
    ``site_limit_fraction`` of the chargers' total rating; :data:`EXAMPLE_TARIFF`.
    ``preemption=False``: each van charges in one contiguous session (see
    :class:`~voltroute.charging.model.DepotChargingProblem`).
    """
    temp = problem.conditions.ambient_temp_c
    vehicles: list[ChargingVehicle] = []
    for i, route in enumerate(solution.routes):
        vt = problem.vehicle_type_by_id.get(route.vehicle_type)
        if vt is None:
            raise ProblemError(f"routes.{i}.vehicle_type", f"unknown {route.vehicle_type!r}")
        pt = vt.powertrain
        if not isinstance(pt, ElectricPowertrain):
            continue
        if not route.steps or route.steps[-1].soc_kwh is None:
            raise ProblemError(
                f"routes.{i}.steps",
                "needs the annotated schedule with soc_kwh (use a planned "
                "solution, e.g. from 'voltroute solve')",
            )
        usable = usable_battery_kwh(pt, temp)
        if next_day_energy == "same":
            if "energy_kwh" not in route.kpis:
                raise ProblemError(f"routes.{i}.kpis", "needs energy_kwh")
            need = float(route.kpis["energy_kwh"])
        elif isinstance(next_day_energy, Mapping):
            if route.vehicle not in next_day_energy:
                raise ProblemError("next_day_energy", f"no energy for vehicle {route.vehicle!r}")
            need = float(next_day_energy[route.vehicle])
        else:
            need = float(next_day_energy)
        required = min(usable, need + pt.reserve_fraction * usable)
        last = route.steps[-1]
        arrival_soc = float(last.soc_kwh or 0.0)
        vehicles.append(
            ChargingVehicle(
                id=route.vehicle,
                arrival_s=int(math.ceil(last.arrival_s)),
                departure_s=vt.shift_start_s + DAY_S,
                arrival_soc_kwh=min(usable, max(0.0, arrival_soc)),
                required_soc_kwh=required,
                battery_kwh=usable,
                max_charge_kw=vehicle_max_charge_kw or charger_power_kw,
                charging_efficiency=pt.charging_efficiency,
            )
        )
    if not vehicles:
        raise ProblemError("solution", "has no electric route to charge for")
    groups = (
        tuple(chargers)
        if chargers
        else (
            ChargerGroup(
                id="ac",
                count=max(1, math.ceil(chargers_per_van * len(vehicles))),
                power_kw=charger_power_kw,
            ),
        )
    )
    rating = sum(g.count * g.power_kw for g in groups)
    start = min(v.arrival_s for v in vehicles) // slot_s * slot_s
    end = -(-max(v.departure_s for v in vehicles) // slot_s) * slot_s
    return DepotChargingProblem(
        name=f"{problem.name}-charging",
        slot_s=slot_s,
        start_s=start,
        end_s=end,
        site=Site(power_limit_kw=site_limit_kw or site_limit_fraction * rating, chargers=groups),
        tariff=tariff or EXAMPLE_TARIFF,
        vehicles=tuple(vehicles),
        preemption=preemption,
    )
