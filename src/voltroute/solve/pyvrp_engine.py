"""The PyVRP engine: mixed fleet, two load dimensions, time windows, shifts, costs, battery range.

PyVRP has no notion of energy, so each vehicle type with a powertrain gets its own routing
*profile* whose "distance" is energy (Wh for electric, mL of diesel) per leg, computed by the
physics model at a reference payload and including the energy spent at the destination stop
during service. The battery then becomes that profile's ``max_distance``. Distance cost is
carried on the same profile (energy price plus maintenance folded in per Wh or mL). With the
default ``full`` reference payload the budget is conservative: the payload only falls along a
route. Waiting time is not in the budget, so the result is verified with the real payload and
schedule afterwards, and any route that still breaks a constraint is repaired by removing stops,
which are then reported as unassigned with the reason.

All stops the fleet cannot serve on its own (too heavy for every allowed vehicle, window not
reachable, out of battery range even as an out-and-back trip) are screened out before the search
and reported with their reason.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyvrp
from pyvrp import Activity, ActivityType
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from voltroute.energy import dwell_energy, leg_energy_array, usable_battery_kwh
from voltroute.model import (
    Problem,
    ProblemError,
    Route,
    Solution,
    Stop,
    Unassigned,
    VehicleType,
    vehicle_names,
)
from voltroute.network import travel_matrices
from voltroute.solve.params import Progress, SolveParams

INT_MAX = np.iinfo(np.int64).max
BIG_M = 10**9
ROUNDING_SCALE = {
    "none": 1.0,
    "round": 1.0,
    "trunc": 1.0,
    "dimacs": 10.0,
    "exact": 1000.0,
}  # travel "distance" to a stop a vehicle type must not serve


def _is_integral(values: np.ndarray | list[float], tol: float = 1e-9) -> bool:
    arr = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.abs(arr - np.rint(arr)) <= tol))


@dataclass
class _Scales:
    """Integer scaling of floats for PyVRP (which works in int64)."""

    load: float = 1.0  # kg and m3 multiplier
    volume: float = 1.0
    cost: float = 1.0


@dataclass
class _TypeModel:
    vt: VehicleType
    profile: int
    unit_distance_cost: int
    unit_duration_cost: int
    fixed_cost: int
    max_distance: int
    energy_matrix: np.ndarray | None = None  # per-leg energy units the profile uses


@dataclass
class Translation:
    """A voltroute problem mapped onto PyVRP's data, with the index maps to map back."""

    data: pyvrp.ProblemData
    client_stops: list[Stop]
    type_models: list[_TypeModel]
    scales: _Scales
    screened: list[Unassigned] = field(default_factory=list)


ENERGY_UNITS = 1000.0
"""Profile units per kWh (electric: Wh) or per litre (diesel: mL)."""


def _leg_energy_matrix(
    problem: Problem,
    vt: VehicleType,
    dist: np.ndarray,
    dur: np.ndarray,
    payload_kg: float,
    stops: list[Stop],
) -> np.ndarray:
    """Energy per leg i->j in profile units (Wh or mL), incl. dwell at destination stop j."""
    temp = problem.conditions.ambient_temp_c
    battery_kwh, fuel_l = leg_energy_array(vt, dist, dur, payload_kg, temp)
    per_leg = battery_kwh if vt.is_electric else fuel_l
    service = np.zeros(dist.shape[0])
    nd = len(problem.depots)
    service[nd:] = [s.service_time_s for s in stops]
    dwell = np.array(
        [
            (
                dwell_energy(vt, duration_s=float(t), ambient_temp_c=temp).battery_kwh
                if vt.is_electric
                else dwell_energy(vt, duration_s=float(t), ambient_temp_c=temp).fuel_l
            )
            if t > 0
            else 0.0
            for t in service
        ]
    )
    energy = (np.asarray(per_leg, dtype=np.float64) + dwell[None, :]) * ENERGY_UNITS
    np.fill_diagonal(energy, 0.0)
    return np.ceil(energy - 1e-9)


