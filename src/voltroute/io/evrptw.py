"""The E-VRPTW instances of Schneider, Stenger and Goeke (2014) and their route strings.

An instance lists the depot (``d``), recharging stations (``f``) and customers (``c``) with planar
coordinates, demand, time window and service time, then the vehicle: battery ``Q``, load
capacity ``C``, consumption ``r`` per unit of distance, inverse recharging rate ``g`` (time per
unit of energy) and speed ``v``. Mapping (units are the instance's, read as SI):

* distance is Euclidean, unrounded (metres); travel time is distance / ``v`` (seconds);
* the vehicle consumes exactly ``r`` per unit of distance (``fixed_kwh_per_km = 1000 r``) and
  charges linearly at ``1/g`` energy per unit of time at every station
  (``power_kw = 3600 / g``, no taper), from a battery of ``Q`` with no reserve;
* demand becomes kilograms; the fleet is unbounded (one vehicle per customer);
* the problem charges partially (only what each route needs), the literature's E-VRPTW-PR.

Best-known routes come as ``D0;S5;C12;…;D0;D0;C20;…;D0`` (a route ends where the next begins).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import ValidationError

from voltroute.model import (
    ChargingStation,
    Depot,
    Economics,
    ElectricPowertrain,
    Location,
    Parcel,
    Problem,
    ProblemError,
    Route,
    Solution,
    Stop,
    TimeWindow,
    Travel,
    VehicleType,
    as_problem_error,
)

_PARAM = re.compile(r"^\s*(\w)\s.*?/\s*([-+0-9.eE]+)\s*/\s*$")


ABSTRACT_ECONOMICS = Economics(currency="XXX", electricity_per_kwh=0.0, grid_co2_kg_per_kwh=0.0)
"""Literature instances: costs are abstract units (ISO 4217 "no currency"), no energy price/CO2."""


def literature_ev(
    *,
    name: str,
    count: int,
    capacity: float,
    depot: str,
    battery: float,
    consumption_per_unit: float,
    max_charge_kw: float,
    **shift: int | None,
) -> VehicleType:
    """The literature's electric vehicle: cost = distance, energy = ``consumption_per_unit`` per
    unit of distance from ``battery`` with no reserve, lossless linear charging."""
    return VehicleType(
        id="ev",
        name=name,
        count=max(count, 1),
        capacity_kg=capacity,
        capacity_m3=0.0,
        start_depot=depot,
        cost_per_km=1000.0,  # cost = distance
        powertrain=ElectricPowertrain(
            battery_usable_kwh=battery,
            reserve_fraction=0.0,
            charging_efficiency=1.0,
            max_charge_kw=max_charge_kw,
            charge_taper=((0.0, 1.0),),
            fixed_kwh_per_km=1000.0 * consumption_per_unit,
        ),
        **shift,  # type: ignore[arg-type]
    )


def is_evrptw(text: str) -> bool:
    return text.lstrip().startswith("StringID") and "/" in text


def _time(value: float, field: str) -> int:
    if abs(value - round(value)) > 1e-9:
        raise ProblemError(field, f"time {value} is not a whole number of time units")
    return int(round(value))


def read_evrptw(path: str | os.PathLike[str]) -> Problem:
    """Read a Schneider et al. E-VRPTW instance file as a :class:`Problem`."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ProblemError(str(p), "file not found") from None
    rows: list[list[str]] = []
    params: dict[str, float] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("StringID"):
            continue
        m = _PARAM.match(line)
        if m:
            params[m.group(1)] = float(m.group(2))
            continue
        parts = line.split()
        if len(parts) != 8:
            raise ProblemError(f"line {n}", f"expected 8 columns, got {len(parts)}")
        rows.append(parts)
    for key in "QCrgv":
        if key not in params:
            raise ProblemError(f"{key} parameter", "missing from the instance")
    depots, stations, stops = [], [], []
    try:
        for sid, kind, x, y, demand, ready, due, service in rows:
            loc = Location(x=float(x), y=float(y))
            if kind == "d":
                depots.append(
                    Depot(id=sid, location=loc, open_s=_time(float(ready), sid),
                          close_s=_time(float(due), sid))
                )  # fmt: skip
            elif kind == "f":
                stations.append(
                    ChargingStation(
                        id=sid, location=loc, power_kw=3600.0 / params["g"], connectors=10**6
                    )
                )
            elif kind == "c":
                stops.append(
                    Stop(
                        id=sid,
                        location=loc,
                        parcels=(Parcel(id=f"p{sid}", weight_kg=float(demand), volume_m3=0.0),),
                        service_time_s=_time(float(service), sid),
                        time_window=TimeWindow(
                            start_s=_time(float(ready), sid), end_s=_time(float(due), sid)
                        ),
                    )
                )
            else:
                raise ProblemError(sid, f"unknown location type {kind!r} (expected d, f or c)")
        if len(depots) != 1:
            raise ProblemError("depots", f"expected one depot, found {len(depots)}")
        depot = depots[0]
        vt = literature_ev(
            name="E-VRPTW vehicle",
            count=len(stops),
            capacity=params["C"],
            depot=depot.id,
            battery=params["Q"],
            consumption_per_unit=params["r"],
            max_charge_kw=1e12,
            shift_start_s=depot.open_s,
            shift_end_s=depot.close_s,
        )
        return Problem(
            name=p.stem,
            depots=tuple(depots),
            stops=tuple(stops),
            stations=tuple(stations),
            vehicle_types=(vt,),
            travel=Travel(model="euclidean", rounding="none", speed_kph=3.6 * params["v"]),
            economics=ABSTRACT_ECONOMICS,
            charging="partial",
        )
    except ValidationError as exc:
        raise as_problem_error(exc) from None


def routes_between_depots(tokens: list[str], problem: Problem, field: str) -> Solution:
    """Routes from a sequence of location ids in which the depot separates routes.

    Used by both literature formats: ``D0;C1;S1;D0;D0;C2;D0`` and ``1 2 5 1 4 1``.
    """
    depot = problem.depots[0].id
    vt = problem.vehicle_types[0]
    routes: list[Route] = []
    current: list[str] = []
    for tok in tokens:
        if tok == depot:
            if current:
                routes.append(
                    Route(
                        vehicle=f"{vt.id}-{len(routes) + 1}",
                        vehicle_type=vt.id,
                        stops=tuple(current),
                    )
                )
            current = []
        elif tok in problem.stop_by_id or tok in problem.station_by_id:
            current.append(tok)
        else:
            raise ProblemError(field, f"unknown location {tok!r}")
    if current:
        raise ProblemError(field, "the last route does not end at the depot")
    return Solution(problem=problem.name, routes=tuple(routes))


def routes_from_configuration(configuration: str, problem: Problem) -> Solution:
    """Parse a ``D0;S5;C12;…;D0;D0;…;D0`` route string (as in ``bks-evrptwpr.csv``)."""
    tokens = [t.strip() for t in configuration.strip().split(";") if t.strip()]
    return routes_between_depots(tokens, problem, "configuration")


def solution_to_configuration(solution: Solution, problem: Problem) -> str:
    """Write routes as ``D0;…;D0;D0;…;D0``, the format of ``bks-evrptwpr.csv``."""
    depot = problem.depots[0].id
    return ";".join(";".join([depot, *r.stops, depot]) for r in solution.routes)
