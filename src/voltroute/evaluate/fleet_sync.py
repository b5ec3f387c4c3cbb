"""Independent check of drone flights and robot trips (``Solution.sorties``) in the native format.

It rebuilds every event from the problem, the van routes and each sortie's anchors alone (never
from the solver's ``steps`` or ``kpis``) and lists each broken rule:

* ``eligibility``: a parcel that may not fly or ride, a customer who did not opt in, a no-fly
  address, a door robots cannot reach;
* ``payload``: the consignment (all parcels of the stop) heavier or bulkier than the unit takes;
* ``energy``: the flight or trip needs more than the battery less its reserve (hovering or
  standing while waiting included);
* ``range``: farther than the fleet's ``max_radius_m`` or the robot's ``max_trip_distance_m``;
* ``sync``: the van is absent (launch or recovery point not on its route, or no such van), the
  recovery point comes before the launch point, the unit is not on board or still out;
  a van-carried robot whose ``recover_at`` is a depot drives home by itself (the van does not
  wait for it; it must arrive before the depot closes and is not on board again that day);
* ``unit``: an unknown fleet or unit, a unit of the wrong kind, a van type that carries none;
* ``time_window`` / ``shift``: the customer's window, the fleet's hours, and the van's windows,
  shift and depot hours with the waiting that launches and recoveries add to its schedule;
* ``capacity``: the van's load with the consignments it carries for its units.

Van timeline at a route point: arrive, wait for the window, serve the stop, then recover units
(waiting for each to land: the van waits, or the drone hovers / the robot stands until the van is
ready), then launch units (each ``launch_s``, one after the other). Every unit starts each
flight or trip with a full (swapped) battery. The extra time a van spends waiting for and
handling its units is charged at its driver's wage and its dwell energy, and an electric van's
lowest state of charge is lowered by that energy (conservative).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voltroute.energy import co2_kg, dwell_energy, grid_energy_kwh, usable_battery_kwh
from voltroute.energy.aerial import drone_flight, robot_trip, straight_line_matrix_m
from voltroute.evaluate.violation import Violation
from voltroute.model import (
    DroneFleet,
    Problem,
    RobotFleet,
    Route,
    Solution,
    Sortie,
    SortieStep,
    Step,
    Stop,
    VehicleType,
)

EPS = 1e-6


@dataclass
class SortieResult:
    """What the checker computed for one sortie."""

    index: int
    kind: str
    fleet: str
    unit: str
    vehicle: str | None
    stop: str
    steps: list[SortieStep]
    energy_wh: float
    distance_m: float
    duration_s: float
    wait_s: float
    parcels: int
    weight_kg: float
    cost: dict[str, float]
    co2_kg: float
    feasible: bool

    def kpis(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "energy_wh": self.energy_wh,
            "distance_m": self.distance_m,
            "duration_s": self.duration_s,
            "wait_s": self.wait_s,
            "parcels": self.parcels,
            "weight_kg": self.weight_kg,
            "cost": self.cost,
            "co2_kg": self.co2_kg,
        }


@dataclass
class SyncReport:
    violations: list[Violation] = field(default_factory=list)
    sorties: list[SortieResult] = field(default_factory=list)
    served: Counter[str] = field(default_factory=Counter)
    route_steps: dict[str, list[Step]] = field(default_factory=dict)
    van_extra_s: dict[str, float] = field(default_factory=dict)
    van_extra_cost: dict[str, float] = field(default_factory=dict)  # driver, energy
    van_extra_co2_kg: float = 0.0
    van_extra_kwh: float = 0.0
    van_extra_fuel_l: float = 0.0
    unit_fixed_cost: float = 0.0
    units_used: int = 0
    makespan_s: float = 0.0

    def merge_kpis(self, kpis: dict[str, Any]) -> None:
        """Add the sorties' parcels, cost, CO2 and energy to the plan KPIs of the checker."""
        cost = kpis["cost"]
        s_energy = sum(r.cost["energy"] for r in self.sorties)
        s_time = sum(r.cost["supervision"] for r in self.sorties)
        cost["fixed"] += self.unit_fixed_cost
        cost["driver"] += s_time + self.van_extra_cost.get("driver", 0.0)
        cost["energy"] += s_energy + self.van_extra_cost.get("energy", 0.0)
        added = self.unit_fixed_cost + s_time + s_energy + sum(self.van_extra_cost.values())
        cost["total"] += added
        kpis["objective"] += added
        parcels = sum(r.parcels for r in self.sorties)
        kpis["served_parcels"] += parcels
        kpis["co2_kg"] += sum(r.co2_kg for r in self.sorties) + self.van_extra_co2_kg
        kpis["energy_kwh"] += self.van_extra_kwh
        kpis["fuel_l"] += self.van_extra_fuel_l
        served = kpis["served_parcels"]
        kpis["cost_per_parcel"] = cost["total"] / served if served else None
        kpis["co2_kg_per_parcel"] = kpis["co2_kg"] / served if served else None
        drones = [r for r in self.sorties if r.kind == "drone"]
        robots = [r for r in self.sorties if r.kind == "robot"]
        kpis["flights"] = len(drones)
        kpis["robot_trips"] = len(robots)
        kpis["drone_parcels"] = sum(r.parcels for r in drones)
        kpis["robot_parcels"] = sum(r.parcels for r in robots)
        kpis["drone_energy_kwh"] = sum(r.energy_wh for r in drones) / 1000.0
        kpis["robot_energy_kwh"] = sum(r.energy_wh for r in robots) / 1000.0
        kpis["drone_distance_m"] = sum(r.distance_m for r in drones)
        kpis["robot_distance_m"] = sum(r.distance_m for r in robots)
        kpis["units_used"] = self.units_used
        kpis["van_sync_wait_s"] = sum(self.van_extra_s.values())
        kpis["makespan_s"] = self.makespan_s