def _energy_budget_units(problem: Problem, vt: VehicleType) -> float:
    pt = vt.powertrain
    if vt.is_electric:
        usable = usable_battery_kwh(pt, problem.conditions.ambient_temp_c)  # type: ignore[arg-type]
        return usable * (1.0 - pt.reserve_fraction) * ENERGY_UNITS  # type: ignore[union-attr]
    return float(pt.tank_l) * ENERGY_UNITS  # type: ignore[union-attr]


def _choose_cost_scale(values: list[float]) -> float:
    nonzero = [abs(v) for v in values if abs(v) > 0]
    if not nonzero or _is_integral(nonzero):
        return 1.0
    smallest = min(nonzero)
    scale = 1.0
    while smallest * scale < 1000 and scale < 1e9:
        scale *= 10
    return scale


def screen_stops(
    problem: Problem, dist: np.ndarray, dur: np.ndarray, *, battery: bool = True
) -> list[Unassigned]:
    """Stops no vehicle type could serve even alone on an out-and-back trip, with the reason.

    ``battery=False`` skips the battery test (when en-route charging can extend the range)."""
    out: list[Unassigned] = []
    temp = problem.conditions.ambient_temp_c
    for stop in problem.stops:
        j = problem.stop_index[stop.id]
        reasons: list[tuple[str, str]] = []
        allowed = [
            vt
            for vt in problem.vehicle_types
            if stop.vehicle_types is None or vt.id in stop.vehicle_types
        ]
        if not allowed:
            reasons.append(("vehicle_type", "no vehicle type is allowed to serve it"))
        for vt in allowed:
            if stop.weight_kg > vt.capacity_kg + 1e-9 or stop.volume_m3 > vt.capacity_m3 + 1e-12:
                reasons.append(
                    (
                        "capacity",
                        f"{stop.weight_kg:.1f} kg / {stop.volume_m3:.3f} m3 exceeds {vt.id} "
                        f"({vt.capacity_kg:g} kg / {vt.capacity_m3:g} m3)",
                    )
                )
                continue
            s = problem.depot_index[vt.start_depot]
            e = problem.depot_index[vt.end_depot_id]
            depot = problem.depots[s]
            depart = max(vt.shift_start_s, depot.open_s)
            arrive = depart + dur[s, j]
            tw = stop.time_window
            start = max(arrive, tw.start_s) if tw else arrive
            back = start + stop.service_time_s + dur[j, e]
            if tw is not None and arrive > tw.end_s + 1e-6:
                reasons.append(("time_window", f"{vt.id} cannot arrive before {tw.end_s} s"))
                continue
            limits = [vt.shift_end_s, problem.depots[e].close_s]
            latest_end = min((float(x) for x in limits if x is not None), default=float("inf"))
            if back > latest_end + 1e-6:
                reasons.append(("time_window", f"{vt.id} cannot return before its shift ends"))
                continue
            if vt.max_shift_duration_s is not None:
                # earliest possible duration, starting as late as allowed
                trip = dur[s, j] + stop.service_time_s + dur[j, e]
                if trip > vt.max_shift_duration_s + 1e-6:
                    reasons.append(("time_window", f"round trip exceeds {vt.id}'s shift"))
                    continue
            if vt.max_distance_m is not None and dist[s, j] + dist[j, e] > vt.max_distance_m:
                reasons.append(("other", f"round trip exceeds {vt.id}'s max_distance_m"))
                continue
            if vt.is_electric and battery:
                pay = stop.weight_kg
                out_kwh = leg_energy_array(vt, dist[s, j : j + 1], dur[s, j : j + 1], pay, temp)[0]
                back_kwh = leg_energy_array(vt, dist[j, e : e + 1], dur[j, e : e + 1], 0.0, temp)[0]
                need = float(out_kwh[0] + back_kwh[0])
                need += dwell_energy(
                    vt, duration_s=stop.service_time_s, ambient_temp_c=temp
                ).battery_kwh
                if need > _energy_budget_units(problem, vt) / 1000.0 + 1e-9:
                    reasons.append(
                        ("energy", f"out-and-back needs {need:.1f} kWh, more than {vt.id} has")
                    )
                    continue
            reasons = []  # this vehicle type can serve it
            break
        if reasons:
            reason, detail = reasons[0]
            out.append(
                Unassigned(
                    stop=stop.id,
                    parcels=tuple(p.id for p in stop.parcels),
                    reason=reason,  # type: ignore[arg-type]
                    detail="; ".join(d for _, d in reasons),
                )
            )
    return out


