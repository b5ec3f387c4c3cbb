"""A small drone-and-robot scenario on the demo's Helsinki data (for ``voltroute demo``).

:func:`add_light_fleets` turns any problem into one with a drone port at its first depot and
sidewalk robots on its vans, and draws per-stop eligibility from stated assumptions
(:data:`AERIAL_ASSUMPTIONS`); :func:`helsinki_light_problem` applies it to the demo's real
Helsinki orders and roads; :func:`light_demo` plans it and compares van-only, van+drones and
van+robots, returning objects (for ``voltroute demo`` and its report);
:func:`run_light_scenario` does the same and writes problem, plan, GeoJSON and comparison files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voltroute.energy.aerial import drone_spec_from_preset, robot_spec_from_preset
from voltroute.model import DroneFleet, Problem, RobotFleet

AERIAL_ASSUMPTIONS = [
    "Drone port at the depot with 3 Zipline P2-class drones (catalogue preset zipline-p2); "
    "every van carries 2 Starship-class sidewalk robots (preset starship-robot).",
    "70 % of customers opt in to drone delivery (synthetic, drawn with the seed).",
    "Apartment-block stops (service time above the base) are no-fly for drones: no garden to "
    "lower a parcel into; every fifth stop has steps robots cannot climb (synthetic).",
    "Every parcel may fly or ride unless it exceeds the unit's payload or compartment.",
]


def add_light_fleets(
    problem: Problem,
    *,
    seed: int = 1,
    drones: int = 3,
    robots_per_van: int = 2,
    opt_in_share: float = 0.7,
) -> Problem:
    """``problem`` with a drone port at its first depot and robots on every van; stop flags from
    :data:`AERIAL_ASSUMPTIONS`."""
    rng = np.random.default_rng(seed)
    hub = problem.depots[0].id
    base_service = min((s.service_time_s for s in problem.stops), default=0)
    stops = []
    for k, s in enumerate(problem.stops):
        blocky = s.service_time_s > base_service + 30 * len(s.parcels) + 30
        stops.append(
            s.model_copy(
                update={
                    "drone_opt_in": bool(rng.random() < opt_in_share),
                    "no_fly": bool(blocky),
                    "robot_access": k % 5 != 4,
                }
            )
        )
    drone = DroneFleet(
        id="dp", name="drone port", preset="zipline-p2", base="hub", hub=hub, count=drones,
        spec=drone_spec_from_preset("zipline-p2"),
    )  # fmt: skip
    robot = RobotFleet(
        id="bot", name="van robots", preset="starship-robot", base="van", count=robots_per_van,
        spec=robot_spec_from_preset("starship-robot"),
    )  # fmt: skip
    return problem.replace(
        name=f"{problem.name}-light", stops=tuple(stops), drones=(drone,), robots=(robot,)
    )


@dataclass(frozen=True)
class LightDemo:
    """What :func:`light_demo` returns: the problem with its fleets, the checked plan (``kpis``,
    ``steps`` and sortie ``kpis`` filled by the checker), one comparison row per mode
    (:func:`voltroute.compare.mode_row`) and the same comparison as a text table."""

    problem: Problem
    solution: Any  # voltroute.model.Solution, annotated
    comparison: list[dict[str, Any]]
    table: str


def light_demo(
    problem: Problem | None = None,
    *,
    n_stops: int = 60,
    seed: int = 1,
    time_limit_s: float = 10.0,
    compare: bool = True,
) -> LightDemo:
    """Plan the drone-and-robot scenario and compare the modes; no files written.

    ``problem``: the orders to use (e.g. the demo's own problem, so its road network is not
    loaded twice); fleets are added with :func:`add_light_fleets` unless it already has some.
    ``None`` builds :func:`helsinki_light_problem` with ``n_stops``. ``compare=False`` skips the
    three comparison plans (rows and table empty)."""
    from voltroute.api import plan
    from voltroute.compare import compare_modes, format_mode_table, mode_row

    if problem is None:
        problem, _ = helsinki_light_problem(n_stops=n_stops, seed=seed)
    elif not problem.drones and not problem.robots:
        problem = add_light_fleets(problem, seed=seed)
    solution = plan(problem, time_limit_s=time_limit_s, seed=seed)
    rows: list[dict[str, Any]] = []
    table = ""
    if compare:
        results = compare_modes(problem, time_limit_s=time_limit_s, seed=seed)
        rows = [mode_row(r) for r in results]
        table = format_mode_table(results, problem.economics.currency)
    return LightDemo(problem=problem, solution=solution, comparison=rows, table=table)


def helsinki_light_problem(*, n_stops: int = 60, seed: int = 1) -> tuple[Problem, Any]:
    """The demo's Helsinki problem (real roads and buildings) with drones and robots added."""
    from voltroute.demo import build_problem

    problem, roads = build_problem(n_stops=n_stops, seed=seed)
    return add_light_fleets(problem, seed=seed), roads


def run_light_scenario(
    problem: Problem, *, out_dir: Path, time_limit_s: float = 10.0, seed: int = 1
) -> dict[str, Any]:
    """Plan ``problem`` with its drones and robots, compare modes, write the files.

    Writes ``light-problem.json``, ``light-solution.json``, ``light-solution.geojson`` (with
    ``flight``, ``robot_trip``, ``launch`` and ``recovery`` features) and
    ``light-comparison.json`` to ``out_dir``; returns them as objects too."""
    from voltroute.api import plan
    from voltroute.compare import compare_modes, format_mode_table, mode_row
    from voltroute.io import dump_problem, dump_solution
    from voltroute.io.geojson import solution_to_geojson
    from voltroute.io.native import write_json

    out_dir.mkdir(parents=True, exist_ok=True)
    solution = plan(problem, time_limit_s=time_limit_s, seed=seed)
    dump_problem(problem, out_dir / "light-problem.json")
    dump_solution(solution, out_dir / "light-solution.json")
    geo = solution_to_geojson(solution, problem)
    write_json(geo, out_dir / "light-solution.geojson", indent=None)
    results = compare_modes(problem, time_limit_s=time_limit_s, seed=seed)
    rows = [mode_row(r) for r in results]
    write_json(rows, out_dir / "light-comparison.json")
    return {
        "problem": problem,
        "solution": solution,
        "geojson": geo,
        "comparison": rows,
        "table": format_mode_table(results, problem.economics.currency),
    }