# ---------------------------------------------------------------- eligibility (shared rules)
def eligibility_problem(fleet: DroneFleet | RobotFleet, stop: Stop) -> str | None:
    """Why ``stop`` may not go by a unit of ``fleet`` (eligibility and payload), or None."""
    if isinstance(fleet, DroneFleet):
        if not stop.drone_opt_in:
            return f"customer of stop {stop.id} did not opt in to drone delivery"
        if stop.no_fly:
            return f"stop {stop.id} is a no-fly address"
        bad = [p.id for p in stop.parcels if not p.drone_ok]
        if bad:
            return f"parcel {bad[0]} of stop {stop.id} may not fly"
        return None
    if not stop.robot_access:
        return f"robots cannot reach the door of stop {stop.id}"
    bad = [p.id for p in stop.parcels if not p.robot_ok]
    if bad:
        return f"parcel {bad[0]} of stop {stop.id} may not ride in a robot"
    return None


def payload_problem(fleet: DroneFleet | RobotFleet, stop: Stop) -> str | None:
    """Why the consignment of ``stop`` does not fit a unit of ``fleet``, or None."""
    if isinstance(fleet, DroneFleet):
        kg, m3 = fleet.spec.max_payload_kg, fleet.spec.max_parcel_volume_m3
    else:
        kg, m3 = fleet.spec.capacity_kg, fleet.spec.capacity_m3
    if stop.weight_kg > kg + 1e-9:
        return (
            f"stop {stop.id}: {stop.weight_kg:.2f} kg exceeds the {kg:g} kg payload of {fleet.id}"
        )
    if stop.volume_m3 > m3 + 1e-12:
        return f"stop {stop.id}: {stop.volume_m3:.4f} m3 exceeds the {m3:g} m3 of {fleet.id}"
    return None


def unit_cost(
    problem: Problem, fleet: DroneFleet | RobotFleet, energy_wh: float, duration_s: float
) -> tuple[dict[str, float], float]:
    """(cost breakdown, CO2 kg) of one flight or trip: grid energy and supervision time."""
    grid_kwh = energy_wh / 1000.0 / fleet.spec.charging_efficiency
    energy = grid_kwh * problem.economics.electricity_per_kwh
    supervision = duration_s / 3600.0 * fleet.spec.cost_per_hour
    return (
        {"energy": energy, "supervision": supervision, "total": energy + supervision},
        grid_kwh * problem.economics.grid_co2_kg_per_kwh,
    )


@dataclass
class _Flight:
    """A unit in the air or on the sidewalk, between launch and recovery."""

    sortie: Sortie
    index: int
    fleet: DroneFleet | RobotFleet
    stop: Stop
    launch_start: float
    launch_end: float
    serve_start: float
    serve_end: float
    land_s: float  # arrival at the recovery point
    out_m: float
    back_m: float
    wait_loaded_s: float
    bad: list[str] = field(default_factory=list)


