"""Solutions: routes with their schedule, unassigned stops with a reason, and KPIs.

The solver fills ``steps`` and ``kpis`` for convenience; the checker in
:mod:`voltroute.evaluate` recomputes both from the problem and the stop sequences alone.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from voltroute.model.problem import Frozen, Identifier

UnassignedReason = Literal[
    "capacity",  # no vehicle type can carry it
    "time_window",  # cannot be reached within its window / the shifts
    "energy",  # no electric vehicle can reach it and return within battery reserve
    "vehicle_type",  # no allowed vehicle type exists
    "not_profitable",  # optional stop whose penalty is below the cost of serving it
    "fleet_size",  # not enough vehicles for all stops
    "infeasible",  # the checker found its route infeasible and removed it
    "other",
]


class Step(Frozen):
    """One point of a route's schedule. Times in s from the start of the day."""

    kind: Literal["start", "stop", "charge", "end"]
    id: Identifier = Field(description="stop id, station id for charge, or depot id for start/end")
    arrival_s: float
    service_start_s: float
    departure_s: float
    wait_s: float = 0.0
    distance_m: float = Field(default=0.0, description="cumulative distance at arrival, m")
    load_kg: float = Field(default=0.0, description="payload on board after this step, kg")
    load_m3: float = Field(default=0.0, description="volume on board after this step, m³")
    soc_kwh: float | None = Field(
        default=None, description="battery energy after this step, kWh (electric only)"
    )
    fuel_used_l: float | None = Field(
        default=None, description="cumulative fuel after this step, L (diesel only)"
    )
    charged_kwh: float = Field(default=0.0, description="energy put into the battery here, kWh")
    charge_s: float = Field(default=0.0, description="time spent charging here, s")


class Charge(Frozen):
    """How much to charge at one station visit of a route (``position`` indexes ``stops``)."""

    position: int = Field(ge=0)
    energy_kwh: float = Field(ge=0, description="energy into the battery, kWh")


class Route(Frozen):
    """One vehicle's day: the stops it serves in order."""

    vehicle: Identifier = Field(description="vehicle name, e.g. 'edv-2'")
    vehicle_type: Identifier
    stops: tuple[Identifier, ...] = Field(
        min_length=1, description="stop ids, and station ids where it charges, in visiting order"
    )
    start_s: float | None = Field(
        default=None,
        description="departure time from the depot; None lets the checker choose "
        "the latest start that adds no waiting",
    )
    charges: tuple[Charge, ...] = Field(
        default=(),
        description="charge amounts at station visits; a visit not listed charges what the "
        "problem's charging policy says (partial: just enough to reach the next station or the "
        "depot with the reserve; full: to full)",
    )
    steps: tuple[Step, ...] = ()
    kpis: dict[str, Any] = Field(default_factory=dict)


class Unassigned(Frozen):
    """A stop the plan does not serve, with why."""

    stop: Identifier
    parcels: tuple[Identifier, ...] = ()
    reason: UnassignedReason
    detail: str = ""


class Solution(Frozen):
    """The plan for a problem."""

    problem: str = Field(default="", description="name of the problem it solves")
    routes: tuple[Route, ...] = ()
    unassigned: tuple[Unassigned, ...] = ()
    kpis: dict[str, Any] = Field(default_factory=dict)
    solver: dict[str, Any] = Field(
        default_factory=dict, description="engine, seed, runtime_s, iterations, ..."
    )
