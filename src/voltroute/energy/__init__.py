"""Energy, cost and CO2 of driving and parking delivery vans (imports only voltroute.model).

* :mod:`~voltroute.energy.physics`: battery kWh and diesel litres of a leg, a dwell, a km.
* :mod:`~voltroute.energy.costs`: route cost breakdown, grid energy, CO2, capital per day.
* :mod:`~voltroute.energy.catalogue`: sourced presets of common vans.

Equations, parameters and their sources: docs/energy.md.
"""

from voltroute.energy.catalogue import (
    PRESETS,
    Preset,
    describe_sources,
    preset_fields,
    preset_names,
    vehicle_type_from_preset,
)
from voltroute.energy.charging_time import charge_time_s
from voltroute.energy.costs import (
    CostBreakdown,
    capital_cost_per_day,
    capital_recovery_factor,
    co2_kg,
    grid_energy_kwh,
    route_cost,
)
from voltroute.energy.physics import (
    DIESEL_LHV_J_PER_L,
    LegEnergy,
    air_density_kg_m3,
    dwell_energy,
    energy_per_km,
    hvac_power_w,
    leg_energy,
    leg_energy_array,
    usable_battery_kwh,
)

__all__ = [
    "DIESEL_LHV_J_PER_L",
    "PRESETS",
    "CostBreakdown",
    "LegEnergy",
    "Preset",
    "air_density_kg_m3",
    "capital_cost_per_day",
    "capital_recovery_factor",
    "charge_time_s",
    "co2_kg",
    "describe_sources",
    "dwell_energy",
    "energy_per_km",
    "grid_energy_kwh",
    "hvac_power_w",
    "leg_energy",
    "leg_energy_array",
    "preset_fields",
    "preset_names",
    "route_cost",
    "usable_battery_kwh",
    "vehicle_type_from_preset",
]