class _Context:
    def __init__(self, problem: Problem, dist: np.ndarray) -> None:
        self.problem = problem
        self.dist = dist
        self.line = straight_line_matrix_m(problem)
        self.temp = problem.conditions.ambient_temp_c

    def index(self, ident: str) -> int | None:
        p = self.problem
        if ident in p.depot_index:
            return p.depot_index[ident]
        return p.stop_index.get(ident)

    def leg_m(self, fleet: DroneFleet | RobotFleet, a: int, b: int) -> float:
        if isinstance(fleet, DroneFleet):
            return float(self.line[a, b])
        return float(self.dist[a, b]) * fleet.spec.detour_factor

    def out_back_s(self, fleet: DroneFleet | RobotFleet, out_m: float, back_m: float) -> tuple:
        if isinstance(fleet, DroneFleet):
            f = drone_flight(fleet.spec, out_m=out_m, back_m=back_m, payload_kg=0.0)
            return f.out_s, f.back_s
        v = fleet.spec.speed_kph / 3.6
        return out_m / v, back_m / v


def _launch(
    ctx: _Context, sortie: Sortie, index: int, fleet: DroneFleet | RobotFleet, start: float
) -> _Flight:
    """Fly or drive from the launch point (launch begins at ``start``) to the customer."""
    p = ctx.problem
    stop = p.stop_by_id[sortie.stop]
    a = ctx.index(sortie.launch_at)
    b = p.stop_index[stop.id]
    c = ctx.index(sortie.recover_at)
    assert a is not None and c is not None
    out_m, back_m = ctx.leg_m(fleet, a, b), ctx.leg_m(fleet, b, c)
    t_out, t_back = ctx.out_back_s(fleet, out_m, back_m)
    launch_end = start + fleet.spec.launch_s
    arrive = launch_end + t_out
    tw = stop.time_window
    serve = max(arrive, float(tw.start_s)) if tw else arrive
    flight = _Flight(
        sortie, index, fleet, stop, start, launch_end, serve, serve + fleet.spec.service_s,
        serve + fleet.spec.service_s + t_back, out_m, back_m, serve - arrive,
    )  # fmt: skip
    if tw is not None and serve > tw.end_s + EPS:
        flight.bad.append(
            f"{sortie.unit}: stop {stop.id} served at {serve:.0f} s, after its window ends at "
            f"{tw.end_s} s"
        )
    return flight


