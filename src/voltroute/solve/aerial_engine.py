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
3. **Van-carried units** (``base="van"``, modes 2 and 3). On each van's fixed sequence a
   best-improvement local search moves single stops from the van to one of its units: for a
   stop at route point p it tries every launch point up to ``window`` points before and
   recovery point up to ``window`` points after, every unit of the van, and replays the whole
   route with all its launches and recoveries (windows, waiting, battery, shift); it applies the
   move that lowers the route's cost most, and repeats until no move helps. It then tries the
   reverse move (a unit's stop back into the van at its cheapest position) for every sortie.
   This is a local search over a fixed sequence, not an exact dynamic programme.

Costs are the checker's: van driver time, distance, energy (at empty payload in the search) and
fixed cost; unit energy at grid price, supervision per hour and fixed cost per unit used.
The plan is verified afterwards by :mod:`voltroute.evaluate.fleet_sync`, never trusted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from voltroute.energy import leg_energy_array
from voltroute.energy.aerial import drone_flight, robot_trip, straight_line_matrix_m
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


@dataclass
class _Op:
    """A unit of a van: serve ``stop`` launched at route point ``l``, recovered at ``r``."""

    fleet: Fleet
    unit: str
    stop: Stop
    l: int  # noqa: E741 - launch point
    r: int


@dataclass
class _Ctx:
    problem: Problem
    dist: np.ndarray
    dur: np.ndarray
    line: np.ndarray
    temp: float
    van_cost: dict[str, np.ndarray] = field(default_factory=dict)  # per type: travel cost matrix

    def idx(self, ident: str) -> int:
        p = self.problem
        if ident in p.stop_index:
            return p.stop_index[ident]
        if ident in p.station_index:
            return p.station_index[ident]
        return p.depot_index[ident]

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
        """(out_s, back_s, energy_wh, within battery and range) of one sortie a -> b -> c."""
        out_m, back_m = self.leg_m(fleet, a, b), self.leg_m(fleet, b, c)
        if isinstance(fleet, DroneFleet):
            f = drone_flight(
                fleet.spec, out_m=out_m, back_m=back_m, payload_kg=payload,
                ambient_temp_c=self.temp, wait_loaded_s=wait_l, wait_empty_s=wait_e,
            )  # fmt: skip
            ok = f.energy_wh <= fleet.spec.battery_wh * (1 - fleet.spec.reserve_fraction) + 1e-9
            if fleet.max_radius_m is not None and out_m > fleet.max_radius_m + 1e-6:
                ok = False
            return f.out_s, f.back_s, f.energy_wh, ok
        t = robot_trip(
            fleet.spec, out_m=out_m, back_m=back_m, payload_kg=payload, wait_s=wait_l + wait_e
        )
        ok = t.energy_wh <= fleet.spec.battery_wh * (1 - fleet.spec.reserve_fraction) + 1e-9
        lim = fleet.spec.max_trip_distance_m
        if lim is not None and out_m + back_m > lim + 1e-6:
            ok = False
        if fleet.max_radius_m is not None and out_m > fleet.max_radius_m + 1e-6:
            ok = False
        return t.out_s, t.back_s, t.energy_wh, ok

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


def _evaluate_route(
    ctx: _Ctx, vt: VehicleType, seq: list[str], ops: list[_Op], start: float
) -> _Eval:
    """Replay one van route (stop ids ``seq``) with its units: cost and feasibility."""
    p = ctx.problem
    ids = [vt.start_depot, *seq, vt.end_depot_id]
    idx = [ctx.idx(x) for x in ids]
    by_l: dict[int, list[int]] = {}
    for i, op in enumerate(ops):
        if not 0 <= op.l < op.r <= len(ids) - 1:
            return _Eval(False, float("inf"), {})
        by_l.setdefault(op.l, []).append(i)
    cmat = ctx.travel_cost(vt)
    landing: dict[int, list[tuple[float, int, float, float, float]]] = {}
    free: dict[tuple[str, str], float] = {}
    launch_s: dict[int, float] = {}
    t = start
    travel_cost = 0.0
    unit_cost = 0.0
    used: set[tuple[str, str]] = set()
    for k in range(len(ids)):
        if k > 0:
            a, b = idx[k - 1], idx[k]
            t += float(ctx.dur[a, b])
            travel_cost += float(cmat[a, b])
            stop = p.stop_by_id.get(ids[k]) if k < len(ids) - 1 else None
            if stop is not None:
                tw = stop.time_window
                if tw is not None:
                    if t > tw.end_s + EPS:
                        return _Eval(False, float("inf"), {})
                    t = max(t, float(tw.start_s))
                t += stop.service_time_s
        for land, i, out_s, wait_l, serve_end in sorted(landing.pop(k, [])):
            op = ops[i]
            rec = max(t, land)
            del out_s, serve_end
            _, _, wh, ok = ctx.unit_run(
                op.fleet, idx[op.l], p.stop_index[op.stop.id], idx[op.r], op.stop.weight_kg,
                wait_l, rec - land if isinstance(op.fleet, DroneFleet) else rec - land,
            )  # fmt: skip
            if not ok:
                return _Eval(False, float("inf"), {})
            rec_s = (
                op.fleet.spec.recovery_s
                if isinstance(op.fleet, DroneFleet)
                else op.fleet.spec.collection_s
            )
            t = rec + rec_s
            if op.fleet.shift_end_s is not None and t > op.fleet.shift_end_s + EPS:
                return _Eval(False, float("inf"), {})
            unit_cost += ctx.unit_cost(op.fleet, wh, t - launch_s[i])
            free[(op.fleet.id, op.unit)] = t + op.fleet.spec.turnaround_s
        for i in by_l.get(k, []):
            op = ops[i]
            key = (op.fleet.id, op.unit)
            if key in free and free[key] == float("inf"):
                return _Eval(False, float("inf"), {})
            L = max(t, free.get(key, 0.0), float(op.fleet.shift_start_s))
            launch_s[i] = L
            t = L + op.fleet.spec.launch_s
            out_s, back_s, _, ok = ctx.unit_run(
                op.fleet, idx[op.l], p.stop_index[op.stop.id], idx[op.r], op.stop.weight_kg,
                0.0, 0.0,
            )  # fmt: skip
            if not ok:
                return _Eval(False, float("inf"), {})
            arrive = t + out_s
            tw = op.stop.time_window
            serve = max(arrive, float(tw.start_s)) if tw else arrive
            if tw is not None and serve > tw.end_s + EPS:
                return _Eval(False, float("inf"), {})
            serve_end = serve + op.fleet.spec.service_s
            landing.setdefault(op.r, []).append(
                (serve_end + back_s, i, out_s, serve - arrive, serve_end)
            )
            free[key] = float("inf")  # out
            used.add(key)
    end = t
    if vt.shift_end_s is not None and end > vt.shift_end_s + EPS:
        return _Eval(False, float("inf"), {})
    end_dep = p.depots[p.depot_index[vt.end_depot_id]]
    if end_dep.close_s is not None and end > end_dep.close_s + EPS:
        return _Eval(False, float("inf"), {})
    if vt.max_shift_duration_s is not None and end - start > vt.max_shift_duration_s + EPS:
        return _Eval(False, float("inf"), {})
    carried = sum(op.stop.weight_kg for op in ops)
    own = sum(p.stop_by_id[x].weight_kg for x in seq if x in p.stop_by_id)
    if own + carried > vt.capacity_kg + 1e-9:
        return _Eval(False, float("inf"), {})
    vol = sum(op.stop.volume_m3 for op in ops) + sum(
        p.stop_by_id[x].volume_m3 for x in seq if x in p.stop_by_id
    )
    if vol > vt.capacity_m3 + 1e-9:
        return _Eval(False, float("inf"), {})
    fixed = sum(ctx.problem.light_fleet_by_id[f].spec.fixed_cost_per_day for f, _ in used)
    cost = travel_cost + vt.driver_cost_per_hour * (end - start) / 3600.0 + unit_cost + fixed
    return _Eval(True, cost, launch_s)


# ---------------------------------------------------------------- engine
class AerialEngine:
    """Vans plus drones and robots (see the module docstring)."""

    name = "aerial"

    def __init__(self, window: int = 4) -> None:
        self.window = window

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
        share = 0.45 if hub_fleets else 0.9

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
        if van_fleets:
            new_routes = []
            for route in routes:
                r, extra = self._van_search(ctx, route, van_fleets, t0, params.time_limit_s)
                new_routes.append(r)
                sorties += extra
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
    def _van_search(
        self, ctx: _Ctx, route: Route, fleets: list[Fleet], t0: float, budget_s: float
    ) -> tuple[Route, list[Sortie]]:
        p = ctx.problem
        vt = p.vehicle_type_by_id[route.vehicle_type]
        mine = [f for f in fleets if f.carried_by is None or vt.id in f.carried_by]
        if not mine or any(x in p.station_by_id for x in route.stops):
            return route, []
        depot = p.depots[p.depot_index[vt.start_depot]]
        start = (
            float(route.start_s)
            if route.start_s is not None
            else float(max(vt.shift_start_s, depot.open_s))
        )
        seq = list(route.stops)
        ops: list[_Op] = []
        current = _evaluate_route(ctx, vt, seq, ops, start)
        if not current.feasible:
            return route, []
        w = self.window
        while time.perf_counter() - t0 < budget_s * 1.5:
            best: tuple[float, list[str], list[_Op]] | None = None
            anchors = {op.l for op in ops} | {op.r for op in ops}
            for pos in range(1, len(seq) + 1):
                if pos in anchors or len(seq) <= 1:
                    continue
                stop = p.stop_by_id[seq[pos - 1]]
                fl = [f for f in mine if stop_eligible(f, stop)]
                if not fl:
                    continue
                new_seq = seq[: pos - 1] + seq[pos:]
                shifted = [
                    _Op(o.fleet, o.unit, o.stop, o.l - (o.l > pos), o.r - (o.r > pos)) for o in ops
                ]
                n_pts = len(new_seq) + 2
                for fleet in fl:
                    for lp in range(max(0, pos - w), pos):
                        for rp in range(pos, min(n_pts - 1, pos + w - 1) + 1):
                            for unit in fleet.unit_names():
                                cand = [*shifted, _Op(fleet, unit, stop, lp, rp)]
                                ev = _evaluate_route(ctx, vt, new_seq, cand, start)
                                if (
                                    ev.feasible
                                    and ev.cost < current.cost - 1e-9
                                    and (best is None or ev.cost < best[0])
                                ):
                                    best = (ev.cost, new_seq, cand)
            if best is None:
                break
            seq, ops = best[1], best[2]
            current = _evaluate_route(ctx, vt, seq, ops, start)
        if not ops:
            return route, []
        ids = [vt.start_depot, *seq, vt.end_depot_id]
        sorties = [
            Sortie(
                kind=op.fleet.kind,
                fleet=op.fleet.id,
                unit=op.unit,
                vehicle=route.vehicle,
                stop=op.stop.id,
                launch_at=ids[op.l],
                recover_at=ids[op.r],
                launch_s=current.launch_s.get(i),
            )  # fmt: skip
            for i, op in enumerate(ops)
        ]
        if not seq:  # every stop went by unit: the van still drives to launch and recover
            return route, []
        return (
            route.model_copy(
                update={"stops": tuple(seq), "start_s": start, "steps": (), "kpis": {}}
            ),
            sorties,
        )
