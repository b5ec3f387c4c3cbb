"""Immutable, validated problem data.

Every quantity is SI and says its unit in its name: metres (``_m``), seconds (``_s``), kilograms
(``_kg``), cubic metres (``_m3``), kilowatt-hours (``_kwh``), watts (``_w``). Money is in the
problem's ``economics.currency`` (USD by default); ``cost_per_km`` and ``cost_per_hour`` are the
only per-unit money fields whose names carry a non-SI unit, because that is how fleets quote them.

Times are seconds from the start of the planning day (00:00 local time of the depot), so a window
of 08:00-12:00 is ``[28800, 43200]``.

Objects check themselves at construction and refuse bad input with a message that names the field
and the rule (see :func:`voltroute.model.errors.format_validation_error`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from voltroute.model.aerial import DroneFleet, RobotFleet
from voltroute.model.base import Fraction, Frozen, Identifier, NonNegFloat, PosFloat
from voltroute.model.errors import ProblemError

DAY_S = 86_400


class Location(Frozen):
    """A point: geographic (``lat``/``lon`` in degrees, WGS84) or planar (``x``/``y`` in metres).

    Planar coordinates exist for benchmark instances (VRPLIB) whose coordinates are abstract.
    """

    lat: float | None = Field(default=None, ge=-90, le=90, description="latitude, degrees WGS84")
    lon: float | None = Field(default=None, ge=-180, le=180, description="longitude, degrees WGS84")
    x: float | None = Field(default=None, allow_inf_nan=False, description="planar x, metres")
    y: float | None = Field(default=None, allow_inf_nan=False, description="planar y, metres")

    @model_validator(mode="after")
    def _one_pair(self) -> Location:
        geo = self.lat is not None or self.lon is not None
        planar = self.x is not None or self.y is not None
        if geo and planar:
            raise ValueError("give either lat/lon or x/y, not both")
        if geo and (self.lat is None or self.lon is None):
            raise ValueError("lat and lon must both be given")
        if planar and (self.x is None or self.y is None):
            raise ValueError("x and y must both be given")
        if not geo and not planar:
            raise ValueError("a location needs lat/lon (degrees) or x/y (metres)")
        return self

    @property
    def is_geographic(self) -> bool:
        return self.lat is not None

    @property
    def xy(self) -> tuple[float, float]:
        """(x, y): (lon, lat) for geographic points, (x, y) for planar ones."""
        if self.lat is not None:
            return (float(self.lon), float(self.lat))  # type: ignore[arg-type]
        return (float(self.x), float(self.y))  # type: ignore[arg-type]


class TimeWindow(Frozen):
    """Service may start at any time in ``[start_s, end_s]`` (seconds from the start of the day)."""

    start_s: int = Field(ge=0)
    end_s: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end_s < self.start_s:
            raise ValueError(f"end_s ({self.end_s}) must not be before start_s ({self.start_s})")
        return self


class Parcel(Frozen):
    """One parcel to deliver."""

    id: Identifier
    weight_kg: NonNegFloat = Field(description="mass, kg")
    volume_m3: NonNegFloat = Field(description="volume, cubic metres")
    drone_ok: bool = Field(
        default=True, description="may fly (False: hazardous, fragile, signature required, ...)"
    )
    robot_ok: bool = Field(default=True, description="may ride in a sidewalk robot")


class Depot(Frozen):
    """Where vans load and start and end their routes."""

    id: Identifier
    location: Location
    name: str = ""
    open_s: int = Field(default=0, ge=0, description="opening time, s from start of day")
    close_s: int | None = Field(
        default=None, ge=0, description="closing time, s from start of day; None: never closes"
    )

    @model_validator(mode="after")
    def _hours(self) -> Depot:
        if self.close_s is not None and self.close_s < self.open_s:
            raise ValueError(f"close_s ({self.close_s}) must not be before open_s ({self.open_s})")
        return self


class Stop(Frozen):
    """A delivery address with one or more parcels, visited once by one vehicle."""

    id: Identifier
    location: Location
    parcels: tuple[Parcel, ...] = Field(min_length=1)
    service_time_s: int = Field(default=0, ge=0, description="time at the address, s")
    time_window: TimeWindow | None = Field(
        default=None, description="when service may start; None means any time in the shift"
    )
    required: bool = Field(
        default=True,
        description="a required stop must be served; an optional one may be left unassigned "
        "at the cost of unserved_penalty",
    )
    unserved_penalty: NonNegFloat | None = Field(
        default=None,
        description="cost of leaving an optional stop unserved, in the problem's currency; "
        "None uses economics.unserved_penalty_per_parcel times the parcel count",
    )
    address: str = ""
    vehicle_types: tuple[Identifier, ...] | None = Field(
        default=None, description="ids of the vehicle types allowed to serve it; None means all"
    )
    drone_opt_in: bool = Field(default=True, description="the customer accepts delivery by drone")
    no_fly: bool = Field(
        default=False, description="the address lies where drones may not fly or lower parcels"
    )
    robot_access: bool = Field(
        default=True, description="a sidewalk robot can reach the door (no stairs, gates, ...)"
    )

    @model_validator(mode="after")
    def _unique_parcels(self) -> Stop:
        _check_unique((p.id for p in self.parcels), "parcels", "parcel id")
        return self

    @property
    def weight_kg(self) -> float:
        return float(sum(p.weight_kg for p in self.parcels))

    @property
    def volume_m3(self) -> float:
        return float(sum(p.volume_m3 for p in self.parcels))


class ElectricPowertrain(Frozen):
    """Battery-electric drive. Parameters of the physics model in :mod:`voltroute.energy`."""

    kind: Literal["electric"] = "electric"
    battery_usable_kwh: PosFloat = Field(description="usable battery energy at 20 °C, kWh")
    reserve_fraction: Fraction = Field(
        default=0.1, description="state of charge the route must never go below, share of usable"
    )
    drivetrain_efficiency: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.88, description="battery to wheel"
    )
    regen_efficiency: Fraction = Field(
        default=0.6, description="share of braking energy returned to the battery"
    )
    charging_efficiency: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9, description="grid to battery"
    )
    aux_power_w: NonNegFloat = Field(default=800.0, description="electronics, lights etc., W")
    heating_w_per_k: NonNegFloat = Field(
        default=150.0, description="cabin heating per kelvin below 18 °C, W/K"
    )
    cooling_w_per_k: NonNegFloat = Field(
        default=120.0, description="cabin cooling per kelvin above 24 °C, W/K"
    )
    hvac_max_w: NonNegFloat = Field(default=5000.0, description="HVAC power cap, W")
    aux_on_at_stops: bool = Field(
        default=True,
        description="whether auxiliaries and HVAC keep running while parked at a stop or waiting; "
        "False for fleets that power the van down (then only standby_power_w is drawn)",
    )
    standby_power_w: NonNegFloat = Field(
        default=100.0, description="draw while powered down at a stop (telematics, locks), W"
    )
    max_charge_kw: PosFloat = Field(
        default=50.0, description="highest charging power the vehicle accepts (DC), kW"
    )
    charge_taper: tuple[tuple[float, float], ...] = Field(
        default=((0.0, 1.0), (0.8, 0.45), (0.9, 0.2)),
        description="constant-current/constant-voltage shape: (state-of-charge share from "
        "which it applies, share of the available power); power is constant within a band, so "
        "state of charge rises piecewise-linearly with time",
    )
    fixed_kwh_per_km: NonNegFloat | None = Field(
        default=None,
        description="consumption proportional to distance, kWh/km, replacing the physics "
        "model (for literature instances); None uses the physics model",
    )

    @model_validator(mode="after")
    def _taper(self) -> ElectricPowertrain:
        socs = [s for s, _ in self.charge_taper]
        if not socs or socs[0] != 0.0:
            raise ValueError("charge_taper must start at state of charge 0.0")
        if any(b <= a for a, b in zip(socs, socs[1:], strict=False)) or socs[-1] >= 1.0:
            raise ValueError("charge_taper states of charge must increase and stay below 1.0")
        if any(not 0.0 < f <= 1.0 for _, f in self.charge_taper):
            raise ValueError("charge_taper power shares must be in (0, 1]")
        return self


class DieselPowertrain(Frozen):
    """Diesel drive. Parameters of the physics model in :mod:`voltroute.energy`."""

    kind: Literal["diesel"] = "diesel"
    engine_efficiency: Annotated[float, Field(gt=0, le=0.6)] = Field(
        default=0.3, description="fuel to crankshaft, average over the cycle"
    )
    drivetrain_efficiency: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.9, description="crankshaft to wheel"
    )
    idle_fuel_l_per_h: NonNegFloat = Field(
        default=0.8, description="fuel burnt while stopped with the engine on, L/h"
    )
    engine_on_at_stops: bool = Field(
        default=False, description="whether the engine idles during service time"
    )
    aux_power_w: NonNegFloat = Field(default=600.0, description="accessory load on engine, W")
    tank_l: PosFloat = Field(default=100.0, description="usable fuel tank, litres")


Powertrain = Annotated[ElectricPowertrain | DieselPowertrain, Field(discriminator="kind")]


class Body(Frozen):
    """The physical vehicle the energy model moves."""

    empty_mass_kg: PosFloat = Field(description="curb mass with driver, kg")
    drag_area_m2: NonNegFloat = Field(description="drag coefficient times frontal area, m²")
    rolling_resistance: Annotated[float, Field(ge=0, le=0.05)] = Field(
        default=0.009, description="rolling resistance coefficient, dimensionless"
    )


class VehicleType(Frozen):
    """A kind of vehicle and how many of it are available for the day."""

    id: Identifier
    name: str = ""
    preset: str | None = Field(default=None, description="catalogue preset it was built from")
    count: int = Field(default=1, ge=1, description="vehicles of this type available")
    capacity_kg: NonNegFloat = Field(description="payload, kg")
    capacity_m3: NonNegFloat = Field(description="cargo volume, cubic metres")
    start_depot: Identifier
    end_depot: Identifier | None = Field(default=None, description="None: same as start_depot")
    shift_start_s: int = Field(default=0, ge=0, description="earliest departure, s")
    shift_end_s: int | None = Field(
        default=None, ge=0, description="latest return, s; None: no limit"
    )
    max_shift_duration_s: int | None = Field(
        default=None, ge=0, description="longest route duration, s; None: unlimited"
    )
    max_distance_m: float | None = Field(
        default=None, ge=0, description="longest route distance, m; None: unlimited"
    )
    fixed_cost_per_day: NonNegFloat = Field(
        default=0.0, description="vehicle capital and fixed costs per day used, currency"
    )
    driver_cost_per_hour: NonNegFloat = Field(
        default=0.0, description="wage and benefits per hour of route duration, currency"
    )
    cost_per_km: NonNegFloat = Field(
        default=0.0,
        description="distance cost excluding energy (maintenance, tyres), currency per km",
    )
    body: Body | None = Field(default=None, description="None: no energy accounting")
    powertrain: Powertrain | None = Field(default=None, description="None: no energy accounting")

    @model_validator(mode="after")
    def _consistent(self) -> VehicleType:
        if self.shift_end_s is not None and self.shift_end_s < self.shift_start_s:
            raise ValueError(
                f"shift_end_s ({self.shift_end_s}) must not be before shift_start_s "
                f"({self.shift_start_s})"
            )
        fixed = isinstance(self.powertrain, ElectricPowertrain) and (
            self.powertrain.fixed_kwh_per_km is not None
        )
        if self.body is not None and self.powertrain is None:
            raise ValueError("a body needs a powertrain")
        if self.powertrain is not None and self.body is None and not fixed:
            raise ValueError("a powertrain needs a body (unless fixed_kwh_per_km is given)")
        return self

    @property
    def end_depot_id(self) -> str:
        return self.end_depot or self.start_depot

    @property
    def is_electric(self) -> bool:
        return isinstance(self.powertrain, ElectricPowertrain)

    @property
    def is_diesel(self) -> bool:
        return isinstance(self.powertrain, DieselPowertrain)


class ChargingStation(Frozen):
    """A place where electric vehicles charge on the way (public fast charger, hub charger)."""

    id: Identifier
    location: Location
    name: str = ""
    power_kw: PosFloat = Field(default=50.0, description="power of each connector, kW")
    connectors: int = Field(default=1, ge=1, description="vehicles that can charge at once")
    connect_s: int = Field(
        default=0,
        ge=0,
        description="time per visit to park, authenticate and plug in and out, s (on top of "
        "the charging time); 0 for the literature's instances",
    )
    price_per_kwh: NonNegFloat | None = Field(
        default=None, description="energy price here; None: economics.electricity_per_kwh"
    )
    open_s: int = Field(default=0, ge=0, description="opening time, s from start of day")
    close_s: int | None = Field(default=None, ge=0, description="closing time; None: never")


class Conditions(Frozen):
    """The day's conditions that change energy use."""

    ambient_temp_c: float = Field(default=20.0, ge=-50, le=55, description="outside air, °C")