def _land(
    ctx: _Context, f: _Flight, ready: float, out: SyncReport, violations: list[Violation]
) -> float:
    """Recovery when the receiver is ready at ``ready``; records the result, returns its end."""
    problem = ctx.problem
    fleet, sortie, stop = f.fleet, f.sortie, f.stop
    rec_start = max(ready, f.land_s)
    wait_empty = rec_start - f.land_s
    rec_time = fleet.spec.recovery_s if isinstance(fleet, DroneFleet) else fleet.spec.collection_s
    rec_end = rec_start + rec_time
    route = sortie.vehicle

    def bad(kind: str, msg: str) -> None:
        violations.append(Violation(kind, msg, route, stop.id))

    n_before = len(violations)
    for msg in f.bad:
        bad("time_window", msg)
    if isinstance(fleet, DroneFleet):
        fl = drone_flight(
            fleet.spec, out_m=f.out_m, back_m=f.back_m, payload_kg=stop.weight_kg,
            ambient_temp_c=ctx.temp, wait_loaded_s=f.wait_loaded_s, wait_empty_s=wait_empty,
        )  # fmt: skip
        energy_wh = fl.energy_wh
        budget = fleet.spec.battery_wh * (1.0 - fleet.spec.reserve_fraction)
    else:
        tr = robot_trip(
            fleet.spec, out_m=f.out_m, back_m=f.back_m, payload_kg=stop.weight_kg,
            wait_s=f.wait_loaded_s + wait_empty,
        )  # fmt: skip
        energy_wh = tr.energy_wh
        budget = fleet.spec.battery_wh * (1.0 - fleet.spec.reserve_fraction)
        limit = fleet.spec.max_trip_distance_m
        if limit is not None and f.out_m + f.back_m > limit + 1e-6:
            bad(
                "range",
                f"{sortie.unit}: trip to {stop.id} is {f.out_m + f.back_m:.0f} m, beyond the "
                f"{limit:g} m a robot of {fleet.id} may go",
            )
    if energy_wh > budget + 1e-9:
        bad(
            "energy",
            f"{sortie.unit}: {'flight' if sortie.kind == 'drone' else 'trip'} to {stop.id} needs "
            f"{energy_wh:.1f} Wh, more than the {budget:.1f} Wh usable above the reserve",
        )
    if fleet.shift_end_s is not None and rec_end > fleet.shift_end_s + EPS:
        bad("shift", f"{sortie.unit}: recovered at {rec_end:.0f} s, after {fleet.id}'s hours")
    duration = rec_end - f.launch_start
    cost, co2 = unit_cost(problem, fleet, energy_wh, duration)
    steps = [
        SortieStep(kind="launch", id=sortie.launch_at, start_s=f.launch_start,
                   end_s=f.launch_end),
        SortieStep(kind="deliver", id=stop.id, start_s=f.serve_start, end_s=f.serve_end,
                   wait_s=f.wait_loaded_s, distance_m=f.out_m),
        SortieStep(kind="recover", id=sortie.recover_at, start_s=rec_start, end_s=rec_end,
                   wait_s=wait_empty, energy_wh=energy_wh, distance_m=f.out_m + f.back_m),
    ]  # fmt: skip
    out.sorties.append(
        SortieResult(
            index=f.index, kind=sortie.kind, fleet=fleet.id, unit=sortie.unit,
            vehicle=sortie.vehicle, stop=stop.id, steps=steps, energy_wh=energy_wh,
            distance_m=f.out_m + f.back_m, duration_s=duration,
            wait_s=f.wait_loaded_s + wait_empty, parcels=len(stop.parcels),
            weight_kg=stop.weight_kg, cost=cost, co2_kg=co2,
            feasible=len(violations) == n_before,
        )
    )  # fmt: skip
    out.makespan_s = max(out.makespan_s, rec_end)
    return rec_end


def _static_checks(
    ctx: _Context, solution: Solution, routes_by_vehicle: dict[str, Route]
) -> tuple[list[Violation], list[bool]]:
    """Rules that need no schedule; also whether each sortie can be scheduled at all."""
    problem = ctx.problem
    out: list[Violation] = []
    ok: list[bool] = []
    for s in solution.sorties:

        def bad(kind: str, msg: str, s: Sortie = s) -> None:
            out.append(Violation(kind, msg, s.vehicle, s.stop))

        schedulable = True
        fleet = problem.light_fleet_by_id.get(s.fleet)
        stop = problem.stop_by_id.get(s.stop)
        if fleet is None:
            bad("unit", f"unknown drone or robot fleet {s.fleet!r}")
            ok.append(False)
            continue
        if stop is None:
            bad("unknown_stop", f"{s.unit}: unknown stop id {s.stop!r}")
            ok.append(False)
            continue
        if fleet.kind != s.kind:
            bad("unit", f"{s.unit}: fleet {fleet.id} has {fleet.kind}s, not {s.kind}s")
            schedulable = False
        if s.unit not in fleet.unit_names():
            bad(
                "unit",
                f"unit {s.unit!r} is not one of {fleet.id}-1 .. {fleet.id}-{fleet.count}",
            )
            schedulable = False
        why = eligibility_problem(fleet, stop)
        if why:
            bad("eligibility", why)
        why = payload_problem(fleet, stop)
        if why:
            bad("payload", why)
        for name, anchor in (("launch_at", s.launch_at), ("recover_at", s.recover_at)):
            if anchor not in problem.depot_index and anchor not in problem.stop_by_id:
                bad("sync", f"{s.unit}: {name} {anchor!r} is neither a depot nor a stop")
                schedulable = False
        if fleet.base == "hub":
            if s.vehicle is not None:
                bad("sync", f"{s.unit}: fleet {fleet.id} is hub-based, but a van is named")
            if s.launch_at != fleet.hub or s.recover_at != fleet.hub:
                bad("sync", f"{s.unit}: hub-based units launch and land at hub {fleet.hub}")
                schedulable = False
        else:
            route = routes_by_vehicle.get(s.vehicle or "")
            if route is None:
                bad("sync", f"{s.unit}: van {s.vehicle!r} has no route, so it is absent")
                schedulable = False
            else:
                vt = problem.vehicle_type_by_id[route.vehicle_type]
                if fleet.carried_by is not None and vt.id not in fleet.carried_by:
                    bad("unit", f"{s.unit}: vehicle type {vt.id} carries no units of {fleet.id}")
        if schedulable and fleet.max_radius_m is not None:
            a = problem.depot_index.get(s.launch_at, problem.stop_index.get(s.launch_at))
            b = problem.stop_index[stop.id]
            assert a is not None
            d = ctx.leg_m(fleet, a, b)
            if d > fleet.max_radius_m + 1e-6:
                bad(
                    "range",
                    f"{s.unit}: stop {stop.id} is {d:.0f} m from {s.launch_at}, beyond "
                    f"{fleet.id}'s radius of {fleet.max_radius_m:g} m",
                )
        ok.append(schedulable)
    return out, ok


