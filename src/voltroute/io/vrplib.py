"""VRPLIB benchmark instances (CVRP, VRPTW, HFVRP) and CVRPLIB solution files.

Parsing is done by the ``vrplib`` package; this module maps the parsed data onto a
:class:`~voltroute.model.Problem` that corresponds one to one to what ``pyvrp.read(path,
round_func=...)`` builds from the same file (see ``docs/formats.md``, section VRPLIB):

* locations in file order (depots first, then clients), planar ``x``/``y`` as in the file;
* ``Travel(model="euclidean", rounding=<round_func>, duration_equals_distance=True)``;
* time windows, service durations, maximum distances and durations, fixed vehicle costs and
  prizes are scaled and rounded exactly like PyVRP does (``dimacs``: ×10 then truncated,
  ``exact``: ×1000 then rounded); loads and capacities are kept as in the file (PyVRP scales
  those too, which does not change feasibility);
* one vehicle type per group of identical vehicles, in order of first appearance, with the
  number of vehicles ``VEHICLES`` (default: the number of clients, like PyVRP).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from numbers import Number
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import vrplib
from pydantic import ValidationError

from voltroute.model import (
    Depot,
    Economics,
    Location,
    Matrices,
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
    vehicle_names,
)

Rounding = Literal["none", "round", "trunc", "dimacs", "exact"]
ROUNDINGS: tuple[Rounding, ...] = ("none", "round", "trunc", "dimacs", "exact")
"""Rounding conventions, named and defined as in ``pyvrp.read``."""

# Sections and specifications PyVRP understands but voltroute cannot represent (yet).
_UNSUPPORTED = {
    "backhaul": "backhauls are not supported yet",
    "pickup_and_delivery": "pickup-and-delivery pairs are not supported yet",
    "release_time": "release times are not supported yet",
    "vehicles_allowed_clients": "client restrictions per vehicle are not supported yet",
    "vehicles_reload_depot": "reloading at depots is not supported yet",
    "vehicles_max_reloads": "reloading at depots is not supported yet",
    "mutually_exclusive_group": "client groups are not supported yet",
}

# Per-vehicle data PyVRP groups vehicles by (the subset voltroute represents).
_VEHICLE_KEYS = (
    "capacity",
    "vehicles_depot",
    "vehicles_max_distance",
    "vehicles_max_duration",
    "vehicles_fixed_cost",
    "vehicles_unit_distance_cost",
)


def scale_values(values: Any, rounding: str) -> np.ndarray:
    """Apply a PyVRP rounding convention to ``values`` (same definitions as ``pyvrp.read``).

    ``round``: nearest integer; ``trunc``: truncate; ``dimacs``: ×10 then truncate;
    ``exact``: ×1000 then round; ``none``: unchanged (floats).
    """
    arr = np.asarray(values, dtype=np.float64)
    if rounding == "round":
        return np.round(arr).astype(np.int64)
    if rounding == "trunc":
        return arr.astype(np.int64)
    if rounding == "dimacs":
        return (10 * arr).astype(np.int64)
    if rounding == "exact":
        return np.round(1_000 * arr).astype(np.int64)
    if rounding == "none":
        return arr
    raise ProblemError("round_func", f"unknown rounding {rounding!r}; use one of {ROUNDINGS}")


def euclidean_distance(a: tuple[float, float], b: tuple[float, float], rounding: str) -> float:
    """Distance between two planar points under a rounding convention (as PyVRP computes it)."""
    d = math.hypot(a[0] - b[0], a[1] - b[1])
    return float(scale_values(d, rounding))


def default_rounding(instance: dict[str, Any]) -> Rounding:
    """The rounding convention of the instance family's best-known solutions.

    VRPTW (a ``TIME_WINDOW_SECTION``): ``dimacs``. Heterogeneous fleet (per-vehicle cost
    sections): ``exact``, because the HFVRP best-known costs use unrounded distances.
    Otherwise (CVRP): ``round``.
    """
    if "time_window" in instance:
        return "dimacs"
    if str(instance.get("type", "")).upper() == "HFVRP" or any(
        k in instance for k in ("vehicles_fixed_cost", "vehicles_unit_distance_cost")
    ):
        return "exact"
    return "round"


def _times(values: Any, rounding: str) -> np.ndarray:
    """Scaled times as integers (the model stores whole seconds; ``none`` rounds)."""
    scaled = scale_values(values, rounding)
    return np.round(scaled).astype(np.int64) if rounding == "none" else scaled


def _field(key: str, value: Any) -> str:
    return f"{key.upper()}_SECTION" if isinstance(value, np.ndarray | list) else key.upper()


def _per_vehicle(instance: dict[str, Any], key: str, default: Any, n: int) -> list[Any]:
    value = instance.get(key, default)
    if isinstance(value, Number) or value is None:
        return [value] * n
    arr = np.asarray(value)
    if len(arr) != n:
        raise ProblemError(
            _field(key, value), f"has {len(arr)} rows, expected one per vehicle ({n})"
        )
    return list(arr)


def _read_instance(path: Path) -> dict[str, Any]:
    try:
        return vrplib.read_instance(path, compute_edge_weights=False)
    except FileNotFoundError:
        raise ProblemError(str(path), "file not found") from None
    except (ValueError, RuntimeError, IndexError, KeyError, TypeError) as exc:
        raise ProblemError(str(path), f"not a readable VRPLIB instance ({exc})") from None


def read_vrplib(path: str | os.PathLike[str], *, round_func: str | None = None) -> Problem:
    """Read a VRPLIB instance (CVRP, VRPTW, or PyVRP's HFVRP dialect) as a Problem.

    ``round_func`` is one of :data:`ROUNDINGS`; ``None`` chooses the convention of the
    instance family's best-known solutions (see :func:`default_rounding`).
    """
    path = Path(path)
    inst = _read_instance(path)
    if not inst:
        raise ProblemError(str(path), "empty VRPLIB file")
    rounding: Rounding = default_rounding(inst) if round_func is None else str(round_func)  # type: ignore[assignment]
    if rounding not in ROUNDINGS:
        raise ProblemError("round_func", f"unknown rounding {rounding!r}; use one of {ROUNDINGS}")
    for key, why in _UNSUPPORTED.items():
        if key in inst:
            raise ProblemError(_field(key, inst[key]), why)
    if "dimension" not in inst:
        raise ProblemError("DIMENSION", "is required")
    n = int(inst["dimension"])

    depot_idx = np.atleast_1d(np.asarray(inst.get("depot", [0]), dtype=np.int64))
    nd = len(depot_idx)
    if nd == 0 or (depot_idx != np.arange(nd)).any():
        raise ProblemError("DEPOT_SECTION", "depots must be the first nodes, numbered 1..k")
    nc = n - nd
    if nc < 0:
        raise ProblemError("DEPOT_SECTION", f"lists {nd} depots but DIMENSION is {n}")

    # Coordinates and travel model.
    ewt = str(inst.get("edge_weight_type", "EUC_2D")).upper()
    matrices = None
    if ewt == "EUC_2D":
        if "node_coord" not in inst:
            raise ProblemError("NODE_COORD_SECTION", "is required for EUC_2D")
        coords = np.asarray(inst["node_coord"], dtype=np.float64)
        travel = Travel(model="euclidean", rounding=rounding, duration_equals_distance=True)
    elif ewt == "EXPLICIT":
        if "edge_weight" not in inst:
            raise ProblemError("EDGE_WEIGHT_SECTION", "is required for EXPLICIT")
        coords = np.asarray(inst.get("node_coord", np.zeros((n, 2))), dtype=np.float64)
        weights = scale_values(inst["edge_weight"], rounding)
        try:
            matrices = Matrices(distance_m=weights, duration_s=weights)
        except ValidationError as exc:
            raise as_problem_error(exc, "EDGE_WEIGHT_SECTION") from None
        travel = Travel(
            model="matrix",
            rounding=rounding,
            duration_equals_distance=True,
            source=f"VRPLIB EDGE_WEIGHT_SECTION of {path.name}",
        )
    else:
        raise ProblemError("EDGE_WEIGHT_TYPE", f"{ewt} is not supported (EUC_2D or EXPLICIT)")
    if coords.shape != (n, 2):
        raise ProblemError("NODE_COORD_SECTION", f"must have {n} rows of x y")

    # Client data.
    demand = np.asarray(inst.get("demand", np.zeros(n)), dtype=np.float64)
    if demand.ndim > 1:
        if demand.shape[1] != 1:
            raise ProblemError("DEMAND_SECTION", "only one load dimension is supported")
        demand = demand[:, 0]
    if demand.shape != (n,):
        raise ProblemError("DEMAND_SECTION", f"must have {n} rows")

    service = inst.get("service_time", 0)
    if isinstance(service, Number):
        service = np.full(n, float(service))  # type: ignore[arg-type]
        service[:nd] = 0
    service_s = _times(service, rounding)

    has_tw = "time_window" in inst
    if has_tw:
        tw = _times(inst["time_window"], rounding)
        if tw.shape != (n, 2):
            raise ProblemError("TIME_WINDOW_SECTION", f"must have {n} rows of early late")

    prizes = inst.get("prize")
    if prizes is not None:
        prizes = scale_values(prizes, rounding)

    # Vehicles, grouped into types like pyvrp.read does.
    nv = int(inst.get("vehicles", nc))
    if nv < 1:
        raise ProblemError("VEHICLES", "must be at least 1")
    capacity_default = float(demand.sum()) if "capacity" not in inst else None
    columns = {
        "capacity": _per_vehicle(inst, "capacity", capacity_default, nv),
        "vehicles_depot": _per_vehicle(inst, "vehicles_depot", 1, nv),
        "vehicles_max_distance": _per_vehicle(inst, "vehicles_max_distance", None, nv),
        "vehicles_max_duration": _per_vehicle(inst, "vehicles_max_duration", None, nv),
        "vehicles_fixed_cost": _per_vehicle(inst, "vehicles_fixed_cost", 0, nv),
        "vehicles_unit_distance_cost": _per_vehicle(inst, "vehicles_unit_distance_cost", 1, nv),
    }
    groups: dict[tuple[Any, ...], list[int]] = {}
    for v in range(nv):
        attrs = tuple(
            None if columns[k][v] is None else float(np.asarray(columns[k][v]).item())
            for k in _VEHICLE_KEYS
        )
        groups.setdefault(attrs, []).append(v)

    # Depot hours and shifts from the depot's time window; without one, no limit (as PyVRP).
    hours: list[tuple[int, int | None]]
    hours = [(int(tw[d, 0]), int(tw[d, 1])) for d in range(nd)] if has_tw else [(0, None)] * nd

    depot_ids = [str(d + 1) for d in range(nd)]
    try:
        depots = tuple(
            Depot(
                id=depot_ids[d],
                location=Location(x=float(coords[d, 0]), y=float(coords[d, 1])),
                name=f"node {d + 1}",
                # the depot's window binds through the vehicle shifts, as in PyVRP's reader
                open_s=0,
                close_s=None,
            )
            for d in range(nd)
        )
    except ValidationError as exc:
        raise as_problem_error(exc, "DEPOT_SECTION") from None

    stops = []
    for i in range(nd, n):
        node = i + 1
        kwargs: dict[str, Any] = {}
        if has_tw:
            kwargs["time_window"] = TimeWindow(start_s=int(tw[i, 0]), end_s=int(tw[i, 1]))
        if prizes is not None and not np.isclose(prizes[i], 0):
            kwargs["required"] = False
            kwargs["unserved_penalty"] = float(prizes[i])
        try:
            stops.append(
                Stop(
                    id=str(node),
                    location=Location(x=float(coords[i, 0]), y=float(coords[i, 1])),
                    parcels=(Parcel(id=f"p{node}", weight_kg=float(demand[i]), volume_m3=0.0),),
                    service_time_s=int(service_s[i]),
                    **kwargs,
                )
            )
        except ValidationError as exc:
            raise as_problem_error(exc, f"node {node}") from None

    vehicle_types = []
    for k, (attrs, members) in enumerate(groups.items()):
        cap, depot_node, max_dist, max_dur, fixed, unit = attrs
        assert cap is not None and depot_node is not None  # always given (defaults above)
        assert fixed is not None and unit is not None
        d = int(depot_node) - 1
        if not 0 <= d < nd:
            raise ProblemError("VEHICLES_DEPOT_SECTION", f"{int(depot_node)} is not a depot node")
        fields: dict[str, Any] = {
            "id": f"type{k + 1}",
            "name": f"vehicles {_ranges(members)}",
            "count": len(members),
            "capacity_kg": cap,
            "capacity_m3": 0.0,
            "start_depot": depot_ids[d],
            "shift_start_s": hours[d][0],
            "shift_end_s": hours[d][1],
            "fixed_cost_per_day": float(scale_values(fixed, rounding)),
            "cost_per_km": unit * 1000.0,
        }
        if max_dist is not None:
            fields["max_distance_m"] = float(scale_values(max_dist, rounding))
        if max_dur is not None:
            fields["max_shift_duration_s"] = int(_times(max_dur, rounding))
        try:
            vehicle_types.append(VehicleType(**fields))
        except ValidationError as exc:
            raise as_problem_error(exc, f"vehicle type {k + 1}") from None

    try:
        return Problem(
            name=path.stem,
            # benchmark costs are abstract units: ISO 4217's code for "no currency"
            economics=Economics(currency="XXX"),
            depots=depots,
            stops=tuple(stops),
            vehicle_types=tuple(vehicle_types),
            travel=travel,
            matrices=matrices,
        )
    except ValidationError as exc:
        raise as_problem_error(exc) from None


def _ranges(idx: Sequence[int]) -> str:
    """``[0, 1, 2, 5]`` → ``"1-3,6"`` (1-based vehicle numbers, as in the file)."""
    parts: list[str] = []
    start = prev = idx[0]
    for v in list(idx[1:]) + [None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        parts.append(str(start + 1) if start == prev else f"{start + 1}-{prev + 1}")
        if v is not None:
            start = prev = v
    return ",".join(parts)


# ---------------------------------------------------------------------------------------------
# Solutions (.sol)
# ---------------------------------------------------------------------------------------------


def _aligned(problem: Problem) -> bool:
    """Whether routes are listed one per vehicle (heterogeneous fleet), empty ones included."""
    return len(problem.vehicle_types) > 1


def _all_vehicles(problem: Problem) -> list[tuple[VehicleType, str]]:
    return [(vt, name) for vt in problem.vehicle_types for name in vehicle_names(vt)]


def _format_cost(cost: float) -> str:
    value = float(cost)
    return str(int(value)) if value.is_integer() else repr(value)


def solution_to_vrplib_text(solution: Solution, problem: Problem, cost: float | None) -> str:
    """The CVRPLIB ``.sol`` text of ``solution`` (see :func:`write_vrplib_solution`)."""
    number = problem.stop_index  # location index: depots first, so clients are 1..n

    def numbers(i: int, route: Route) -> list[int]:
        out = []
        for sid in route.stops:
            if sid not in number:
                raise ProblemError(f"routes.{i}.stops", f"unknown stop id {sid!r}")
            out.append(number[sid])
        return out

    if _aligned(problem):
        slots = {name: k for k, (_, name) in enumerate(_all_vehicles(problem))}
        lines: list[list[int]] = [[] for _ in slots]
        used: set[int] = set()
        for i, route in enumerate(solution.routes):
            k = slots.get(route.vehicle)
            if k is None:
                raise ProblemError(
                    f"routes.{i}.vehicle",
                    f"unknown vehicle {route.vehicle!r} (expected '<type id>-<n>')",
                )
            if k in used:
                raise ProblemError(f"routes.{i}.vehicle", f"{route.vehicle!r} has two routes")
            used.add(k)
            lines[k] = numbers(i, route)
    else:
        lines = [numbers(i, route) for i, route in enumerate(solution.routes)]

    text = [f"Route #{k}:" + "".join(f" {v}" for v in visits) for k, visits in enumerate(lines, 1)]
    if cost is not None:
        text.append(f"Cost {_format_cost(cost)}")
    return "\n".join(text) + "\n"


def write_vrplib_solution(
    solution: Solution,
    problem: Problem,
    cost: float | None,
    path_or_stream: str | os.PathLike[str] | IO[str],
) -> None:
    """Write ``solution`` in CVRPLIB ``.sol`` format.

    Clients are numbered by location index (depots first, so a single-depot instance's clients
    are 1..n, i.e. the VRPLIB node number minus one). With one vehicle type, only the routes
    are listed; with several (HFVRP), one line per vehicle in vehicle-type order, empty routes
    included, so "Route #k" is vehicle k. ``cost`` (if given) is written as ``Cost <value>``.
    """
    text = solution_to_vrplib_text(solution, problem, cost)
    if hasattr(path_or_stream, "write"):
        path_or_stream.write(text)
    else:
        Path(path_or_stream).write_text(text, encoding="utf-8")


def read_vrplib_solution(path: str | os.PathLike[str], problem: Problem) -> Solution:
    """Read a CVRPLIB ``.sol`` file for ``problem`` (numbering as in :func:`write_vrplib_solution`).

    With several vehicle types, route k is vehicle k of the types expanded by count in order
    (the HFVRP convention "Route 1 corresponds to Vehicle 1"); with one, the non-empty routes
    take the type's vehicles in turn. The file's ``Cost`` goes to ``solver["reported_cost"]``.
    """
    path = Path(path)
    try:
        data = vrplib.read_solution(path)
    except FileNotFoundError:
        raise ProblemError(str(path), "file not found") from None
    except (ValueError, IndexError) as exc:
        raise ProblemError(str(path), f"not a readable VRPLIB solution ({exc})") from None

    nd = len(problem.depots)
    vehicles = _all_vehicles(problem)
    aligned = _aligned(problem)
    routes: list[Route] = []
    seen: set[str] = set()
    used = 0
    for k, visits in enumerate(data.get("routes", [])):
        if not visits:
            continue
        slot = k if aligned else used
        used += 1
        if slot >= len(vehicles):
            raise ProblemError(f"Route #{k + 1}", f"the problem has only {len(vehicles)} vehicles")
        stop_ids = []
        for v in visits:
            if not nd <= v < problem.num_locations:
                raise ProblemError(
                    f"Route #{k + 1}",
                    f"{v} is not a client number ({nd}..{problem.num_locations - 1})",
                )
            sid = problem.stops[v - nd].id
            if sid in seen:
                raise ProblemError(f"Route #{k + 1}", f"client {v} is visited twice")
            seen.add(sid)
            stop_ids.append(sid)
        vt, name = vehicles[slot]
        routes.append(Route(vehicle=name, vehicle_type=vt.id, stops=tuple(stop_ids)))

    unassigned = tuple(
        Unassigned(
            stop=s.id,
            parcels=tuple(p.id for p in s.parcels),
            reason="other" if s.required else "not_profitable",
            detail="not in the solution file",
        )
        for s in problem.stops
        if s.id not in seen
    )
    solver: dict[str, Any] = {"source": "vrplib", "file": path.name}
    if "cost" in data:
        solver["reported_cost"] = data["cost"]
    return Solution(
        problem=problem.name, routes=tuple(routes), unassigned=unassigned, solver=solver
    )


__all__ = [
    "ROUNDINGS",
    "default_rounding",
    "euclidean_distance",
    "read_vrplib",
    "read_vrplib_solution",
    "scale_values",
    "solution_to_vrplib_text",
    "write_vrplib_solution",
]
