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
    start_s: float | None = Field(
        default=None,
        ge=0,
        description="when the van plugs in, s from start of day: it waits at the station until "
        "then, e.g. for a free connector; None: on arrival (or when the station opens)",
    )


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


class SortieStep(Frozen):
    """One event of a drone flight or robot trip. Times in s from the start of the day."""

    kind: Literal["launch", "deliver", "recover"]
    id: Identifier = Field(description="depot or stop id where it happens")
    start_s: float
    end_s: float
    wait_s: float = Field(
        default=0.0, description="waiting before it (a drone hovers, a robot stands), s"
    )
    energy_wh: float = Field(default=0.0, description="battery energy used so far, Wh")
    distance_m: float = Field(default=0.0, description="distance travelled so far, m")


class Sortie(Frozen):
    """One drone flight or robot trip serving one stop: launched from a van or hub, recovered by
    the same van at a later point of its route (or at a depot) or by its hub.

    ``launch_at``/``recover_at`` name a depot id or a stop id of ``vehicle``'s route. For
    van-based units ``vehicle`` is the carrying van; for hub-based units it is None. The solver
    may give ``launch_s``, the earliest the launch may begin; the checker schedules every event
    from the problem, the van routes and this field alone, and fills ``steps`` and ``kpis``.
    """

    kind: Literal["drone", "robot"]
    fleet: Identifier = Field(description="id of the drone or robot fleet")
    unit: Identifier = Field(description="unit name, '<fleet>-<k>' (per hub, or per van)")
    vehicle: Identifier | None = Field(default=None, description="carrying van, if any")
    stop: Identifier = Field(description="the stop it serves (all of its parcels)")
    launch_at: Identifier
    recover_at: Identifier
    launch_s: float | None = Field(
        default=None, allow_inf_nan=False, description="earliest launch start, s; None: ASAP"
    )
    steps: tuple[SortieStep, ...] = ()
    kpis: dict[str, Any] = Field(default_factory=dict)


class Solution(Frozen):
    """The plan for a problem."""

    problem: str = Field(default="", description="name of the problem it solves")
    routes: tuple[Route, ...] = ()
    unassigned: tuple[Unassigned, ...] = ()
    sorties: tuple[Sortie, ...] = Field(
        default=(), description="drone flights and robot trips, each serving one stop"
    )
    kpis: dict[str, Any] = Field(default_factory=dict)
    solver: dict[str, Any] = Field(
        default_factory=dict, description="engine, seed, runtime_s, iterations, ..."
    )