def check_sorties(
    problem: Problem,
    solution: Solution,
    *,
    route_steps: dict[str, list[Step]],
    dist: np.ndarray,
    dur: np.ndarray,
    min_soc_kwh: dict[str, float | None],
) -> SyncReport:
    """Check every sortie and the van schedules they change (see the module docstring).

    ``route_steps`` are the checker's steps of each van route (for the departure time and the
    stop-only schedule), ``min_soc_kwh`` each electric van's lowest state of charge."""
    report = SyncReport()
    ctx = _Context(problem, dist)
    routes = {r.vehicle: r for r in solution.routes}
    static, ok = _static_checks(ctx, solution, routes)
    report.violations.extend(static)
    for s in solution.sorties:
        if s.stop in problem.stop_by_id:
            report.served[s.stop] += 1
    units: set[tuple[str | None, str, str]] = set()

    # ---- hub-based units: each unit's sorties in the order listed
    free: dict[tuple[str, str], float] = {}
    for i, (s, good) in enumerate(zip(solution.sorties, ok, strict=True)):
        fleet = problem.light_fleet_by_id.get(s.fleet)
        if not good or fleet is None or fleet.base != "hub":
            continue
        hub = problem.depots[problem.depot_index[fleet.hub or ""]]
        key = (fleet.id, s.unit)
        earliest = max(float(fleet.shift_start_s), float(hub.open_s), free.get(key, 0.0))
        start = max(earliest, s.launch_s if s.launch_s is not None else earliest)
        f = _launch(ctx, s, i, fleet, start)
        end = _land(ctx, f, f.land_s, report, report.violations)
        if hub.close_s is not None and end > hub.close_s + EPS:
            report.violations.append(
                Violation("shift", f"{s.unit}: lands after hub {hub.id} closes", None, s.stop)
            )
        free[key] = end + fleet.spec.turnaround_s
        units.add((None, fleet.id, s.unit))

    # ---- van-based units: replay each van's route with its launches and recoveries
    for route in solution.routes:
        vt = problem.vehicle_type_by_id.get(route.vehicle_type)
        steps = route_steps.get(route.vehicle)
        mine = [
            (i, s)
            for i, (s, good) in enumerate(zip(solution.sorties, ok, strict=True))
            if good
            and s.vehicle == route.vehicle
            and problem.light_fleet_by_id[s.fleet].base == "van"
        ]
        if vt is None or not steps or not mine:
            continue
        _replay_van(ctx, route, vt, steps, mine, report, units, dur, min_soc_kwh)

    # ---- a unit (per van or per hub) is paid once per day
    report.units_used = len(units)
    report.unit_fixed_cost = sum(
        problem.light_fleet_by_id[f].spec.fixed_cost_per_day for _, f, _ in units
    )
    for steps in route_steps.values():
        if steps:
            report.makespan_s = max(report.makespan_s, steps[-1].arrival_s)
    for vehicle, st in report.route_steps.items():
        report.makespan_s = max(report.makespan_s, st[-1].arrival_s)
        del vehicle
    starts = [st[0].departure_s for st in route_steps.values() if st]
    starts += [r.steps[0].start_s for r in report.sorties if r.vehicle is None]
    if starts:
        report.makespan_s -= min(starts)
    report.sorties.sort(key=lambda r: r.index)
    return report


