"""Amazon Last Mile Routing Research Challenge (2021) routes as problems and actual solutions.

A data directory holds ``route_data.json`` (stations, stops, departure, van capacity),
``package_data.json`` (packages per stop: dimensions in cm, time window in UTC, planned service
seconds) and ``actual_sequences.json`` (the order the driver actually drove). Conventions
(details in ``docs/formats.md``, section Amazon LMRRC):

* **time**: every time is seconds from 00:00 **UTC** of the route's departure date (the data
  gives UTC only): shift start = departure time, package windows likewise;
* **volume**: depth × height × width, cm³ → m³;
* **weight** is not in the data; it is estimated from volume with the US parcel carriers'
  dimensional-weight divisor of 139 in³/lb, i.e. 199 kg/m³ (:data:`DENSITY_KG_PER_M3`);
* **service time** of a stop: the sum of its packages' planned service seconds;
* **time window** of a stop: the intersection of its packages' windows (packages without one
  impose none);
* one vehicle type ``van`` (count 1): ``executor_capacity_cm3`` as volume, weight capacity
  from the same density (so only volume binds), overridable with ``vehicle_type_fields``.
"""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from voltroute.model import (
    DAY_S,
    Depot,
    Location,
    Parcel,
    Problem,
    ProblemError,
    Route,
    Solution,
    Stop,
    TimeWindow,
    Travel,
    Unassigned,
    VehicleType,
    as_problem_error,
)

LB_KG = 0.45359237
IN3_M3 = 0.0254**3
DIM_DIVISOR_IN3_PER_LB = 139
DENSITY_KG_PER_M3 = LB_KG / (DIM_DIVISOR_IN3_PER_LB * IN3_M3)
"""≈ 199.1 kg/m³: one pound per 139 cubic inches, the dimensional-weight divisor UPS and FedEx
use for US domestic parcels; Amazon's data has no weights, so parcels weigh their billable
dimensional weight."""

ROUTE_FILE = "route_data.json"
PACKAGE_FILE = "package_data.json"
SEQUENCE_FILE = "actual_sequences.json"


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)  # the original data writes missing values as NaN, which json allows


