"""The IEEE WCCI-2020 (CEC) EVRP competition instances and their solution line.

Header fields: ``VEHICLES`` (the minimum number of routes), ``DIMENSION`` (depot plus customers),
``STATIONS``, ``CAPACITY``, ``ENERGY_CAPACITY``, ``ENERGY_CONSUMPTION`` (per unit of distance),
``EDGE_WEIGHT_FORMAT: EUC_2D``; sections ``NODE_COORD_SECTION`` (customers, then stations),
``DEMAND_SECTION``, ``STATIONS_COORD_SECTION`` (station node ids), ``DEPOT_SECTION``. Mapping:

* distance is Euclidean, unrounded; there is no time, so travel time equals distance and nothing
  constrains it;
* consumption is exactly ``ENERGY_CONSUMPTION`` per unit of distance
  (``fixed_kwh_per_km = 1000 h``) from a battery of ``ENERGY_CAPACITY`` with no reserve;
* stations recharge **to full, instantly** (the competition's rule): ``charging="full"`` and a
  practically unlimited charging power;
* ids are the file's node numbers as strings; the fleet is unbounded (``VEHICLES`` is only the
  lower bound on routes).

A solution is one line of node ids, the depot starting and ending every route:
``1 5 23 7 1 9 4 1``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from pydantic import ValidationError

from voltroute.io.evrptw import ABSTRACT_ECONOMICS, literature_ev, routes_between_depots
from voltroute.model import (
    ChargingStation,
    Depot,
    Location,
    Parcel,
    Problem,
    ProblemError,
    Solution,
    Stop,
    Travel,
    as_problem_error,
)

INSTANT_KW = 1e12  # "instant" full recharge, as the competition assumes


def is_evrp(text: str) -> bool:
    head = text[:2000].upper()
    return "ENERGY_CAPACITY" in head and "STATIONS" in head


def read_evrp(path: str | os.PathLike[str]) -> Problem:
    """Read a CEC-2020 ``.evrp`` instance as a :class:`Problem`."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ProblemError(str(p), "file not found") from None
    header: dict[str, str] = {}
    coords: dict[int, tuple[float, float]] = {}
    demand: dict[int, float] = {}
    stations: list[int] = []
    depots: list[int] = []
    section = ""
    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("SECTION"):
            section = line
            continue
        if ":" in line and not section:
            key, _, value = line.partition(":")
            header[key.strip().upper()] = value.strip()
            continue
        parts = line.split()
        try:
            if section == "NODE_COORD_SECTION":
                coords[int(parts[0])] = (float(parts[1]), float(parts[2]))
            elif section == "DEMAND_SECTION":
                demand[int(parts[0])] = float(parts[1])
            elif section == "STATIONS_COORD_SECTION":
                stations.append(int(parts[0]))
            elif section == "DEPOT_SECTION" and int(parts[0]) != -1:
                depots.append(int(parts[0]))
        except (ValueError, IndexError):
            raise ProblemError(
                f"line {n}", f"cannot read {section or 'header'} entry {line!r}"
            ) from None
    for key in ("DIMENSION", "CAPACITY", "ENERGY_CAPACITY", "ENERGY_CONSUMPTION"):
        if key not in header:
            raise ProblemError(key, "missing from the header")
    if len(depots) != 1:
        raise ProblemError("DEPOT_SECTION", f"expected one depot, found {len(depots)}")
    depot = depots[0]
    dim = int(header["DIMENSION"])
    customers = [i for i in range(1, dim + 1) if i != depot]
    missing = [i for i in [depot, *customers, *stations] if i not in coords]
    if missing:
        raise ProblemError("NODE_COORD_SECTION", f"no coordinates for node {missing[0]}")
    try:
        stops = tuple(
            Stop(
                id=str(i),
                location=Location(x=coords[i][0], y=coords[i][1]),
                parcels=(Parcel(id=f"p{i}", weight_kg=demand.get(i, 0.0), volume_m3=0.0),),
            )
            for i in customers
        )
        vt = literature_ev(
            name="EVRP vehicle",
            count=len(customers),
            capacity=float(header["CAPACITY"]),
            depot=str(depot),
            battery=float(header["ENERGY_CAPACITY"]),
            consumption_per_unit=float(header["ENERGY_CONSUMPTION"]),
            max_charge_kw=INSTANT_KW,
        )
        return Problem(
            name=p.stem,
            depots=(
                Depot(id=str(depot), location=Location(x=coords[depot][0], y=coords[depot][1])),
            ),
            stops=stops,
            stations=tuple(
                ChargingStation(
                    id=str(i),
                    location=Location(x=coords[i][0], y=coords[i][1]),
                    power_kw=INSTANT_KW,
                    connectors=10**6,
                )  # fmt: skip
                for i in stations
            ),
            vehicle_types=(vt,),
            travel=Travel(model="euclidean", rounding="none", duration_equals_distance=True),
            economics=ABSTRACT_ECONOMICS,
            charging="full",
        )
    except ValidationError as exc:
        raise as_problem_error(exc) from None


def min_routes(path: str | os.PathLike[str]) -> int | None:
    """The ``VEHICLES`` header: the least number of routes (capacity bound)."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.upper().startswith("VEHICLES"):
            return int(math.floor(float(line.split(":")[1])))
    return None


def solution_to_evrp_line(solution: Solution, problem: Problem) -> str:
    """One line of node ids, the depot starting and ending every route."""
    depot = problem.depots[0].id
    out = [depot]
    for r in solution.routes:
        out += [*r.stops, depot]
    return " ".join(out)


def read_evrp_line(text: str, problem: Problem) -> Solution:
    """Parse a solution line (node ids; the depot separates routes)."""
    return routes_between_depots(text.split(), problem, "solution")