def translate(
    problem: Problem, params: SolveParams, *, battery_factor: float | None = 1.0
) -> Translation:
    """Map ``problem`` onto PyVRP's ProblemData (screened-out stops left out).

    ``battery_factor`` scales electric vehicles' energy budget (``max_distance``); ``None`` drops
    it and the battery screening, for engines that add charging stops afterwards.
    """
    mats = travel_matrices(problem)
    dist = np.asarray(mats.distance_m, dtype=np.float64)
    dur = np.asarray(mats.duration_s, dtype=np.float64)
    screened = screen_stops(problem, dist, dur, battery=battery_factor == 1.0)
    screened_ids = {u.stop for u in screened}
    client_stops = [s for s in problem.stops if s.id not in screened_ids]
    nd = len(problem.depots)
    keep = list(range(nd)) + [problem.stop_index[s.id] for s in client_stops]
    dist = dist[np.ix_(keep, keep)]
    dur = dur[np.ix_(keep, keep)]
    sub_stop_index = {s.id: nd + k for k, s in enumerate(client_stops)}

    # ---- loads: kg and m3, scaled to integers (demands rounded up, capacities down)
    weights = [s.weight_kg for s in client_stops]
    volumes = [s.volume_m3 for s in client_stops]
    caps_kg = [vt.capacity_kg for vt in problem.vehicle_types]
    caps_m3 = [vt.capacity_m3 for vt in problem.vehicle_types]
    scales = _Scales()
    scales.load = 1.0 if _is_integral(weights + caps_kg) else 1000.0  # kg -> g
    if problem.travel.model == "euclidean" and scales.load == 1.0:
        # Benchmark instances: scale loads like distances, as PyVRP's VRPLIB reader does, so
        # load penalties stay in proportion to (scaled) costs.
        scales.load = ROUNDING_SCALE[problem.travel.rounding]
    scales.volume = 1.0 if _is_integral(volumes + caps_m3) else 1e6  # m3 -> cm3
    use_volume = any(v > 0 for v in volumes)

    def load_vec(w: float, v: float, *, cap: bool) -> list[int]:
        rnd = math.floor if cap else math.ceil
        vec = [int(rnd(w * scales.load - (1e-9 if not cap else -1e-9)))]
        if use_volume:
            vec.append(int(rnd(v * scales.volume - (1e-9 if not cap else -1e-9))))
        return vec

    # ---- costs per vehicle type, as (per profile unit of distance, per s, fixed)
    econ = problem.economics
    needs_own_profile = any(s.vehicle_types is not None for s in client_stops)
    raw: list[tuple[float, float, float]] = []
    energy_mats: list[Any] = []
    for vt in problem.vehicle_types:
        per_s = vt.driver_cost_per_hour / 3600.0
        if vt.powertrain is None:
            raw.append((vt.cost_per_km / 1000.0, per_s, vt.fixed_cost_per_day))
            energy_mats.append(None)
            continue
        payload = vt.capacity_kg if params.energy_payload == "full" else vt.capacity_kg / 2
        payload = min(payload, float(sum(weights)))
        em = _leg_energy_matrix(problem, vt, dist, dur, payload, client_stops)
        energy_mats.append(em)
        if vt.is_electric:
            price = econ.electricity_per_kwh / vt.powertrain.charging_efficiency  # type: ignore[union-attr]
        else:
            price = econ.diesel_per_l
        price_per_unit = price / ENERGY_UNITS
        mean_e = float(em.mean()) or 1.0
        maint_per_unit = vt.cost_per_km / 1000.0 * float(dist.mean()) / mean_e
        raw.append((price_per_unit + maint_per_unit, per_s, vt.fixed_cost_per_day))
    if all(c_d == 0 and c_t == 0 for c_d, c_t, _ in raw):
        # Nothing priced per distance or time (e.g. an imported route with no costs): minimise
        # distance, in metres (or energy units on energy profiles), rather than nothing at all.
        raw = [(1.0, 0.0, c_f) for _, _, c_f in raw]
    penalties = [problem.stop_penalty(s) for s in client_stops if not s.required]
    scales.cost = _choose_cost_scale([c for r in raw for c in r] + penalties)

    # ---- profiles: 0 = plain distance; one more per vehicle type that needs its own
    # Rounded up: a plan that fits the solver's whole seconds fits the real ones too.
    dist_int = np.ceil(dist - 1e-9).astype(np.int64)
    dur_int = np.ceil(dur - 1e-9).astype(np.int64)
    profiles_d: list[np.ndarray] = [dist_int]
    type_models: list[_TypeModel] = []
    for k, vt in enumerate(problem.vehicle_types):
        em = energy_mats[k]
        profile = 0
        if em is not None or needs_own_profile:
            mat = em.astype(np.int64) if em is not None else dist_int.copy()
            if needs_own_profile:
                banned = [
                    sub_stop_index[s.id]
                    for s in client_stops
                    if s.vehicle_types is not None and vt.id not in s.vehicle_types
                ]
                if banned:
                    mat[banned, :] = BIG_M
                    mat[:, banned] = BIG_M
                    np.fill_diagonal(mat, 0)
            profiles_d.append(mat)
            profile = len(profiles_d) - 1
        max_distance = INT_MAX
        if em is not None:
            factor = 1.0 if not vt.is_electric else battery_factor
            if factor is not None:
                budget = _energy_budget_units(problem, vt) * factor
                max_distance = int(min(math.floor(budget), INT_MAX))
        elif vt.max_distance_m is not None:
            max_distance = int(math.floor(vt.max_distance_m))
        c_d, c_t, c_f = raw[k]
        type_models.append(
            _TypeModel(
                vt=vt,
                profile=profile,
                unit_distance_cost=int(round(c_d * scales.cost)),
                unit_duration_cost=int(round(c_t * scales.cost)),
                fixed_cost=int(round(c_f * scales.cost)),
                max_distance=max_distance,
                energy_matrix=em,
            )
        )

    locations = [pyvrp.Location(*loc.xy) for loc in problem.locations]
    locations = [locations[i] for i in keep]
    depots = [
        pyvrp.Depot(i, tw_early=d.open_s, tw_late=INT_MAX if d.close_s is None else d.close_s)
        for i, d in enumerate(problem.depots)
    ]
    clients = []
    for k, s in enumerate(client_stops):
        tw = s.time_window
        clients.append(
            pyvrp.Client(
                nd + k,
                delivery=load_vec(s.weight_kg, s.volume_m3, cap=False),
                service_duration=int(s.service_time_s),
                tw_early=int(tw.start_s) if tw else 0,
                tw_late=int(tw.end_s) if tw else INT_MAX,
                required=s.required,
                prize=0 if s.required else int(round(problem.stop_penalty(s) * scales.cost)),
                name=s.id,
            )
        )
    vehicle_types = []
    for tm in type_models:
        vt = tm.vt
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=vt.count,
                capacity=load_vec(vt.capacity_kg, vt.capacity_m3, cap=True),
                start_depot=problem.depot_index[vt.start_depot],
                end_depot=problem.depot_index[vt.end_depot_id],
                fixed_cost=tm.fixed_cost,
                tw_early=int(vt.shift_start_s),
                tw_late=INT_MAX if vt.shift_end_s is None else int(vt.shift_end_s),
                shift_duration=(
                    int(vt.max_shift_duration_s) if vt.max_shift_duration_s is not None else INT_MAX
                ),
                max_distance=tm.max_distance,
                unit_distance_cost=tm.unit_distance_cost,
                unit_duration_cost=tm.unit_duration_cost,
                profile=tm.profile,
                name=vt.id,
            )
        )
    data = pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=profiles_d,  # type: ignore[arg-type]
        duration_matrices=[dur_int] * len(profiles_d),  # type: ignore[list-item]
    )
    return Translation(data, client_stops, type_models, scales, screened)


