"""Middle-mile planning: trucks between fulfilment centres, sort centres and delivery stations.

Diesel and battery-electric tractors with drivers (US hours of service), and driverless electric
tractors on the highway between transfer hubs with human-driven drayage at both ends. A MILP
(HiGHS) plans small networks exactly, a heuristic larger ones; docs/linehaul.md.

>>> from voltroute.linehaul import example_network, plan
>>> p = plan(example_network(), truck_type="driverless-electric", time_limit_s=10)  # doctest: +SKIP
>>> p.kpis["cost_per_parcel"], p.kpis["co2_per_parcel_kg"]                            # doctest: +SKIP
>>> net = read_network("my-network.json")             # or LinehaulNetwork.from_json(text)  # doctest: +SKIP
>>> demo_section("out/linehaul")["rows"]              # one row per truck type   # doctest: +SKIP
"""

from voltroute.linehaul.check import check_plan
from voltroute.linehaul.compare import (
    COMPARE_TYPES,
    compare_truck_types,
    demo_section,
    summary_row,
)
from voltroute.linehaul.examples import example_network
from voltroute.linehaul.hos import Activity, HosRules, check_duty, drive_schedule
from voltroute.linehaul.model import Flow, Hub, LinehaulNetwork, network_from_dict, read_network
from voltroute.linehaul.plan import (
    ChargeSession,
    Duty,
    LinehaulPlan,
    PlannedTrip,
    Tractor,
    UnservedFlow,
    plan,
)
from voltroute.linehaul.trucks import TRUCK_TYPES, TruckType, truck_type

__all__ = [
    "COMPARE_TYPES",
    "TRUCK_TYPES",
    "Activity",
    "ChargeSession",
    "Duty",
    "Flow",
    "HosRules",
    "Hub",
    "LinehaulNetwork",
    "LinehaulPlan",
    "PlannedTrip",
    "Tractor",
    "TruckType",
    "UnservedFlow",
    "check_duty",
    "check_plan",
    "compare_truck_types",
    "demo_section",
    "drive_schedule",
    "example_network",
    "network_from_dict",
    "plan",
    "read_network",
    "summary_row",
    "truck_type",
]