class Economics(Frozen):
    """Prices and emission factors. Defaults are US figures; sources in docs/energy.md."""

    currency: str = Field(default="USD", min_length=3, max_length=3)
    # EIA, Electric Power Monthly, table 5.6.A: US average commercial price 2024, 12.7 ¢/kWh.
    electricity_per_kwh: NonNegFloat = Field(default=0.127, description="grid energy price")
    # EIA, Gasoline and Diesel Fuel Update: US on-highway diesel, 2024 average ≈ $3.76/gal.
    diesel_per_l: NonNegFloat = Field(default=0.99, description="diesel price per litre")
    # EPA, Greenhouse Gas Emissions from a Typical Passenger Vehicle: 10,180 g CO2 per gallon.
    diesel_co2_kg_per_l: NonNegFloat = Field(default=2.69, description="tank-to-wheel CO2")
    # EPA eGRID2022: US average output emission rate 823.1 lb/MWh (0.373 kg/kWh at the
    # generator), divided by (1 - 5 %) grid gross loss to give CO2 per kWh delivered to the depot.
    grid_co2_kg_per_kwh: NonNegFloat = Field(
        default=0.393, description="CO2 per kWh delivered from the grid (combustion only)"
    )
    unserved_penalty_per_parcel: NonNegFloat = Field(
        default=50.0,
        description="cost of not delivering a parcel of an optional stop today "
        "(re-delivery and service failure)",
    )


