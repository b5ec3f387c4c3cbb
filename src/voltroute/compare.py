"""Fleet strategies on the same orders: all-diesel, all-electric and mixed.

Each vehicle type of the problem is swapped for the catalogue preset of the same size class and
the other powertrain, keeping its count, depots and shift. Large walk-in vans (cargo volume of
12 m³ or more) map to the Rivian EDV class and the diesel step van; smaller vans to the
Ford E-Transit and the diesel cargo van.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voltroute.api import plan
from voltroute.energy.catalogue import vehicle_type_from_preset
from voltroute.model import Problem, Solution, VehicleType

LARGE_VAN_M3 = 12.0
STRATEGIES = ("diesel", "electric", "mixed")


def _counterpart(vt: VehicleType, kind: str) -> str:
    large = vt.capacity_m3 >= LARGE_VAN_M3
    if kind == "electric":
        return "rivian-edv" if large else "ford-e-transit"
    return "diesel-step-van" if large else "diesel-cargo-van"


def _as(vt: VehicleType, kind: str, *, count: int | None = None, suffix: str = "") -> VehicleType:
    """``vt`` rebuilt as the ``kind`` preset of its size class, keeping fleet and shift fields."""
    if (kind == "electric" and vt.is_electric) or (kind == "diesel" and vt.is_diesel):
        return vt if count is None else vt.replace(count=count, id=vt.id + suffix)
    return vehicle_type_from_preset(
        _counterpart(vt, kind),
        id=vt.id + suffix,
        start_depot=vt.start_depot,
        count=count if count is not None else vt.count,
        end_depot=vt.end_depot,
        shift_start_s=vt.shift_start_s,
        shift_end_s=vt.shift_end_s,
    )


def fleet_variant(problem: Problem, strategy: str) -> Problem:
    """The problem with its fleet replaced according to ``strategy``."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}")
    types: list[VehicleType] = []
    if strategy in ("diesel", "electric"):
        types = [_as(vt, strategy) for vt in problem.vehicle_types]
    else:
        kinds = {("electric" if vt.is_electric else "diesel") for vt in problem.vehicle_types}
        if kinds == {"electric", "diesel"}:
            return problem
        for vt in problem.vehicle_types:
            n_e = (vt.count + 1) // 2
            types.append(_as(vt, "electric", count=n_e, suffix="-ev"))
            if vt.count - n_e > 0:
                types.append(_as(vt, "diesel", count=vt.count - n_e, suffix="-diesel"))
    # stop restrictions name the original type ids: widen them to the renamed types
    id_map: dict[str, list[str]] = {}
    for vt in types:
        base = vt.id.removesuffix("-ev").removesuffix("-diesel")
        id_map.setdefault(base, []).append(vt.id)
    stops = tuple(
        s
        if s.vehicle_types is None
        else s.replace(vehicle_types=[n for t in s.vehicle_types for n in id_map.get(t, [t])])
        for s in problem.stops
    )
    return problem.replace(name=f"{problem.name}-{strategy}", vehicle_types=types, stops=stops)


@dataclass(frozen=True)
class StrategyResult:
    strategy: str
    problem: Problem
    solution: Solution

    def row(self) -> dict[str, Any]:
        k = self.solution.kpis
        return {
            "strategy": self.strategy,
            "vans": k["vehicles_used"],
            "km": k["distance_m"] / 1000,
            "kwh": k["energy_kwh"],
            "litres": k["fuel_l"],
            "cost": k["cost"]["total"],
            "cost_per_parcel": k["cost_per_parcel"],
            "co2_kg": k["co2_kg"],
            "co2_kg_per_parcel": k["co2_kg_per_parcel"],
            "served_parcels": k["served_parcels"],
            "unassigned_parcels": k["unassigned_parcels"],
            "feasible": k["feasible"],
        }


def compare_fleets(
    problem: Problem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    strategies: tuple[str, ...] = STRATEGIES,
    on_start: Callable[[str], None] | None = None,
) -> list[StrategyResult]:
    """Plan the same orders with each strategy's fleet; KPIs by the independent checker."""
    out = []
    for strategy in strategies:
        if on_start:
            on_start(strategy)
        variant = fleet_variant(problem, strategy)
        out.append(
            StrategyResult(strategy, variant, plan(variant, time_limit_s=time_limit_s, seed=seed))
        )
    return out