def _load(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    try:
        data = _load_cached(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise ProblemError(str(path), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(str(path), f"cannot read file ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise ProblemError(str(path), f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise ProblemError(str(path), "must be a JSON object keyed by route id")
    return data


def list_routes(directory: str | os.PathLike[str]) -> list[str]:
    """Route ids in the directory's ``route_data.json``, in file order."""
    return list(_load(Path(directory), ROUTE_FILE))


def _missing(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and value.strip().lower() in ("", "nan", "null", "none"))
    )


def _seconds_since(origin: datetime, text: Any, field: str) -> int:
    try:
        moment = datetime.fromisoformat(str(text).strip()).replace(tzinfo=UTC)
    except ValueError:
        raise ProblemError(field, f"not a 'YYYY-MM-DD hh:mm:ss' UTC time: {text!r}") from None
    return round((moment - origin).total_seconds())


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProblemError(field, f"must be a number, got {value!r}")
    return float(value)


def import_route(
    directory: str | os.PathLike[str],
    route_id: str,
    *,
    vehicle_type_fields: dict[str, Any] | None = None,
) -> tuple[Problem, Solution]:
    """One LMRRC route as a Problem and the driver's actual sequence as its Solution.

    The solution has one route through every dropoff stop in the driver's order (station
    excluded), vehicle ``<type id>-1``, starting at the departure time, with no ``steps``
    (the checker recomputes the schedule).
    """
    directory = Path(directory)
    routes = _load(directory, ROUTE_FILE)
    if route_id not in routes:
        raise ProblemError("route", f"unknown route id {route_id!r}")
    route = routes[route_id]
    f = f"route_data.{route_id}"
    if not isinstance(route, dict) or not isinstance(route.get("stops"), dict):
        raise ProblemError(f"{f}.stops", "is required (an object keyed by stop id)")

    # Time origin: midnight UTC of the departure date.
    try:
        day = date.fromisoformat(str(route.get("date_YYYY_MM_DD")))
    except ValueError:
        raise ProblemError(f"{f}.date_YYYY_MM_DD", "must be a YYYY-MM-DD date") from None
    origin = datetime.combine(day, time(0), tzinfo=UTC)
    try:
        dep = time.fromisoformat(str(route.get("departure_time_utc")))
    except ValueError:
        raise ProblemError(f"{f}.departure_time_utc", "must be an hh:mm:ss time") from None
    departure_s = dep.hour * 3600 + dep.minute * 60 + dep.second

    capacity_cm3 = _number(route.get("executor_capacity_cm3"), f"{f}.executor_capacity_cm3")
    stations = [sid for sid, s in route["stops"].items() if s.get("type") == "Station"]
    if len(stations) != 1:
        raise ProblemError(f"{f}.stops", f"needs exactly one Station stop, found {len(stations)}")
    station_stop = stations[0]

    def location(sid: str) -> Location:
        s = route["stops"][sid]
        try:
            return Location(lat=s.get("lat"), lon=s.get("lng"))
        except ValidationError as exc:
            raise as_problem_error(exc, f"{f}.stops.{sid}") from None

    station_code = str(route.get("station_code") or station_stop)
    depot = Depot(
        id=station_code.replace(" ", "_"),
        location=location(station_stop),
        name=f"station {station_code} (stop {station_stop})",
    )

    packages = _load(directory, PACKAGE_FILE).get(route_id)
    if not isinstance(packages, dict):
        raise ProblemError(f"package_data.{route_id}", "is missing")

    stops: list[Stop] = []
    parcel_ids: set[str] = set()
    for sid in route["stops"]:
        if sid == station_stop:
            continue
        pk = packages.get(sid) or {}
        if not pk:  # a stop needs parcels; none of the published routes has such a stop
            continue
        pf = f"package_data.{route_id}.{sid}"
        parcels = []
        service = 0.0
        start, end = 0, None
        for pid, p in pk.items():
            dims = p.get("dimensions") or {}
            cm = [
                _number(dims.get(k), f"{pf}.{pid}.dimensions.{k}")
                for k in ("depth_cm", "height_cm", "width_cm")
            ]
            volume_m3 = cm[0] * cm[1] * cm[2] / 1e6
            # The data lists a few package ids at two stops; later ones get the stop appended.
            uid = pid if pid not in parcel_ids else f"{pid}@{sid}"
            parcel_ids.add(uid)
            parcels.append(
                Parcel(
                    id=uid,
                    weight_kg=round(volume_m3 * DENSITY_KG_PER_M3, 3),
                    volume_m3=volume_m3,
                )
            )
            st = p.get("planned_service_time_seconds")
            if not _missing(st):
                service += _number(st, f"{pf}.{pid}.planned_service_time_seconds")
            tw = p.get("time_window") or {}
            a, b = tw.get("start_time_utc"), tw.get("end_time_utc")
            if not _missing(a):
                start = max(start, _seconds_since(origin, a, f"{pf}.{pid}.time_window"))
            if not _missing(b):
                b_s = _seconds_since(origin, b, f"{pf}.{pid}.time_window")
                end = b_s if end is None else min(end, b_s)
        window = None
        if start > 0 or end is not None:
            end = 2 * DAY_S if end is None else max(end, 0)
            if end < start:
                raise ProblemError(f"{pf}", "its packages' time windows do not overlap")
            window = TimeWindow(start_s=start, end_s=end)
        try:
            stops.append(
                Stop(
                    id=sid,
                    location=location(sid),
                    parcels=tuple(parcels),
                    service_time_s=round(service),
                    time_window=window,
                )
            )
        except ValidationError as exc:
            raise as_problem_error(exc, pf) from None

    capacity_m3 = capacity_cm3 / 1e6
    fields: dict[str, Any] = {
        "id": "van",
        "name": f"Amazon delivery van ({capacity_m3:.2f} m³)",
        "count": 1,
        "capacity_m3": capacity_m3,
        "capacity_kg": round(capacity_m3 * DENSITY_KG_PER_M3, 1),
        "start_depot": depot.id,
        "shift_start_s": departure_s,
    }
    fields.update(vehicle_type_fields or {})
    try:
        vehicle_type = VehicleType.model_validate(fields)
    except ValidationError as exc:
        raise as_problem_error(exc, "vehicle_type_fields") from None

    try:
        problem = Problem(
            name=route_id,
            depots=(depot,),
            stops=tuple(stops),
            vehicle_types=(vehicle_type,),
            travel=Travel(),
        )
    except ValidationError as exc:
        raise as_problem_error(exc) from None

    # The driver's actual sequence.
    seqs = _load(directory, SEQUENCE_FILE).get(route_id)
    actual = seqs.get("actual") if isinstance(seqs, dict) else None
    if not isinstance(actual, dict):
        raise ProblemError(f"actual_sequences.{route_id}", "is missing")
    known = problem.stop_by_id
    order: list[tuple[float, str]] = []
    for sid, pos in actual.items():
        if sid == station_stop or sid not in known:
            if sid not in route["stops"]:
                raise ProblemError(
                    f"actual_sequences.{route_id}.{sid}", "is not a stop of the route"
                )
            continue
        order.append((_number(pos, f"actual_sequences.{route_id}.{sid}"), sid))
    order.sort()
    positions = [p for p, _ in order]
    if len(set(positions)) != len(positions):
        raise ProblemError(f"actual_sequences.{route_id}", "has repeated sequence numbers")
    visited = [sid for _, sid in order]
    seen = set(visited)
    unassigned = tuple(
        Unassigned(
            stop=s.id,
            parcels=tuple(p.id for p in s.parcels),
            reason="other",
            detail="not in the driver's actual sequence",
        )
        for s in stops
        if s.id not in seen
    )
    routes_out: tuple[Route, ...] = ()
    if visited:
        routes_out = (
            Route(
                vehicle=f"{vehicle_type.id}-1",
                vehicle_type=vehicle_type.id,
                stops=tuple(visited),
                start_s=float(vehicle_type.shift_start_s),
            ),
        )
    solution = Solution(
        problem=problem.name,
        routes=routes_out,
        unassigned=unassigned,
        solver={"source": "amazon-lmrrc actual sequence", "route_id": route_id},
    )
    return problem, solution


__all__ = ["DENSITY_KG_PER_M3", "import_route", "list_routes"]