class _ProgressStop:
    """Stopping criterion that also reports progress, throttled to ~5 Hz."""

    def __init__(self, params: SolveParams, budget_s: float) -> None:
        crit: list[object] = [MaxRuntime(max(budget_s, 0.0))]
        if params.max_iterations is not None:
            crit.append(MaxIterations(params.max_iterations))
        self._inner = MultipleCriteria(crit) if len(crit) > 1 else crit[0]  # type: ignore[arg-type]
        self._cb = params.progress
        self._budget = budget_s
        self._t0 = time.perf_counter()
        self._last = 0.0
        self.iterations = 0

    def __call__(self, best_cost: float) -> bool:
        self.iterations += 1
        now = time.perf_counter()
        if self._cb is not None and now - self._last > 0.2:
            self._last = now
            cost = float(best_cost) if best_cost < 1e300 else None
            self._cb(Progress(now - self._t0, self._budget, cost, self.iterations))
        return bool(self._inner(best_cost))  # type: ignore[operator]


def _route_violation(data: pyvrp.ProblemData, stops: list[int], vt_index: int) -> tuple[str, float]:
    """('', 0) when PyVRP finds the route feasible, else the worst violation kind and amount."""
    route = pyvrp.Route(data, [Activity(ActivityType.CLIENT, c) for c in stops], vt_index)
    if route.is_feasible():
        return "", 0.0
    if route.has_excess_load():
        return "capacity", float(sum(route.excess_load()))
    if route.has_time_warp():
        return "time_window", float(route.time_warp())
    if route.has_excess_distance():
        return "energy", float(route.excess_distance())
    return "other", 1.0