def format_table(results: list[StrategyResult], currency: str = "USD") -> str:
    """A plain-text table of the comparison."""
    head = (
        f"{'strategy':<10} {'vans':>4} {'km':>8} {'kWh':>8} {'litres':>8} "
        f"{currency + '/parcel':>11} {'kgCO2/parcel':>12} {'unassigned':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        row = r.row()
        cpp = row["cost_per_parcel"]
        cop = row["co2_kg_per_parcel"]
        lines.append(
            f"{row['strategy']:<10} {row['vans']:>4} {row['km']:>8.1f} {row['kwh']:>8.1f} "
            f"{row['litres']:>8.1f} {(cpp if cpp is not None else float('nan')):>11.3f} "
            f"{(cop if cop is not None else float('nan')):>12.3f} {row['unassigned_parcels']:>10}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- vans, drones and robots
MODES = ("van-only", "van+drones", "van+robots")


def mode_variant(problem: Problem, mode: str) -> Problem:
    """The same orders with only vans, vans and the problem's drones, or vans and its robots.

    A problem without drone (robot) fleets gets, for ``van+drones`` (``van+robots``), one
    drone (two robots) of the catalogue's ``prime-air-mk27-2`` (``starship-robot``) preset on
    every van."""
    from voltroute.energy.aerial import drone_spec_from_preset, robot_spec_from_preset
    from voltroute.model import DroneFleet, RobotFleet

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    drones, robots = problem.drones, problem.robots
    if mode == "van+drones" and not drones:
        spec = drone_spec_from_preset("prime-air-mk27-2")
        drones = (DroneFleet(id="drone", preset="prime-air-mk27-2", base="van", spec=spec),)
    if mode == "van+robots" and not robots:
        rspec = robot_spec_from_preset("starship-robot")
        robots = (RobotFleet(id="robot", preset="starship-robot", base="van", count=2, spec=rspec),)
    return problem.replace(
        name=f"{problem.name}-{mode}",
        drones=drones if mode == "van+drones" else (),
        robots=robots if mode == "van+robots" else (),
    )


def compare_modes(
    problem: Problem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    modes: tuple[str, ...] = MODES,
    on_start: Callable[[str], None] | None = None,
) -> list[StrategyResult]:
    """Plan the same orders van-only, with drones and with robots; KPIs by the checker."""
    out = []
    for mode in modes:
        if on_start:
            on_start(mode)
        variant = mode_variant(problem, mode)
        out.append(
            StrategyResult(mode, variant, plan(variant, time_limit_s=time_limit_s, seed=seed))
        )
    return out


def format_mode_table(results: list[StrategyResult], currency: str = "USD") -> str:
    """A plain-text table of the van / drone / robot comparison."""
    head = (
        f"{'mode':<11} {'vans':>4} {'flights':>7} {'robot':>5} {'van km':>7} {'h':>6} "
        f"{'makespan h':>10} {currency + '/parcel':>11} {'kgCO2/parcel':>12} {'unassigned':>10}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        k = r.solution.kpis
        cpp = k["cost_per_parcel"]
        cop = k["co2_kg_per_parcel"]
        span = k.get("makespan_s")
        if span is None:
            ends = [rt.steps[-1].arrival_s for rt in r.solution.routes if rt.steps]
            starts = [rt.steps[0].departure_s for rt in r.solution.routes if rt.steps]
            span = max(ends) - min(starts) if ends else 0.0
        lines.append(
            f"{r.strategy:<11} {k['vehicles_used']:>4} {k.get('flights', 0):>7} "
            f"{k.get('robot_trips', 0):>5} {k['distance_m'] / 1000:>7.1f} "
            f"{k['duration_s'] / 3600:>6.1f} {span / 3600:>10.2f} "
            f"{(cpp if cpp is not None else float('nan')):>11.3f} "
            f"{(cop if cop is not None else float('nan')):>12.3f} {k['unassigned_parcels']:>10}"
        )
    return "\n".join(lines)


def mode_row(result: StrategyResult) -> dict[str, Any]:
    """One comparison row (the fleet row plus flights, robot trips and makespan)."""
    k = result.solution.kpis
    return {
        **result.row(),
        "mode": result.strategy,
        "flights": k.get("flights", 0),
        "robot_trips": k.get("robot_trips", 0),
        "drone_energy_kwh": k.get("drone_energy_kwh", 0.0),
        "robot_energy_kwh": k.get("robot_energy_kwh", 0.0),
        "makespan_s": k.get("makespan_s"),
        "duration_s": k["duration_s"],
    }
