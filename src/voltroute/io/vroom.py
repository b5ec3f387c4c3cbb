"""VROOM's JSON input (problems) and output (solutions).

Input mapping (details and the list of refused keys in ``docs/formats.md``, section VROOM):

* each vehicle becomes one vehicle type with ``count`` 1 and ``id`` = the vehicle id as a string;
* depots are the distinct ``start``/``end`` points of the vehicles (``location_index`` when a
  custom matrix is given), ids ``depot1``, ``depot2``, ... in order of first appearance;
* each job becomes one stop (id = the job id as a string) with one parcel ``p<id>``;
* amounts: component 0 is kilograms, component 1 (if any) litres (converted to m³);
* ``skills`` become each stop's allowed vehicle types; ``priority`` is ignored;
* a custom ``matrices``/``matrix`` becomes ``Travel(model="matrix")``, otherwise haversine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np
from pydantic import ValidationError

from voltroute.model import (
    Depot,
    Location,
    Matrices,
    Parcel,
    Problem,
    ProblemError,
    Solution,
    Stop,
    TimeWindow,
    Travel,
    VehicleType,
    as_problem_error,
)

LITRES_PER_M3 = 1000.0
"""Amount component 1 is in litres (VROOM amounts are integers, so litres rather than m³)."""

_REFUSED_VEHICLE_KEYS = {
    "breaks": "breaks are not supported yet",
    "steps": "fixed route steps are not supported yet",
    "max_tasks": "a maximum number of tasks is not supported yet",
    "max_travel_time": "a maximum travel time is not supported yet",
}


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def is_vroom_input(obj: Any) -> bool:
    """Whether parsed JSON looks like a VROOM problem: an object with ``vehicles`` and ``jobs``
    (or ``shipments``, which :func:`problem_from_vroom` then refuses with a clear message)."""
    return (
        isinstance(obj, Mapping)
        and isinstance(obj.get("vehicles"), list)
        and ("jobs" in obj or "shipments" in obj)
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _uint(value: Any, field: str) -> int:
    if not _is_number(value) or value < 0 or int(value) != value:
        raise ProblemError(field, f"must be a non-negative integer, got {value!r}")
    return int(value)


def _coords(value: Any, field: str) -> Location:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(_is_number(v) for v in value)
    ):
        raise ProblemError(field, f"must be [lon, lat] in degrees, got {value!r}")
    lon, lat = float(value[0]), float(value[1])
    if not -180 <= lon <= 180:
        raise ProblemError(field, f"longitude {lon} is outside [-180, 180] (order is [lon, lat])")
    if not -90 <= lat <= 90:
        raise ProblemError(field, f"latitude {lat} is outside [-90, 90] (order is [lon, lat])")
    return Location(lat=lat, lon=lon)


def _amount(value: Any, field: str) -> list[int]:
    if not isinstance(value, list):
        raise ProblemError(field, f"must be an array of non-negative integers, got {value!r}")
    out = [_uint(v, f"{field}.{k}") for k, v in enumerate(value)]
    if len(out) > 2:
        raise ProblemError(field, f"has {len(out)} components; at most 2 (kg, litres) supported")
    return out


def _window(value: Any, field: str) -> tuple[int, int]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ProblemError(field, f"must be [start, end] in seconds, got {value!r}")
    start = _uint(value[0], f"{field}.0")
    end = _uint(value[1], f"{field}.1")
    if end < start:
        raise ProblemError(field, f"end ({end}) must not be before start ({start})")
    return start, end


def _skills(value: Any, field: str) -> frozenset[int]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise ProblemError(field, "must be an array of integers")
    return frozenset(_uint(v, f"{field}.{k}") for k, v in enumerate(value))


class _Dims:
    """Checks that every amount array in the input has the same number of components."""

    def __init__(self) -> None:
        self.size: int | None = None
        self.where = ""

    def check(self, amount: list[int], field: str) -> None:
        if self.size is None:
            self.size, self.where = len(amount), field
        elif len(amount) != self.size:
            raise ProblemError(
                field, f"has {len(amount)} components but {self.where} has {self.size}"
            )


def _kg_m3(amount: list[int]) -> tuple[float, float]:
    kg = float(amount[0]) if amount else 0.0
    m3 = float(amount[1]) / LITRES_PER_M3 if len(amount) > 1 else 0.0
    return kg, m3


def _place(
    obj: Mapping[str, Any], coord_key: str, index_key: str, field: str, matrix: bool
) -> tuple[Location, int | None] | None:
    """The location (and matrix index) of a job or vehicle end; None if neither is given."""
    has_coord = obj.get(coord_key) is not None
    has_index = obj.get(index_key) is not None
    if not has_coord and not has_index:
        return None
    if not has_coord:
        raise ProblemError(
            f"{field}.{coord_key}",
            "is required: voltroute needs [lon, lat] coordinates even with a custom matrix",
        )
    loc = _coords(obj[coord_key], f"{field}.{coord_key}")
    index = None
    if matrix:
        if not has_index:
            raise ProblemError(f"{field}.{index_key}", "is required with a custom matrix")
        index = _uint(obj[index_key], f"{field}.{index_key}")
    return loc, index


def _matrix(value: Any, field: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ProblemError(field, "must be a square array of non-negative numbers") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ProblemError(field, f"must be a square array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ProblemError(field, "must contain only finite non-negative numbers")
    return arr


def _custom_matrices(
    obj: Mapping[str, Any], profile: str
) -> tuple[np.ndarray, np.ndarray | None, str] | None:
    """(durations, distances or None, field name) from ``matrices`` or legacy ``matrix``."""
    if obj.get("matrices") is not None:
        mats = obj["matrices"]
        if not isinstance(mats, Mapping):
            raise ProblemError("matrices", "must be an object {profile: {durations, distances}}")
        if profile not in mats:
            raise ProblemError(
                f"matrices.{profile}", f"is required: the vehicles use profile {profile!r}"
            )
        entry = mats[profile]
        field = f"matrices.{profile}"
        if not isinstance(entry, Mapping):
            raise ProblemError(field, "must be an object {durations, distances}")
        if entry.get("costs") is not None:
            raise ProblemError(f"{field}.costs", "custom cost matrices are not supported yet")
        if entry.get("durations") is None:
            raise ProblemError(f"{field}.durations", "is required")
        durations = _matrix(entry["durations"], f"{field}.durations")
        distances = None
        if entry.get("distances") is not None:
            distances = _matrix(entry["distances"], f"{field}.distances")
            if distances.shape != durations.shape:
                raise ProblemError(
                    f"{field}.distances",
                    f"shape {distances.shape} differs from durations {durations.shape}",
                )
        return durations, distances, field
    if obj.get("matrix") is not None:
        return _matrix(obj["matrix"], "matrix"), None, "matrix"
    return None


def problem_from_vroom(
    obj: Mapping[str, Any],
    *,
    default_preset_fields: Mapping[str, Any] | None = None,
    name: str = "vroom",
) -> Problem:
    """Build a Problem from parsed VROOM input JSON.

    ``default_preset_fields``: vehicle-type fields VROOM does not describe (e.g. a catalogue
    preset's ``body``, ``powertrain``, ``capacity_m3``, costs); they apply to every vehicle and
    whatever the VROOM vehicle itself gives (capacity, time window, costs, ...) overrides them.
    Every refusal is a one-line :class:`ProblemError` naming the field (``jobs.3.time_windows``).
    """
    if not isinstance(obj, Mapping):
        raise ProblemError("vroom", "input must be a JSON object")
    if obj.get("shipments"):
        raise ProblemError("shipments", "not supported yet")
    jobs = obj.get("jobs", [])
    vehicles = obj.get("vehicles")
    if not isinstance(jobs, list):
        raise ProblemError("jobs", "must be an array")
    if not isinstance(vehicles, list) or not vehicles:
        raise ProblemError("vehicles", "must be a non-empty array")

    # Routing profile and custom matrices.
    profiles: list[str] = []
    for i, v in enumerate(vehicles):
        if not isinstance(v, Mapping):
            raise ProblemError(f"vehicles.{i}", "must be an object")
        profile = v.get("profile", "car")
        if not isinstance(profile, str):
            raise ProblemError(f"vehicles.{i}.profile", "must be a string")
        if profiles and profile != profiles[0]:
            raise ProblemError(
                f"vehicles.{i}.profile",
                f"all vehicles must share one routing profile ({profiles[0]!r} vs {profile!r})",
            )
        profiles.append(profile)
    custom = _custom_matrices(obj, profiles[0])
    matrix = custom is not None
    dims = _Dims()

    # Vehicles and depots.
    depots: list[Depot] = []
    depot_key: dict[Any, str] = {}
    depot_matrix_index: list[int | None] = []

    def depot_for(place: tuple[Location, int | None]) -> str:
        loc, index = place
        key = index if matrix else (loc.lon, loc.lat)
        if key not in depot_key:
            depot_key[key] = f"depot{len(depots) + 1}"
            depots.append(Depot(id=depot_key[key], location=loc))
            depot_matrix_index.append(index)
        return depot_key[key]

    vehicle_rows: list[dict[str, Any]] = []
    vehicle_skills: list[tuple[str, frozenset[int]]] = []
    seen_vehicles: set[int] = set()
    for i, v in enumerate(vehicles):
        f = f"vehicles.{i}"
        vid = _uint(v.get("id"), f"{f}.id")
        if vid in seen_vehicles:
            raise ProblemError(f"{f}.id", f"duplicate vehicle id {vid}")
        seen_vehicles.add(vid)
        for key, why in _REFUSED_VEHICLE_KEYS.items():
            if v.get(key):
                raise ProblemError(f"{f}.{key}", why)
        speed = v.get("speed_factor", 1)
        if not _is_number(speed) or speed != 1:
            raise ProblemError(f"{f}.speed_factor", "only 1 is supported yet")
        start = _place(v, "start", "start_index", f, matrix)
        end = _place(v, "end", "end_index", f, matrix)
        if start is None:
            raise ProblemError(f"{f}.start", "is required (routes must start at a depot)")
        if end is None:
            raise ProblemError(f"{f}.end", "is required (open routes are not supported yet)")
        row: dict[str, Any] = {"id": str(vid), "count": 1}
        row["start_depot"] = depot_for(start)
        end_id = depot_for(end)
        if end_id != row["start_depot"]:
            row["end_depot"] = end_id
        if isinstance(v.get("description"), str) and v["description"]:
            row["name"] = v["description"]
        if v.get("capacity") is not None:
            cap = _amount(v["capacity"], f"{f}.capacity")
            dims.check(cap, f"{f}.capacity")
            row["capacity_kg"], m3 = _kg_m3(cap)
            if len(cap) > 1:
                row["capacity_m3"] = m3
        if v.get("time_window") is not None:
            row["shift_start_s"], row["shift_end_s"] = _window(v["time_window"], f"{f}.time_window")
        if v.get("max_distance") is not None:
            row["max_distance_m"] = float(_uint(v["max_distance"], f"{f}.max_distance"))
        costs = v.get("costs")
        if costs is not None:
            if not isinstance(costs, Mapping):
                raise ProblemError(f"{f}.costs", "must be an object {fixed, per_hour, per_km}")
            for key, target in (
                ("fixed", "fixed_cost_per_day"),
                ("per_hour", "driver_cost_per_hour"),
                ("per_km", "cost_per_km"),
            ):
                if costs.get(key) is not None:
                    row[target] = float(_uint(costs[key], f"{f}.costs.{key}"))
        vehicle_rows.append(row)
        vehicle_skills.append((str(vid), _skills(v.get("skills"), f"{f}.skills")))

    # Jobs.
    stops: list[Stop] = []
    stop_matrix_index: list[int | None] = []
    seen_jobs: set[int] = set()
    for j, job in enumerate(jobs):
        f = f"jobs.{j}"
        if not isinstance(job, Mapping):
            raise ProblemError(f, "must be an object")
        jid = _uint(job.get("id"), f"{f}.id")
        if jid in seen_jobs:
            raise ProblemError(f"{f}.id", f"duplicate job id {jid}")
        seen_jobs.add(jid)
        place = _place(job, "location", "location_index", f, matrix)
        if place is None:
            raise ProblemError(f"{f}.location", "is required")
        if job.get("pickup") is not None:
            pickup = _amount(job["pickup"], f"{f}.pickup")
            dims.check(pickup, f"{f}.pickup")
            if any(pickup):
                raise ProblemError(f"{f}.pickup", "pickups are not supported yet")
        delivery: list[int] = []
        for key in ("delivery", "amount"):  # "amount" is VROOM's deprecated name
            if job.get(key) is not None:
                delivery = _amount(job[key], f"{f}.{key}")
                dims.check(delivery, f"{f}.{key}")
                break
        kg, m3 = _kg_m3(delivery)
        service = _uint(job.get("service", 0), f"{f}.service")
        service += _uint(job.get("setup", 0), f"{f}.setup")
        window = None
        tws = job.get("time_windows")
        if tws is not None:
            if not isinstance(tws, list):
                raise ProblemError(f"{f}.time_windows", "must be an array of [start, end]")
            if len(tws) > 1:
                raise ProblemError(f"{f}.time_windows", "only one time window per job is supported")
            if tws:
                tw_start, tw_end = _window(tws[0], f"{f}.time_windows.0")
                window = TimeWindow(start_s=tw_start, end_s=tw_end)
        skills = _skills(job.get("skills"), f"{f}.skills")
        allowed = tuple(vid for vid, have in vehicle_skills if skills <= have)
        description = job.get("description")
        try:
            stops.append(
                Stop(
                    id=str(jid),
                    location=place[0],
                    parcels=(Parcel(id=f"p{jid}", weight_kg=kg, volume_m3=m3),),
                    service_time_s=service,
                    time_window=window,
                    vehicle_types=None if len(allowed) == len(vehicle_skills) else allowed,
                    address=description if isinstance(description, str) else "",
                )
            )
        except ValidationError as exc:
            raise as_problem_error(exc, f) from None
        stop_matrix_index.append(place[1])

    # Vehicles without capacity: VROOM requires capacity when jobs carry amounts.
    for i, row in enumerate(vehicle_rows):
        if "capacity_kg" not in row and dims.size:
            raise ProblemError(f"vehicles.{i}.capacity", f"is required: {dims.where} has amounts")

    # VROOM's "no time window" means unbounded, as does None in our model.

    vehicle_types = []
    for i, row in enumerate(vehicle_rows):
        fields: dict[str, Any] = {"capacity_kg": 0.0, "capacity_m3": 0.0}
        fields.update(default_preset_fields or {})
        fields.update(row)
        try:
            vehicle_types.append(VehicleType.model_validate(fields))
        except ValidationError as exc:
            raise as_problem_error(exc, f"vehicles.{i}") from None

    travel = Travel()
    matrices = None
    if custom is not None:
        durations, distances, field = custom
        index = [int(i) for i in depot_matrix_index + stop_matrix_index if i is not None]
        size = durations.shape[0]
        for k, idx in enumerate(index):
            if idx >= size:
                where = f"depot {depots[k].id}" if k < len(depots) else f"jobs.{k - len(depots)}"
                raise ProblemError(
                    f"{field}.durations", f"has {size} rows but {where} uses location_index {idx}"
                )
        ix = np.ix_(np.asarray(index), np.asarray(index))
        source = f"VROOM input {field}"
        if distances is None:
            distances = durations * (travel.speed_kph / 3.6)
            source += f" (durations only; distances estimated at {travel.speed_kph:g} km/h)"
        matrices = Matrices(distance_m=distances[ix], duration_s=durations[ix])
        travel = Travel(model="matrix", source=source)

    try:
        return Problem(
            name=name,
            depots=tuple(depots),
            stops=tuple(stops),
            vehicle_types=tuple(vehicle_types),
            travel=travel,
            matrices=matrices,
        )
    except ValidationError as exc:
        raise as_problem_error(exc) from None


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

_INT_ID = re.compile(r"^(0|[1-9][0-9]*)$")


def vroom_id(identifier: str) -> int | str:
    """An id as VROOM writes it: the original integer for ids that were integers ("17" → 17)."""
    return int(identifier) if _INT_ID.match(identifier) else identifier


def _lonlat(loc: Location) -> list[float] | None:
    return [float(loc.lon), float(loc.lat)] if loc.is_geographic else None  # type: ignore[arg-type]


def _int(x: float) -> int:
    return int(round(x))


def _cost_total(value: Any) -> float | None:
    """A route's cost KPI: a number, or the checker's breakdown ``{..., "total": x}``."""
    if isinstance(value, Mapping):
        value = value.get("total")
    return float(value) if _is_number(value) else None


def solution_to_vroom(
    solution: Solution,
    problem: Problem,
    *,
    computing_times_ms: Mapping[str, float] | float | None = None,
) -> dict[str, Any]:
    """The solution in VROOM's output shape (``code``, ``summary``, ``unassigned``, ``routes``).

    Needs the routes' schedules (``steps``, as the solver or the checker fills them). Times are
    integer seconds, distances integer metres, amounts ``[kg]`` or ``[kg, litres]`` (two
    components when the problem has volumes). Ids that were integers come back as integers.
    ``computing_times_ms``: ``{loading, solving, routing}`` or the solving time alone; default
    ``solver["runtime_s"]``.
    """
    two_dims = any(vt.capacity_m3 > 0 for vt in problem.vehicle_types) or any(
        p.volume_m3 > 0 for s in problem.stops for p in s.parcels
    )

    def amount(kg: float, m3: float) -> list[int]:
        return [_int(kg), _int(m3 * LITRES_PER_M3)] if two_dims else [_int(kg)]

    zero = amount(0.0, 0.0)
    routes_out = []
    totals = {"cost": 0, "service": 0, "duration": 0, "waiting_time": 0, "distance": 0}
    total_kg = total_m3 = 0.0
    for r, route in enumerate(solution.routes):
        vt = problem.vehicle_type_by_id.get(route.vehicle_type)
        if vt is None:
            raise ProblemError(f"routes.{r}.vehicle_type", f"unknown {route.vehicle_type!r}")
        if not route.steps:
            raise ProblemError(
                f"routes.{r}.steps",
                "missing: VROOM output needs the schedule (evaluate the solution first)",
            )
        depot_start = problem.depots[problem.depot_index[vt.start_depot]]
        depot_end = problem.depots[problem.depot_index[vt.end_depot_id]]
        steps_out = []
        travel = service = waiting = 0.0
        prev_departure: float | None = None
        kg = m3 = 0.0
        for step in route.steps:
            if step.kind == "start":
                arrival = step.departure_s
                prev_departure = step.departure_s
            else:
                arrival = step.arrival_s
                if prev_departure is not None:
                    travel += max(0.0, step.arrival_s - prev_departure)
                prev_departure = step.departure_s
            entry: dict[str, Any] = {
                "type": {"start": "start", "stop": "job", "end": "end"}[step.kind]
            }
            if step.kind == "stop":
                stop = problem.stop_by_id.get(step.id)
                if stop is None:
                    raise ProblemError(f"routes.{r}.steps", f"unknown stop id {step.id!r}")
                loc = _lonlat(stop.location)
                step_service = max(0.0, step.departure_s - step.service_start_s)
                step_wait = step.wait_s
                service += step_service
                waiting += step_wait
                kg += stop.weight_kg
                m3 += stop.volume_m3
                if loc is not None:
                    entry["location"] = loc
                entry["id"] = vroom_id(stop.id)
                if stop.address:
                    entry["description"] = stop.address
                entry.update(
                    setup=0,
                    service=_int(step_service),
                    waiting_time=_int(step_wait),
                    job=vroom_id(stop.id),
                )
            else:
                loc = _lonlat((depot_start if step.kind == "start" else depot_end).location)
                if loc is not None:
                    entry["location"] = loc
                entry.update(setup=0, service=0, waiting_time=0)
            entry.update(
                load=amount(step.load_kg, step.load_m3),
                arrival=_int(arrival),
                duration=_int(travel),
                violations=[],
                distance=_int(step.distance_m),
            )
            steps_out.append(entry)
        distance = route.steps[-1].distance_m
        cost = _cost_total(route.kpis.get("cost"))
        if cost is None:  # VROOM's cost model on the vehicle type's cost fields
            cost = (
                vt.fixed_cost_per_day
                + vt.driver_cost_per_hour * travel / 3600
                + vt.cost_per_km * distance / 1000
            )
        route_out: dict[str, Any] = {
            "vehicle": vroom_id(vt.id) if vt.count == 1 else route.vehicle,
            "cost": _int(float(cost)),
        }
        if vt.name:
            route_out["description"] = vt.name
        route_out.update(
            delivery=amount(kg, m3),
            amount=amount(kg, m3),
            pickup=zero,
            setup=0,
            service=_int(service),
            duration=_int(travel),
            waiting_time=_int(waiting),
            priority=0,
            distance=_int(distance),
            steps=steps_out,
            violations=[],
        )
        routes_out.append(route_out)
        total_kg += kg
        total_m3 += m3
        for key in totals:
            totals[key] += route_out[key]

    unassigned = []
    for u in solution.unassigned:
        entry = {"id": vroom_id(u.stop)}
        stop = problem.stop_by_id.get(u.stop)
        if stop is not None and _lonlat(stop.location) is not None:
            entry["location"] = _lonlat(stop.location)
        entry["type"] = "job"
        if stop is not None and stop.address:
            entry["description"] = stop.address
        unassigned.append(entry)

    times = {"loading": 0, "solving": 0, "routing": 0}
    if computing_times_ms is None:
        times["solving"] = _int(float(solution.solver.get("runtime_s", 0) or 0) * 1000)
    elif isinstance(computing_times_ms, Mapping):
        times.update({k: _int(float(v)) for k, v in computing_times_ms.items()})
    else:
        times["solving"] = _int(float(computing_times_ms))

    summary = {
        "cost": totals["cost"],
        "routes": len(routes_out),
        "unassigned": len(unassigned),
        "delivery": amount(total_kg, total_m3),
        "amount": amount(total_kg, total_m3),
        "pickup": zero,
        "setup": 0,
        "service": totals["service"],
        "duration": totals["duration"],
        "waiting_time": totals["waiting_time"],
        "priority": 0,
        "distance": totals["distance"],
        "violations": [],
        "computing_times": times,
    }
    return {"code": 0, "summary": summary, "unassigned": unassigned, "routes": routes_out}


__all__ = [
    "LITRES_PER_M3",
    "is_vroom_input",
    "problem_from_vroom",
    "solution_to_vroom",
    "vroom_id",
]