class Travel(Frozen):
    """How travel distance and time between locations are obtained.

    ``haversine``: great-circle distance times ``circuity``, driven at ``speed_kph``.
    ``euclidean``: planar distance (benchmark instances), rounded per ``rounding``; time equals
    distance divided by ``speed_kph`` unless ``duration_equals_distance``.
    ``matrix``: explicit matrices in :class:`Matrices` (e.g. from OpenStreetMap roads).
    """

    model: Literal["haversine", "euclidean", "matrix"] = "haversine"
    circuity: float = Field(default=1.35, ge=1, le=5, description="road / great-circle distance")
    speed_kph: PosFloat = Field(default=30.0, description="average driving speed, km/h")
    rounding: Literal["none", "round", "trunc", "dimacs", "exact"] = "none"
    duration_equals_distance: bool = Field(
        default=False, description="benchmark convention: travel time equals distance"
    )
    source: str = Field(default="", description="where the matrices came from, for the record")


def _to_matrix(value: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"must be a square matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("must contain only finite numbers")
    if np.any(arr < 0):
        raise ValueError("must not contain negative values")
    arr.setflags(write=False)
    return arr


SquareMatrix = Annotated[
    np.ndarray,
    PlainValidator(_to_matrix),
    PlainSerializer(lambda a: np.asarray(a).tolist(), when_used="always"),
    WithJsonSchema(
        {"type": "array", "items": {"type": "array", "items": {"type": "number", "minimum": 0}}}
    ),
]


class Matrices(Frozen):
    """Travel distance (m) and time (s) from row to column location.

    Locations are ordered depots first, then stops, then stations, each as the problem lists them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    distance_m: SquareMatrix
    duration_s: SquareMatrix

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Matrices)
            and np.array_equal(self.distance_m, other.distance_m)
            and np.array_equal(self.duration_s, other.duration_s)
        )

    __hash__ = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _same_shape(self) -> Matrices:
        if self.distance_m.shape != self.duration_s.shape:
            raise ValueError(
                f"distance_m {self.distance_m.shape} and duration_s {self.duration_s.shape} "
                "must have the same shape"
            )
        return self


class Problem(Frozen):
    """A day of deliveries: depots, stops, the fleet, and how travel, energy and cost work."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str = "problem"
    depots: tuple[Depot, ...] = Field(min_length=1)
    stops: tuple[Stop, ...] = Field(default=())
    vehicle_types: tuple[VehicleType, ...] = Field(min_length=1)
    travel: Travel = Field(default_factory=Travel)
    matrices: Matrices | None = Field(
        default=None, description="required when travel.model is 'matrix'"
    )
    conditions: Conditions = Field(default_factory=Conditions)
    economics: Economics = Field(default_factory=Economics)
    stations: tuple[ChargingStation, ...] = Field(
        default=(), description="charging stations for en-route charging"
    )
    charging: Literal["partial", "full"] = Field(
        default="partial",
        description="at a station, charge only what the route needs (partial) or to full",
    )
    drones: tuple[DroneFleet, ...] = Field(
        default=(), description="drone fleets at hubs or on vans (see voltroute.model.aerial)"
    )
    robots: tuple[RobotFleet, ...] = Field(
        default=(), description="sidewalk robot fleets at hubs or on vans"
    )

    @model_validator(mode="after")
    def _references(self) -> Problem:
        _check_unique((d.id for d in self.depots), "depots", "depot id")
        _check_unique((s.id for s in self.stops), "stops", "stop id")
        _check_unique((v.id for v in self.vehicle_types), "vehicle_types", "vehicle type id")
        _check_unique(
            [s.id for s in self.stops] + [c.id for c in self.stations],
            "stations",
            "id (stops and stations share route sequences, so their ids must differ)",
        )
        _check_unique(
            (p.id for s in self.stops for p in s.parcels), "stops", "parcel id (across stops)"
        )
        depot_ids = {d.id for d in self.depots}
        type_ids = {v.id for v in self.vehicle_types}
        _check_light_fleets(self, depot_ids, type_ids)
        for i, vt in enumerate(self.vehicle_types):
            for name, ref in (("start_depot", vt.start_depot), ("end_depot", vt.end_depot)):
                if ref is not None and ref not in depot_ids:
                    raise ProblemError(f"vehicle_types.{i}.{name}", f"unknown depot id {ref!r}")
        for i, stop in enumerate(self.stops):
            for ref in stop.vehicle_types or ():
                if ref not in type_ids:
                    raise ProblemError(f"stops.{i}.vehicle_types", f"unknown vehicle type {ref!r}")
        geo = {loc.is_geographic for loc in self.locations}
        if len(geo) > 1:
            raise ProblemError(
                "stops", "all locations must be geographic (lat/lon) or all planar (x/y)"
            )
        n = self.num_locations
        if self.travel.model == "matrix":
            if self.matrices is None:
                raise ProblemError("matrices", "required when travel.model is 'matrix'")
            if self.matrices.distance_m.shape != (n, n):
                raise ProblemError(
                    "matrices.distance_m",
                    f"must be {n}x{n} (depots, stops, stations), got "
                    f"{self.matrices.distance_m.shape}",
                )
        elif self.matrices is not None:
            raise ProblemError("matrices", "given, but travel.model is not 'matrix'")
        if self.travel.model == "haversine" and False in geo:
            raise ProblemError("travel.model", "haversine needs lat/lon locations")
        return self

    # ---- derived look-ups (cached; the object is immutable) ----
    @property
    def locations(self) -> tuple[Location, ...]:
        """All locations: depots first, then stops, then stations (the matrix order)."""
        return (
            tuple(d.location for d in self.depots)
            + tuple(s.location for s in self.stops)
            + tuple(c.location for c in self.stations)
        )

    @property
    def num_locations(self) -> int:
        return len(self.depots) + len(self.stops) + len(self.stations)

    @cached_property
    def station_index(self) -> dict[str, int]:
        """Station id to its matrix index (after depots and stops)."""
        base = len(self.depots) + len(self.stops)
        return {c.id: base + i for i, c in enumerate(self.stations)}

    @cached_property
    def station_by_id(self) -> dict[str, ChargingStation]:
        return {c.id: c for c in self.stations}

    @cached_property
    def depot_index(self) -> dict[str, int]:
        """Depot id to its matrix index."""
        return {d.id: i for i, d in enumerate(self.depots)}

    @cached_property
    def stop_index(self) -> dict[str, int]:
        """Stop id to its matrix index (after the depots)."""
        nd = len(self.depots)
        return {s.id: nd + i for i, s in enumerate(self.stops)}

    @cached_property
    def stop_by_id(self) -> dict[str, Stop]:
        return {s.id: s for s in self.stops}

    @cached_property
    def vehicle_type_by_id(self) -> dict[str, VehicleType]:
        return {v.id: v for v in self.vehicle_types}

    @property
    def light_fleets(self) -> tuple[DroneFleet | RobotFleet, ...]:
        """Drone fleets, then robot fleets."""
        return tuple(self.drones) + tuple(self.robots)

    @cached_property
    def light_fleet_by_id(self) -> dict[str, DroneFleet | RobotFleet]:
        return {f.id: f for f in self.light_fleets}

    @property
    def num_parcels(self) -> int:
        return sum(len(s.parcels) for s in self.stops)

    def stop_penalty(self, stop: Stop) -> float:
        """Cost of leaving ``stop`` unserved (only meaningful for optional stops)."""
        if stop.unserved_penalty is not None:
            return stop.unserved_penalty
        return self.economics.unserved_penalty_per_parcel * len(stop.parcels)


def _check_light_fleets(problem: Problem, depot_ids: set[str], type_ids: set[str]) -> None:
    _check_unique(
        [f.id for f in problem.drones] + [f.id for f in problem.robots],
        "drones",
        "fleet id (drone and robot fleets share one name space)",
    )
    for group, fleets in (("drones", problem.drones), ("robots", problem.robots)):
        for i, fleet in enumerate(fleets):
            if fleet.hub is not None and fleet.hub not in depot_ids:
                raise ProblemError(f"{group}.{i}.hub", f"unknown depot id {fleet.hub!r}")
            for ref in fleet.carried_by or ():
                if ref not in type_ids:
                    raise ProblemError(f"{group}.{i}.carried_by", f"unknown vehicle type {ref!r}")


def _check_unique(ids: Iterable[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ProblemError(field, f"duplicate {what} {i!r}")
        seen.add(i)


def vehicle_names(vehicle_type: VehicleType) -> Sequence[str]:
    """Names of the individual vehicles of a type: ``<type id>-1``, ``<type id>-2``, ..."""
    return [f"{vehicle_type.id}-{k + 1}" for k in range(vehicle_type.count)]