def _repair(
    data: pyvrp.ProblemData, stops: list[int], vt_index: int
) -> tuple[list[int], list[tuple[int, str]]]:
    """Remove stops from an infeasible route until PyVRP calls it feasible."""
    removed: list[tuple[int, str]] = []
    kind, amount = _route_violation(data, stops, vt_index)
    while kind and stops:
        best: tuple[float, int] | None = None
        for pos in range(len(stops)):
            trial = stops[:pos] + stops[pos + 1 :]
            k2, a2 = _route_violation(data, trial, vt_index) if trial else ("", 0.0)
            score = a2 if k2 == kind else (0.0 if not k2 else a2 * 0.5)
            if best is None or score < best[0]:
                best = (score, pos)
        assert best is not None
        removed.append((stops.pop(best[1]), kind))
        kind, amount = _route_violation(data, stops, vt_index)
    return stops, removed


def _energy_shortfall_kwh(
    problem: Problem, tr: Translation, vt_index: int, stops: list[int]
) -> float:
    """kWh by which an electric route dips below its reserve, with the real falling payload and
    PyVRP's schedule (waiting included); 0 when it does not, or for non-electric vehicles."""
    tm = tr.type_models[vt_index]
    vt = tm.vt
    if not vt.is_electric or not stops:
        return 0.0
    temp = problem.conditions.ambient_temp_c
    route = pyvrp.Route(tr.data, [Activity(ActivityType.CLIENT, c) for c in stops], vt_index)
    sched = [a for a in route.schedule()]
    nd = len(problem.depots)
    payload = sum(tr.client_stops[c].weight_kg for c in stops)
    budget = _energy_budget_units(problem, vt) / 1000.0
    dist = tr.data.distance_matrix(0)
    dur = tr.data.duration_matrix(0)
    used = 0.0
    worst = 0.0
    prev = problem.depot_index[vt.start_depot]
    for a in sched[1:]:
        loc = nd + a.idx if a.is_client() else problem.depot_index[vt.end_depot_id]
        d = np.array([float(dist[prev, loc])])
        t = np.array([float(dur[prev, loc])])
        used += float(leg_energy_array(vt, d, t, payload, temp)[0][0])
        if a.is_client():
            stop = tr.client_stops[a.idx]
            dwell_s = float(a.wait_duration) + stop.service_time_s
            used += dwell_energy(vt, duration_s=dwell_s, ambient_temp_c=temp).battery_kwh
            payload -= stop.weight_kg
        worst = max(worst, used - budget)
        prev = loc
    return worst


