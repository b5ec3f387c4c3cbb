"""Depot charging plan: when to charge which electric van overnight, at least cost (HiGHS MILP).

>>> plan = plan_depot_charging(problem, time_limit_s=10)      # doctest: +SKIP
>>> plan.total_cost, plan.peak_kw, plan.baseline.total_cost    # doctest: +SKIP
"""

from voltroute.charging.check import check_charging_plan
from voltroute.charging.from_solution import EXAMPLE_TARIFF, from_solution
from voltroute.charging.greedy import greedy_charging
from voltroute.charging.milp import plan_depot_charging
from voltroute.charging.model import (
    ChargerGroup,
    ChargingVehicle,
    DepotChargingPlan,
    DepotChargingProblem,
    Site,
    TaperPoint,
    Tariff,
    TariffPeriod,
    VehicleChargingProfile,
    charging_problem_from_dict,
)

__all__ = [
    "EXAMPLE_TARIFF",
    "ChargerGroup",
    "ChargingVehicle",
    "DepotChargingPlan",
    "DepotChargingProblem",
    "Site",
    "TaperPoint",
    "Tariff",
    "TariffPeriod",
    "VehicleChargingProfile",
    "charging_problem_from_dict",
    "check_charging_plan",
    "from_solution",
    "greedy_charging",
    "plan_depot_charging",
]
