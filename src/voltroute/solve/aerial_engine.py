"""Engine for vans with drones and sidewalk robots (``Problem.drones`` / ``Problem.robots``).

Van routes first, then the light units, improved by local search over both:

1. **Vans alone.** The problem without its drone and robot fleets goes to the usual engine
   (PyVRP, or the charging engine when there are stations): every stop in a van route.
2. **Hub units** (``base="hub"``, mode 1). Every eligible stop within reach of a hub is priced
   both ways: what leaving the van route saves (cheapest-removal cost of travel, service time
   and energy) against the flight or trip (energy, supervision). The best are packed onto the
   hub's units by list scheduling (each unit flies one trip after the other, within the
   customer's window, the fleet's hours and the battery), units that do not earn their day's
   fixed cost are dropped, and the vans are re-planned without the stops the units took, which
   changes the van sequences (and may save whole vans).
3. **Van-carried units** (``base="van"``, modes 2 and 3), per van route, several candidate
   plans, each replayed by :func:`_evaluate_route` (the checker's timing rules: windows,
   waiting, battery, shift, capacity) and the cheapest kept:

   * *fixed sequence*: on the van's own sequence a best-improvement local search with four
     moves: a stop from the van to a unit (launch up to ``window`` points before, recovery up to
     ``window`` points after or at the route's end, every unit; a robot may instead return to
     the nearest depot on its own), a unit's stop back into the van at its cheapest position,
     re-anchoring a sortie (other launch/recovery points or unit), until no move helps;
   * *sidekick* (drones, when one drone fleet rides on the van and the route starts and ends at
     the same depot): the van's stops become a :class:`~voltroute.solve.sidekick.SidekickInstance`
     (road times, straight-line flights with this module's energy model, endurance from the
     battery less its reserve, cost weights from the van's wage and per-metre costs) and
     :func:`~voltroute.solve.sidekick.solve_sidekick` (split DP + local search that changes the
     van's sequence) and :func:`~voltroute.solve.sidekick.plan_for_tour` (the DP on the van's
     own sequence) give plans, which the fixed-sequence search then polishes (robots, reverse
     moves). The sidekick ignores time windows and shifts: its plans only count if the replay
     accepts them.

Costs are the checker's: van driver time, distance, energy (at empty payload in the search) and
fixed cost; unit energy at grid price, supervision per hour and fixed cost per unit used.
The plan is verified afterwards by :mod:`voltroute.evaluate.fleet_sync`, never trusted.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from voltroute.energy import leg_energy_array
from voltroute.energy.aerial import (
    drone_flight,
    flight_tables,
    robot_trip,
    straight_line_matrix_m,
)
from voltroute.model import (
    DroneFleet,
    Matrices,
    Problem,
    RobotFleet,
    Route,
    Solution,
    Sortie,
    Stop,
    Unassigned,
    VehicleType,
)
from voltroute.network import travel_matrices
from voltroute.solve.params import SolveParams

Fleet = DroneFleet | RobotFleet
EPS = 1e-6
HUB = -1  # recovery "point" of a robot that returns to a depot on its own
VanDrones = Literal["best", "fixed", "sidekick"]


# ---------------------------------------------------------------- shared helpers
def stop_eligible(fleet: Fleet, stop: Stop) -> bool:
    """Eligibility and payload: may ``stop`` go by a unit of ``fleet`` at all?"""
    if isinstance(fleet, DroneFleet):
        if not stop.drone_opt_in or stop.no_fly or not all(p.drone_ok for p in stop.parcels):
            return False
        kg, m3 = fleet.spec.max_payload_kg, fleet.spec.max_parcel_volume_m3
    else:
        if not stop.robot_access or not all(p.robot_ok for p in stop.parcels):
            return False
        kg, m3 = fleet.spec.capacity_kg, fleet.spec.capacity_m3
    return stop.weight_kg <= kg + 1e-9 and stop.volume_m3 <= m3 + 1e-12


def sub_problem(problem: Problem, keep: list[str]) -> Problem:
    """``problem`` with only the stops ``keep`` (matrices sliced) and no drone or robot fleets."""
    keep_set = set(keep)
    stops = tuple(s for s in problem.stops if s.id in keep_set)
    changes: dict[str, object] = {"stops": stops, "drones": (), "robots": ()}
    if problem.matrices is not None:
        nd = len(problem.depots)
        idx = (
            list(range(nd))
            + [problem.stop_index[s.id] for s in stops]
            + [problem.station_index[c.id] for c in problem.stations]
        )
        ix = np.ix_(idx, idx)
        changes["matrices"] = Matrices(
            distance_m=problem.matrices.distance_m[ix], duration_s=problem.matrices.duration_s[ix]
        )
    return problem.replace(**changes)  # re-validated: fresh index look-ups


@dataclass(frozen=True)
class _Op:
    """A unit of a van: serve ``stop`` launched at route point ``l``, recovered at ``r``
    (``r == HUB``: a robot that returns to depot ``hub`` by itself)."""

    fleet: Fleet
    unit: str
    stop: Stop
    l: int  # noqa: E741 - launch point
    r: int
    hub: str | None = None


def _removed(ops: list[_Op], pos: int) -> list[_Op]:
    """Anchors after removing route point ``pos`` (no sortie may be anchored there)."""
    return [
        replace(o, l=o.l - (o.l > pos), r=o.r if o.r == HUB else o.r - (o.r > pos)) for o in ops
    ]


def _inserted(ops: list[_Op], pos: int) -> list[_Op]:
    """Anchors after inserting a new route point at ``pos`` (old points >= pos move up)."""
    return [
        replace(o, l=o.l + (o.l >= pos), r=o.r if o.r == HUB else o.r + (o.r >= pos)) for o in ops
    ]


@dataclass
class _Ctx:
    problem: Problem
    dist: np.ndarray
    dur: np.ndarray
    line: np.ndarray
    temp: float
    van_cost: dict[str, np.ndarray] = field(default_factory=dict)  # per type: travel cost matrix
    index: dict[str, int] = field(default_factory=dict)  # depot, stop, station id -> matrix
    kg: dict[str, float] = field(default_factory=dict)  # stop id -> consignment mass
    m3: dict[str, float] = field(default_factory=dict)  # stop id -> consignment volume
    runs: dict[tuple[str, int, int, int, float], tuple[float, float, float, bool, float, float]] = (
        field(default_factory=dict)
    )  # sorties without waiting, see unit_run

    def __post_init__(self) -> None:
        p = self.problem
        self.index = {**p.depot_index, **p.station_index, **p.stop_index}
        self.kg = {s.id: s.weight_kg for s in p.stops}
        self.m3 = {s.id: s.volume_m3 for s in p.stops}

    def idx(self, ident: str) -> int:
        return self.index[ident]

    def leg_m(self, fleet: Fleet, a: int, b: int) -> float:
        if isinstance(fleet, DroneFleet):
            return float(self.line[a, b])
        return float(self.dist[a, b]) * fleet.spec.detour_factor

    def travel_cost(self, vt: VehicleType) -> np.ndarray:
        """Cost of driving each leg (maintenance plus energy at empty payload)."""
        m = self.van_cost.get(vt.id)
        if m is None:
            econ = self.problem.economics
            m = self.dist / 1000.0 * vt.cost_per_km
            if vt.powertrain is not None:
                kwh, litres = leg_energy_array(vt, self.dist, self.dur, 0.0, self.temp)
                eff = getattr(vt.powertrain, "charging_efficiency", 1.0)
                m = m + np.asarray(kwh) / eff * econ.electricity_per_kwh
                m = m + np.asarray(litres) * econ.diesel_per_l
            self.van_cost[vt.id] = m
        return m

    def unit_run(
        self, fleet: Fleet, a: int, b: int, c: int, payload: float, wait_l: float, wait_e: float
    ) -> tuple[float, float, float, bool]:
        """(out_s, back_s, energy_wh, within battery and range) of one sortie a -> b -> c,
        hovering (standing) ``wait_l`` s loaded and ``wait_e`` s empty; the same numbers as
        :func:`drone_flight` / :func:`robot_trip` (waiting power is constant, so the flight
        without waiting is cached per sortie and the waiting added)."""
        key = (fleet.id, a, b, c, payload)
        base = self.runs.get(key)
        if base is None:
            base = self.runs[key] = self._unit_run(fleet, a, b, c, payload)
        out_s, back_s, wh, ok, p_loaded, p_empty = base
        wh += (p_loaded * wait_l + p_empty * wait_e) / 3600.0
        spec = fleet.spec
        return out_s, back_s, wh, ok and wh <= spec.battery_wh * (1 - spec.reserve_fraction) + 1e-9

    def _unit_run(
        self, fleet: Fleet, a: int, b: int, c: int, payload: float
    ) -> tuple[float, float, float, bool, float, float]:
        out_m, back_m = self.leg_m(fleet, a, b), self.leg_m(fleet, b, c)
        ok = fleet.max_radius_m is None or out_m <= fleet.max_radius_m + 1e-6
        if isinstance(fleet, DroneFleet):
            f = drone_flight(
                fleet.spec, out_m=out_m, back_m=back_m, payload_kg=payload,
                ambient_temp_c=self.temp,
            )  # fmt: skip
            w1 = drone_flight(
                fleet.spec, out_m=out_m, back_m=back_m, payload_kg=payload,
                ambient_temp_c=self.temp, wait_loaded_s=1.0,
            ).wait_energy_wh * 3600.0  # fmt: skip
            w0 = drone_flight(
                fleet.spec, out_m=out_m, back_m=back_m, payload_kg=payload,
                ambient_temp_c=self.temp, wait_empty_s=1.0,
            ).wait_energy_wh * 3600.0  # fmt: skip
            return f.out_s, f.back_s, f.energy_wh, ok, w1, w0
        t = robot_trip(fleet.spec, out_m=out_m, back_m=back_m, payload_kg=payload)
        lim = fleet.spec.max_trip_distance_m
        if lim is not None and out_m + back_m > lim + 1e-6:
            ok = False
        aux = fleet.spec.aux_power_w
        return t.out_s, t.back_s, t.energy_wh, ok, aux, aux

    def unit_cost(self, fleet: Fleet, energy_wh: float, duration_s: float) -> float:
        econ = self.problem.economics
        return (
            energy_wh / 1000.0 / fleet.spec.charging_efficiency * econ.electricity_per_kwh
            + duration_s / 3600.0 * fleet.spec.cost_per_hour
        )


@dataclass
class _Eval:
    feasible: bool
    cost: float
    launch_s: dict[int, float]  # op index -> launch start


_NO = _Eval(False, float("inf"), {})


def _evaluate_route(
    ctx: _Ctx, vt: VehicleType, seq: list[str], ops: list[_Op], start: float
) -> _Eval:
    """Replay one van route (stop ids ``seq``) with its units: cost and feasibility.

    Same timing as :mod:`voltroute.evaluate.fleet_sync`: at a route point the van arrives, waits
    for the window, serves the stop, recovers the units due there (in landing order, waiting
    for each), then launches the units leaving there (in ``ops`` order)."""
    p = ctx.problem
    ids = [vt.start_depot, *seq, vt.end_depot_id]
    index = ctx.index
    idx = [index[x] for x in ids]
    last = len(ids) - 1
    by_l: dict[int, list[int]] = {}
    for i, op in enumerate(ops):
        if op.r == HUB:
            if not 0 <= op.l < last or op.hub is None:
                return _NO
        elif not 0 <= op.l < op.r <= last:
            return _NO
        by_l.setdefault(op.l, []).append(i)
    cmat = ctx.travel_cost(vt)
    landing: dict[int, list[tuple[float, int, float]]] = {}
    free: dict[tuple[str, str], float] = {}
    launch_s: dict[int, float] = {}
    t = start
    unit_cost = 0.0
    used: set[tuple[str, str]] = set()
    legs_s = ctx.dur[idx[:-1], idx[1:]].tolist()
    travel_cost = float(cmat[idx[:-1], idx[1:]].sum())
    for k in range(len(ids)):
        if k > 0:
            t += legs_s[k - 1]
            stop = p.stop_by_id.get(ids[k]) if k < last else None
            if stop is not None:
                tw = stop.time_window
                if tw is not None:
                    if t > tw.end_s + EPS:
                        return _NO
                    t = max(t, float(tw.start_s))
                t += stop.service_time_s
        for land, i, wait_l in sorted(landing.pop(k, [])):
            op = ops[i]
            rec = max(t, land)
            _, _, wh, ok = ctx.unit_run(
                op.fleet, idx[op.l], index[op.stop.id], idx[op.r], ctx.kg[op.stop.id],
                wait_l, rec - land,
            )  # fmt: skip
            if not ok:
                return _NO
            t = rec + _recovery_s(op.fleet)
            if op.fleet.shift_end_s is not None and t > op.fleet.shift_end_s + EPS:
                return _NO
            unit_cost += ctx.unit_cost(op.fleet, wh, t - launch_s[i])
            free[(op.fleet.id, op.unit)] = t + op.fleet.spec.turnaround_s
        for i in by_l.get(k, []):
            op = ops[i]
            key = (op.fleet.id, op.unit)
            if free.get(key) == float("inf"):
                return _NO  # still out, or gone home to a depot
            L = max(t, free.get(key, 0.0), float(op.fleet.shift_start_s))
            launch_s[i] = L
            t = L + op.fleet.spec.launch_s
            c = ctx.idx(op.hub) if op.r == HUB and op.hub else idx[op.r]
            out_s, back_s, _, ok = ctx.unit_run(
                op.fleet, idx[op.l], index[op.stop.id], c, ctx.kg[op.stop.id], 0.0, 0.0
            )
            if not ok:
                return _NO
            arrive = t + out_s
            tw = op.stop.time_window
            serve = max(arrive, float(tw.start_s)) if tw else arrive
            if tw is not None and serve > tw.end_s + EPS:
                return _NO
            land = serve + op.fleet.spec.service_s + back_s
            free[key] = float("inf")  # out
            used.add(key)
            if op.r == HUB:  # home by itself: collected there, never by this van again
                _, _, wh, ok = ctx.unit_run(
                    op.fleet, idx[op.l], index[op.stop.id], c, ctx.kg[op.stop.id],
                    serve - arrive, 0.0,
                )  # fmt: skip
                end = land + _recovery_s(op.fleet)
                hub = p.depots[p.depot_index[op.hub or ""]]
                if not ok or (hub.close_s is not None and end > hub.close_s + EPS):
                    return _NO
                if op.fleet.shift_end_s is not None and end > op.fleet.shift_end_s + EPS:
                    return _NO
                unit_cost += ctx.unit_cost(op.fleet, wh, end - L)
            else:
                landing.setdefault(op.r, []).append((land, i, serve - arrive))
    end = t
    if vt.shift_end_s is not None and end > vt.shift_end_s + EPS:
        return _NO
    end_dep = p.depots[p.depot_index[vt.end_depot_id]]
    if end_dep.close_s is not None and end > end_dep.close_s + EPS:
        return _NO
    if vt.max_shift_duration_s is not None and end - start > vt.max_shift_duration_s + EPS:
        return _NO
    kg, m3 = ctx.kg, ctx.m3
    carried = sum(kg[op.stop.id] for op in ops) + sum(kg.get(x, 0.0) for x in seq)
    if carried > vt.capacity_kg + 1e-9:
        return _NO
    vol = sum(m3[op.stop.id] for op in ops) + sum(m3.get(x, 0.0) for x in seq)
    if vol > vt.capacity_m3 + 1e-9:
        return _NO
    fixed = sum(ctx.problem.light_fleet_by_id[f].spec.fixed_cost_per_day for f, _ in used)
    cost = travel_cost + vt.driver_cost_per_hour * (end - start) / 3600.0 + unit_cost + fixed
    return _Eval(True, cost, launch_s)


def _recovery_s(fleet: Fleet) -> float:
    return fleet.spec.recovery_s if isinstance(fleet, DroneFleet) else fleet.spec.collection_s


# ---------------------------------------------------------------- engine
class AerialEngine:
    """Vans plus drones and robots (see the module docstring).

    ``van_drones`` chooses the plans tried for drones carried by vans: ``"best"`` (default:
    fixed-sequence search and sidekick, the cheaper per van), ``"fixed"`` or ``"sidekick"``
    (sidekick plans only, polished; the van's own plan if the sidekick finds none)."""

    name = "aerial"

    def __init__(self, window: int = 4, van_drones: VanDrones = "best") -> None:
        if window < 1:
            raise ValueError("window must be >= 1")
        if van_drones not in ("best", "fixed", "sidekick"):
            raise ValueError("van_drones must be 'best', 'fixed' or 'sidekick'")
        self.window = window
        self.van_drones = van_drones

    def supports(self, problem: Problem) -> str | None:
        if not problem.drones and not problem.robots:
            return "the problem has no drone or robot fleets"
        return None

    def solve(self, problem: Problem, params: SolveParams) -> Solution:
        from voltroute.solve import select_engine

        t0 = time.perf_counter()
        mats = travel_matrices(problem)
        ctx = _Ctx(
            problem,
            np.asarray(mats.distance_m, dtype=np.float64),
            np.asarray(mats.duration_s, dtype=np.float64),
            straight_line_matrix_m(problem),
            problem.conditions.ambient_temp_c,
        )
        hub_fleets = [f for f in problem.light_fleets if f.base == "hub"]
        van_fleets = [f for f in problem.light_fleets if f.base == "van"]
        share = 0.45 if hub_fleets else (0.5 if van_fleets else 0.9)

        def vans(stop_ids: list[str], frac: float) -> Solution:
            sub = sub_problem(problem, stop_ids)
            p = SolveParams(
                time_limit_s=max(0.2, params.time_limit_s * frac), seed=params.seed,
                max_iterations=params.max_iterations, engine="auto",
                energy_payload=params.energy_payload, progress=params.progress,
            )  # fmt: skip
            return select_engine(sub, p).solve(sub, p)

        all_ids = [s.id for s in problem.stops]
        base = vans(all_ids, share)
        sorties: list[Sortie] = []
        routes = list(base.routes)
        unassigned = list(base.unassigned)
        if hub_fleets:
            taken, hub_sorties = self._hub_assign(ctx, hub_fleets, routes, unassigned)
            if taken:
                rest = [s for s in all_ids if s not in taken]
                again = vans(rest, share) if rest else Solution()
                routes = list(again.routes)
                unassigned = list(again.unassigned)
                sorties += hub_sorties
        methods: Counter[str] = Counter()
        errors: list[str] = []
        if van_fleets:
            new_routes = []
            end = t0 + params.time_limit_s
            for n_left, route in zip(range(len(routes), 0, -1), routes, strict=True):
                budget = max(0.3, (end - time.perf_counter()) / n_left)
                r, extra, how = self._van_route(ctx, route, van_fleets, budget, params, errors)
                new_routes.append(r)
                sorties += extra
                methods[how] += 1
            routes = new_routes
        return Solution(
            problem=problem.name,
            routes=tuple(routes),
            unassigned=tuple(unassigned),
            sorties=tuple(sorties),
            solver={
                "engine": self.name,
                "seed": params.seed,
                "runtime_s": time.perf_counter() - t0,
                "van_engine": base.solver.get("engine"),
                "sorties": len(sorties),
                "van_plans": dict(methods),
                **({"fallbacks": sorted(set(errors))} if errors else {}),
            },
        )

    # ---- mode 1: units at hubs
    def _hub_assign(
        self,
        ctx: _Ctx,
        fleets: list[Fleet],
        routes: list[Route],
        unassigned: list[Unassigned],
    ) -> tuple[set[str], list[Sortie]]:
        p = ctx.problem
        # what leaving each stop's van route saves: travel, service time, and the stop's window
        saving: dict[str, float] = {}
        for route in routes:
            vt = p.vehicle_type_by_id[route.vehicle_type]
            cm = ctx.travel_cost(vt)
            ids = [vt.start_depot, *route.stops, vt.end_depot_id]
            idx = [ctx.idx(x) for x in ids]
            for k in range(1, len(ids) - 1):
                stop = p.stop_by_id.get(ids[k])
                if stop is None:
                    continue
                a, b, c = idx[k - 1], idx[k], idx[k + 1]
                dt = ctx.dur[a, b] + ctx.dur[b, c] - ctx.dur[a, c] + stop.service_time_s
                saving[stop.id] = float(
                    cm[a, b] + cm[b, c] - cm[a, c] + vt.driver_cost_per_hour * dt / 3600.0
                )
        for u in unassigned:
            stop = p.stop_by_id[u.stop]
            saving[stop.id] = p.stop_penalty(stop) if not stop.required else 1e6
        taken: set[str] = set()
        out: list[Sortie] = []
        for fleet in fleets:
            hub = p.depots[p.depot_index[fleet.hub or ""]]
            h = p.depot_index[hub.id]
            cands = []
            for stop in p.stops:
                if stop.id in taken or not stop_eligible(fleet, stop):
                    continue
                b = p.stop_index[stop.id]
                out_s, back_s, wh, ok = ctx.unit_run(fleet, h, b, h, stop.weight_kg, 0.0, 0.0)
                if not ok:
                    continue
                busy = fleet.spec.launch_s + out_s + fleet.spec.service_s + back_s
                rec = (
                    fleet.spec.recovery_s
                    if isinstance(fleet, DroneFleet)
                    else (fleet.spec.collection_s)
                )
                gain = saving.get(stop.id, 0.0) - ctx.unit_cost(fleet, wh, busy + rec)
                if gain > 0:
                    cands.append((gain, stop, out_s, back_s, busy + rec))
            cands.sort(key=lambda c: -c[0])
            # units start with the vans' day (a fleet without hours would otherwise fly at 0:00)
            van_day = min((vt.shift_start_s for vt in p.vehicle_types), default=0)
            day0 = float(max(fleet.shift_start_s, hub.open_s, van_day))
            ends = [e for e in (fleet.shift_end_s, hub.close_s) if e is not None]
            day1 = float(min(ends)) if ends else float("inf")
            free = {u: day0 for u in fleet.unit_names()}
            plan: dict[str, list[tuple[float, Sortie, float]]] = {u: [] for u in free}
            # most profitable first; each goes to the unit that can deliver it
            for gain, stop, out_s, _back, busy in cands:
                tw = stop.time_window
                best: tuple[str, float, float, tuple[int, float]] | None = None
                for unit, f0 in free.items():
                    launch = f0
                    if tw is not None:
                        launch = max(launch, tw.start_s - fleet.spec.launch_s - out_s)
                        if launch + fleet.spec.launch_s + out_s > tw.end_s + EPS:
                            continue
                    end = launch + busy
                    if end > day1 + EPS:
                        continue
                    # fill units already flying before starting another (each costs a day)
                    rank = (0 if plan[unit] else 1, end)
                    if best is None or rank < best[3]:
                        best = (unit, end, launch, rank)
                if best is None:
                    continue
                unit, end, launch, _ = best
                free[unit] = end + fleet.spec.turnaround_s
                plan[unit].append(
                    (
                        gain,
                        Sortie(
                            kind=fleet.kind,
                            fleet=fleet.id,
                            unit=unit,
                            stop=stop.id,
                            launch_at=hub.id,
                            recover_at=hub.id,
                            launch_s=launch,
                        ),  # fmt: skip
                        launch,
                    )
                )
            for items in plan.values():
                if sum(g for g, _, _ in items) <= fleet.spec.fixed_cost_per_day:
                    continue  # this unit does not earn its day
                for _, sortie, _ in sorted(items, key=lambda x: x[2]):
                    out.append(sortie)
                    taken.add(sortie.stop)
        return taken, out

    # ---- modes 2 and 3: units carried by the vans
    def _van_route(
        self,
        ctx: _Ctx,
        route: Route,
        fleets: list[Fleet],
        budget_s: float,
        params: SolveParams,
        errors: list[str],
    ) -> tuple[Route, list[Sortie], str]:
        """The cheapest plan found for one van and its units: (route, sorties, which plan)."""
        p = ctx.problem
        vt = p.vehicle_type_by_id[route.vehicle_type]
        mine = [f for f in fleets if f.carried_by is None or vt.id in f.carried_by]
        if not mine or any(x in p.station_by_id for x in route.stops):
            return route, [], "van"
        depot = p.depots[p.depot_index[vt.start_depot]]
        start = (
            float(route.start_s)
            if route.start_s is not None
            else float(max(vt.shift_start_s, depot.open_s))
        )
        seq0 = list(route.stops)
        base = _evaluate_route(ctx, vt, seq0, [], start)
        if not base.feasible:
            return route, [], "van"
        t_start = time.perf_counter()
        t_end = t_start + budget_s
        drones = [f for f in mine if isinstance(f, DroneFleet)]
        use_sk = (
            self.van_drones != "fixed"
            and len(drones) == 1
            and vt.start_depot == vt.end_depot_id
            and len(seq0) >= 2
        )
        cands: list[tuple[float, str, list[str], list[_Op]]] = []
        if self.van_drones != "sidekick" or not use_sk:
            share = 0.4 if use_sk else 1.0
            seq, ops, ev = self._search(ctx, vt, seq0, [], start, mine, t_start + share * budget_s)
            cands.append((ev.cost, "fixed", seq, ops))
        if use_sk:
            # half of what is left, at most ~1 s plus 0.1 s per stop (the sidekick's ILS
            # levels off well within that on routes of a van's size)
            sk_time = min(0.5 * max(0.05, t_end - time.perf_counter()), 1.0 + 0.1 * len(seq0))
            try:
                plans = self._sidekick_plans(ctx, vt, seq0, drones[0], sk_time, params)
            except Exception as exc:  # noqa: BLE001 - an optional candidate; fall back, say why
                plans = []
                errors.append(f"sidekick: {exc.__class__.__name__}: {exc}"[:200])
                if not cands:  # "sidekick" only: the fixed-sequence search is the fallback
                    seq, ops, ev = self._search(ctx, vt, seq0, [], start, mine, t_end)
                    cands.append((ev.cost, "fixed", seq, ops))
            for how, seq, ops in plans:
                if not _evaluate_route(ctx, vt, seq, ops, start).feasible:
                    continue
                deadline = max(t_end, time.perf_counter() + 0.1 * budget_s)
                seq, ops, ev = self._search(ctx, vt, seq, ops, start, mine, deadline)
                cands.append((ev.cost, how, seq, ops))
        if not cands:
            return route, [], "van"
        cost, how, seq, ops = min(cands, key=lambda c: c[0])
        if not ops or not seq or cost >= base.cost - 1e-9:
            # nothing better than the van alone (a van with no stop left still has to drive
            # to launch and recover, which the route format cannot say)
            return route, [], "van"
        current = _evaluate_route(ctx, vt, seq, ops, start)
        ids = [vt.start_depot, *seq, vt.end_depot_id]
        sorties = [
            Sortie(
                kind=op.fleet.kind,
                fleet=op.fleet.id,
                unit=op.unit,
                vehicle=route.vehicle,
                stop=op.stop.id,
                launch_at=ids[op.l],
                recover_at=op.hub if op.r == HUB and op.hub else ids[op.r],
                launch_s=current.launch_s.get(i),
            )  # fmt: skip
            for i, op in enumerate(ops)
        ]
        new_route = route.model_copy(
            update={"stops": tuple(seq), "start_s": start, "steps": (), "kpis": {}}
        )
        return new_route, sorties, how

    def _search(
        self,
        ctx: _Ctx,
        vt: VehicleType,
        seq: list[str],
        ops: list[_Op],
        start: float,
        mine: list[Fleet],
        deadline: float,
    ) -> tuple[list[str], list[_Op], _Eval]:
        """Best-improvement local search over a fixed van sequence (module docstring)."""
        p = ctx.problem
        current = _evaluate_route(ctx, vt, seq, ops, start)
        if not current.feasible:
            return seq, ops, current
        w = self.window
        depots = [d.id for d in p.depots]
        while time.perf_counter() < deadline:
            best: tuple[float, list[str], list[_Op]] | None = None

            def consider(
                new_seq: list[str], new_ops: list[_Op], limit: float = current.cost - 1e-9
            ) -> None:
                nonlocal best
                ev = _evaluate_route(ctx, vt, new_seq, new_ops, start)
                if ev.feasible and ev.cost < limit and (best is None or ev.cost < best[0]):
                    best = (ev.cost, new_seq, new_ops)

            # 1. a stop of the van goes by one of its units. A unit only adds time and cost (up
            #    to a unit's shorter supervision when launches shift), so the van route without
            #    the stop bounds such moves from below: positions are tried cheapest bound first
            #    and skipped once the bound cannot beat the best move found.
            anchors = {op.l for op in ops} | {op.r for op in ops}
            removals = []
            for pos in range(1, len(seq) + 1):
                if pos in anchors or len(seq) <= 1:
                    continue
                stop = p.stop_by_id[seq[pos - 1]]
                fl = [f for f in mine if stop_eligible(f, stop)]
                if not fl:
                    continue
                new_seq = seq[: pos - 1] + seq[pos:]
                shifted = _removed(ops, pos)
                bound = _evaluate_route(ctx, vt, new_seq, shifted, start)
                if bound.feasible and bound.cost < current.cost - 1e-9:
                    removals.append((bound.cost, pos, stop, fl, new_seq, shifted))
            removals.sort(key=lambda x: x[0])
            for bound_cost, pos, stop, fl, new_seq, shifted in removals:
                if best is not None and bound_cost >= best[0]:
                    break
                n_pts = len(new_seq) + 2
                for fleet in fl:
                    robot = isinstance(fleet, RobotFleet)
                    last = n_pts - 2 if robot else n_pts - 1  # robots go home by themselves
                    recs = sorted(set(range(pos, min(last, pos + w - 1) + 1)) | {last} - {0})
                    homes: list[str] = []
                    if robot:
                        b = p.stop_index[stop.id]
                        near = min(depots, key=lambda d: float(ctx.dist[b, p.depot_index[d]]))
                        homes = sorted({near, vt.end_depot_id})
                    for lp in range(max(0, pos - w), pos):
                        for unit in fleet.unit_names():
                            for rp in recs:
                                if rp > lp:
                                    consider(new_seq, [*shifted, _Op(fleet, unit, stop, lp, rp)])
                            for home in homes:
                                consider(new_seq, [*shifted, _Op(fleet, unit, stop, lp, HUB, home)])
            # 2. a unit's stop back into the van, at each position near its launch and recovery
            for i, op in enumerate(ops):
                rest = ops[:i] + ops[i + 1 :]
                hi = len(seq) + 1 if op.r == HUB else min(len(seq) + 1, op.r + w)
                for q in range(max(1, op.l - w + 1), hi + 1):
                    consider(seq[: q - 1] + [op.stop.id] + seq[q - 1 :], _inserted(rest, q))
            # 3. re-anchor a sortie: nearby launch and recovery points, another unit
            n_pts = len(seq) + 2
            for i, op in enumerate(ops):
                without = _evaluate_route(ctx, vt, seq, ops[:i] + ops[i + 1 :], start)
                if not without.feasible or (best is not None and without.cost >= best[0]):
                    continue  # (a bound, as for move 1)
                robot = isinstance(op.fleet, RobotFleet)
                last = n_pts - 2 if robot else n_pts - 1
                if op.r == HUB:
                    pairs = [(lp, HUB) for lp in range(op.l - 2, op.l + 3)]
                else:
                    rps = {*range(op.r - 2, op.r + 3), last}
                    pairs = [(lp, rp) for lp in range(op.l - 2, op.l + 3) for rp in rps]
                for lp, rp in pairs:
                    if not 0 <= lp < n_pts - 1 or (rp != HUB and not lp < rp <= last):
                        continue
                    for unit in op.fleet.unit_names():
                        if (lp, rp, unit) == (op.l, op.r, op.unit):
                            continue
                        new = ops.copy()
                        new[i] = replace(op, l=lp, r=rp, unit=unit)
                        consider(seq, new)
            if best is None:
                break
            _, seq, ops = best
            current = _evaluate_route(ctx, vt, seq, ops, start)
        return seq, ops, current

    def _sidekick_plans(
        self,
        ctx: _Ctx,
        vt: VehicleType,
        seq: list[str],
        fleet: DroneFleet,
        time_s: float,
        params: SolveParams,
    ) -> list[tuple[str, list[str], list[_Op]]]:
        """Plans of the sidekick engine for this van's stops and drones (module docstring)."""
        from voltroute.energy.aerial import cruise_power_w
        from voltroute.energy.physics import air_density_kg_m3
        from voltroute.model import ProblemError
        from voltroute.solve.sidekick import (
            SidekickInstance,
            SidekickParams,
            SidekickSolution,
            plan_for_tour,
            solve_sidekick,
        )

        p = ctx.problem
        spec = fleet.spec
        ids = [vt.start_depot, *seq]
        idx = [ctx.idx(x) for x in ids]
        ix = np.ix_(idx, idx)
        stops = [p.stop_by_id[x] for x in seq]
        elig = np.array([False] + [stop_eligible(fleet, s) for s in stops])
        if not elig.any():
            return []
        kg = np.array([0.0] + [s.weight_kg for s in stops])
        line = ctx.line[ix]
        tab = flight_tables(spec, line, kg, ambient_temp_c=ctx.temp)
        energy = tab.energy_j()
        usable = spec.battery_wh * (1.0 - spec.reserve_fraction) * 3600.0
        t_min = tab.out_s[:, :, None] + spec.service_s + tab.back_s[None, :, :]
        serv = np.array([0.0] + [float(s.service_time_s) for s in stops])
        # launch-end to recovery-start limit; the checker serves the stop before recovering,
        # so the drone may hover through the van's service there too: keep that in hand
        endurance = t_min + (usable - energy) / tab.hover_empty_w - serv[None, None, :]
        bad = (energy > usable) | (endurance < t_min)
        if fleet.max_radius_m is not None:
            bad |= (line > fleet.max_radius_m)[:, :, None]
        endurance = np.where(bad, -1.0, endurance)
        dist = ctx.dist[ix]
        econ = p.economics
        rho = air_density_kg_m3(ctx.temp)
        j_per_m = cruise_power_w(spec, 0.0, rho=rho) / spec.cruise_speed_mps
        drone_per_m = (
            j_per_m / 3.6e6 / spec.charging_efficiency * econ.electricity_per_kwh
            + spec.cost_per_hour / 3600.0 / spec.cruise_speed_mps
        )
        total_m = float(dist.sum())
        inst = SidekickInstance(
            name="van",
            truck_time_s=ctx.dur[ix],
            truck_dist_m=dist,
            drone_time_s=tab.out_s,
            drone_dist_m=line,
            drone_eligible=elig,
            truck_service_s=serv,
            drone_service_s=np.where(elig, spec.service_s, 0.0),
            launch_s=spec.launch_s,
            recovery_s=spec.recovery_s,
            num_drones=fleet.count,
            endurance_s=endurance,
            objective="cost",
            time_weight=vt.driver_cost_per_hour / 3600.0,
            truck_cost_per_m=float(ctx.travel_cost(vt)[ix].sum()) / total_m if total_m else 0.0,
            drone_cost_per_m=drone_per_m,
        )
        found: list[tuple[str, SidekickSolution]] = []
        with contextlib.suppress(ProblemError):  # no feasible split of the van's own sequence
            found.append(("sidekick-own-sequence", plan_for_tour(inst, list(range(1, len(ids))))))
        with contextlib.suppress(ProblemError):
            # the ILS rounds follow the caller's iteration cap (a reproducible budget)
            sk = SidekickParams(
                time_limit_s=max(0.05, time_s),
                seed=params.seed,
                max_iterations=params.max_iterations,
            )
            found.append(("sidekick", solve_sidekick(inst, sk)))
        units = fleet.unit_names()
        out = []
        for how, sol in found:
            route = list(sol.route)
            inner = route[1:-1]
            if route[0] != 0 or route[-1] != 0 or 0 in inner or len(set(inner)) != len(inner):
                continue  # a van revisit: not a native route
            new_seq = [ids[v] for v in inner]
            ordered = sorted(sol.sorties, key=lambda s: (s.launch_index, s.launch_start_s))
            ops = [
                _Op(fleet, units[s.drone], p.stop_by_id[ids[s.customer]], s.launch_index,
                    s.recovery_index)
                for s in ordered
            ]  # fmt: skip
            if sorted(new_seq + [o.stop.id for o in ops]) != sorted(seq):
                continue
            out.append((how, new_seq, ops))
        return out