def _repair_energy(
    problem: Problem, tr: Translation, vt_index: int, stops: list[int]
) -> tuple[list[int], list[tuple[int, str]]]:
    """Remove stops until the real-payload energy stays above the reserve."""
    removed: list[tuple[int, str]] = []
    while stops and _energy_shortfall_kwh(problem, tr, vt_index, stops) > 1e-9:
        pos = min(
            range(len(stops)),
            key=lambda p: _energy_shortfall_kwh(problem, tr, vt_index, stops[:p] + stops[p + 1 :]),
        )
        removed.append((stops.pop(pos), "energy"))
    return stops, removed


class PyVRPEngine:
    """Routes with PyVRP's iterated local search."""

    name = "pyvrp"

    def supports(self, problem: Problem) -> str | None:
        return None

    def solve(self, problem: Problem, params: SolveParams) -> Solution:
        if params.objective != "cost":
            raise ProblemError(
                "objective", "'vehicles' needs the charging engine; the pyvrp engine minimises cost"
            )
        t0 = time.perf_counter()
        tr = translate(problem, params)
        unassigned = list(tr.screened)
        routes: list[Route] = []
        info: dict[str, object] = {
            "engine": self.name,
            "seed": params.seed,
            "time_limit_s": params.time_limit_s,
            "cost_scale": tr.scales.cost,
        }
        if not tr.client_stops:
            info["runtime_s"] = time.perf_counter() - t0
            return Solution(
                problem=problem.name, routes=(), unassigned=tuple(unassigned), solver=info
            )

        budget = params.time_limit_s - (time.perf_counter() - t0)
        stop = _ProgressStop(params, budget)
        result = pyvrp.solve(tr.data, stop=stop, seed=params.seed, collect_stats=False)
        best = result.best
        info.update(
            iterations=result.num_iterations,
            search_runtime_s=result.runtime,
            pyvrp_cost=float(result.cost()) if best.is_feasible() else None,
            pyvrp_feasible=bool(best.is_feasible()),
        )

        names = {k: list(vehicle_names(tm.vt)) for k, tm in enumerate(tr.type_models)}
        served: set[int] = set()
        for pr in best.routes():
            vt_index = pr.vehicle_type()
            visits = [a.idx for a in pr.schedule() if a.is_client()]
            visits, removed = _repair(tr.data, visits, vt_index)
            visits, removed_e = _repair_energy(problem, tr, vt_index, visits)
            removed += removed_e
            for c, kind in removed:
                s = tr.client_stops[c]
                unassigned.append(
                    Unassigned(
                        stop=s.id,
                        parcels=tuple(p.id for p in s.parcels),
                        reason=kind,  # type: ignore[arg-type]
                        detail="removed from an infeasible route after the search",
                    )
                )
                served.add(c)
            if not visits:
                continue
            served.update(visits)
            fixed = pyvrp.Route(
                tr.data, [Activity(ActivityType.CLIENT, c) for c in visits], vt_index
            )
            routes.append(
                Route(
                    vehicle=names[vt_index].pop(0),
                    vehicle_type=tr.type_models[vt_index].vt.id,
                    stops=tuple(tr.client_stops[c].id for c in visits),
                    start_s=float(fixed.start_time()),
                )
            )
        for c, s in enumerate(tr.client_stops):
            if c in served:
                continue
            reason = "not_profitable" if not s.required else "fleet_size"
            detail = (
                "serving it costs more than its unserved penalty"
                if not s.required
                else "the search found no room for it in the available fleet"
            )
            unassigned.append(
                Unassigned(
                    stop=s.id,
                    parcels=tuple(p.id for p in s.parcels),
                    reason=reason,  # type: ignore[arg-type]
                    detail=detail,
                )
            )
        info["runtime_s"] = time.perf_counter() - t0
        order = {s.id: i for i, s in enumerate(problem.stops)}
        unassigned.sort(key=lambda u: order[u.stop])
        return Solution(
            problem=problem.name, routes=tuple(routes), unassigned=tuple(unassigned), solver=info
        )