def _replay_van(
    ctx: _Context,
    route: Route,
    vt: VehicleType,
    steps: list[Step],
    mine: list[tuple[int, Sortie]],
    report: SyncReport,
    units: set[tuple[str | None, str, str]],
    dur: np.ndarray,
    min_soc_kwh: dict[str, float | None],
) -> None:
    problem = ctx.problem
    v = route.vehicle
    viol = report.violations
    start_depot = vt.start_depot
    end_depot = vt.end_depot_id
    # route points: 0 = start depot, 1..n = stops/stations, n+1 = end depot
    ids = [start_depot, *route.stops, end_depot]
    pos: dict[str, int] = {}
    for k, ident in enumerate(ids[1:-1], 1):
        pos.setdefault(ident, k)
    launches: dict[int, list[tuple[int, Sortie]]] = {}
    rec_pos: dict[int, int | None] = {}  # sortie index -> recovery point (None: at a hub)
    for i, s in mine:
        p_l = 0 if s.launch_at == start_depot else pos.get(s.launch_at)
        if s.recover_at in pos:
            p_r: int | None = pos[s.recover_at]
        elif s.recover_at in problem.depot_index and s.kind == "robot":
            p_r = None  # the robot returns to a depot on its own (the van need not be there)
        elif s.recover_at == end_depot:
            p_r = len(ids) - 1
        else:
            p_r = -1
        if p_l is None:
            viol.append(Violation(
                "sync", f"{s.unit}: launch point {s.launch_at} is not on {v}'s route, so the "
                "van is absent", v, s.stop))  # fmt: skip
            continue
        if p_r == -1:
            viol.append(Violation(
                "sync", f"{s.unit}: recovery point {s.recover_at} is not on {v}'s route, so the "
                "van is absent", v, s.stop))  # fmt: skip
            continue
        if p_r is not None and p_r <= p_l:
            viol.append(Violation(
                "sync", f"{s.unit}: recovered at {s.recover_at} (route point {p_r}), not after "
                f"its launch at {s.launch_at} (route point {p_l})", v, s.stop))  # fmt: skip
            continue
        launches.setdefault(p_l, []).append((i, s))
        rec_pos[i] = p_r
    # van load: its own stops plus every consignment it carries for its units
    carried = [problem.stop_by_id[s.stop] for i, s in mine if i in rec_pos]
    own = [problem.stop_by_id[x] for x in route.stops if x in problem.stop_by_id]
    kg = sum(s.weight_kg for s in own + carried)
    m3 = sum(s.volume_m3 for s in own + carried)
    if kg > vt.capacity_kg + 1e-9 or m3 > vt.capacity_m3 + 1e-9:
        viol.append(Violation(
            "capacity", f"{v}: {kg:.1f} kg / {m3:.3f} m3 with its units' parcels exceeds "
            f"{vt.capacity_kg:g} kg / {vt.capacity_m3:g} m3", v))  # fmt: skip

    airborne: dict[int, list[_Flight]] = {}
    unit_free: dict[tuple[str, str], float] = {}
    unit_away: set[tuple[str, str]] = set()
    out_steps: list[Step] = []
    t = steps[0].departure_s
    extra_wait = 0.0
    for k, ident in enumerate(ids):
        if k == 0:
            arrival = begin = t
            wait = 0.0
        else:
            a = _matrix_index(problem, ids[k - 1])
            b = _matrix_index(problem, ident)
            arrival = t + float(dur[a, b])
            base = steps[k] if k < len(steps) else None
            stop = problem.stop_by_id.get(ident) if 0 < k < len(ids) - 1 else None
            if stop is not None:
                tw = stop.time_window
                begin = max(arrival, float(tw.start_s)) if tw else arrival
                if tw is not None and begin > tw.end_s + EPS:
                    viol.append(Violation(
                        "time_window", f"{v}: stop {stop.id} served at {begin:.0f} s, after its "
                        f"window ends at {tw.end_s} s (launches and recoveries delay the van)",
                        v, stop.id))  # fmt: skip
                t = begin + stop.service_time_s
            elif base is not None and base.kind == "charge":
                begin = arrival + (base.service_start_s - base.arrival_s)
                t = begin + (base.departure_s - base.service_start_s)
            else:
                begin = t = arrival
            wait = begin - arrival
        handled_from = t
        for f in sorted(airborne.pop(k, []), key=lambda f: f.land_s):
            t = _land(ctx, f, t, report, viol)
            key = (f.fleet.id, f.sortie.unit)
            unit_free[key] = t + f.fleet.spec.turnaround_s
            unit_away.discard(key)
        for i, s in launches.get(k, []):
            fleet = problem.light_fleet_by_id[s.fleet]
            key = (fleet.id, s.unit)
            if key in unit_away:
                viol.append(Violation(
                    "sync", f"{s.unit} is not on {v} at {ident} (still out or left at a hub)",
                    v, s.stop))  # fmt: skip
                continue
            start = max(t, unit_free.get(key, 0.0), float(fleet.shift_start_s))
            if s.launch_s is not None:
                start = max(start, s.launch_s)
            f = _launch(ctx, s, i, fleet, start)
            t = f.launch_end
            unit_away.add(key)
            units.add((v, fleet.id, s.unit))
            p_r = rec_pos[i]
            if p_r is None:  # robot returns to a depot by itself, collected by depot staff
                home_end = _land(ctx, f, f.land_s, report, viol)
                home = problem.depots[problem.depot_index[s.recover_at]]
                if home.close_s is not None and home_end > home.close_s + EPS:
                    viol.append(Violation(
                        "shift", f"{s.unit}: returns to depot {home.id} after it closes",
                        v, s.stop))  # fmt: skip
            else:
                airborne.setdefault(p_r, []).append(f)
        extra_wait += t - handled_from
        base_step = steps[k] if k < len(steps) else steps[-1]
        out_steps.append(base_step.model_copy(update={
            "arrival_s": arrival, "service_start_s": begin, "departure_s": t,
            "wait_s": wait + (t - handled_from)}))  # fmt: skip
    end = t
    for leftovers in airborne.values():  # recovery points past the route's end: cannot happen
        for f in leftovers:
            viol.append(Violation("sync", f"{f.sortie.unit} is never recovered", v))
    if vt.shift_end_s is not None and end > vt.shift_end_s + EPS:
        viol.append(Violation(
            "shift", f"{v}: returns at {end:.0f} s with its units, after shift end "
            f"{vt.shift_end_s} s", v))  # fmt: skip
    end_dep = problem.depots[problem.depot_index[end_depot]]
    if end_dep.close_s is not None and end > end_dep.close_s + EPS:
        viol.append(Violation("shift", f"{v}: returns after depot {end_dep.id} closes", v))
    duration = end - steps[0].departure_s  # launches at the start depot count too
    if vt.max_shift_duration_s is not None and duration > vt.max_shift_duration_s + EPS:
        viol.append(Violation(
            "shift", f"{v}: route takes {duration:.0f} s with its units, longer than the "
            f"{vt.max_shift_duration_s} s shift", v))  # fmt: skip
    # the van's extra time: the part of the synchronised route beyond the stop-only schedule
    extra = max(0.0, duration - (steps[-1].arrival_s - steps[0].departure_s))
    report.route_steps[v] = out_steps
    report.van_extra_s[v] = extra
    if extra > 0:
        temp = problem.conditions.ambient_temp_c
        dw = dwell_energy(vt, duration_s=extra, ambient_temp_c=temp)
        driver = vt.driver_cost_per_hour * extra / 3600.0
        energy = (
            grid_energy_kwh(vt, dw.battery_kwh) * problem.economics.electricity_per_kwh
            + dw.fuel_l * problem.economics.diesel_per_l
        )
        report.van_extra_cost["driver"] = report.van_extra_cost.get("driver", 0.0) + driver
        report.van_extra_cost["energy"] = report.van_extra_cost.get("energy", 0.0) + energy
        report.van_extra_co2_kg += co2_kg(
            vt, problem.economics, battery_kwh=dw.battery_kwh, fuel_l=dw.fuel_l
        )
        report.van_extra_kwh += dw.battery_kwh
        report.van_extra_fuel_l += dw.fuel_l
        low = min_soc_kwh.get(v)
        if vt.is_electric and low is not None:
            pt = vt.powertrain
            reserve = usable_battery_kwh(pt, temp) * pt.reserve_fraction  # type: ignore[arg-type,union-attr]
            if low - dw.battery_kwh < reserve - 1e-9:
                viol.append(Violation(
                    "energy", f"{v}: waiting for its units takes its battery to "
                    f"{low - dw.battery_kwh:.2f} kWh, below the reserve", v))  # fmt: skip


def _matrix_index(problem: Problem, ident: str) -> int:
    if ident in problem.stop_index:
        return problem.stop_index[ident]
    if ident in problem.station_index:
        return problem.station_index[ident]
    return problem.depot_index[ident]
