"""The independent checker: recomputes every route from the problem and the stop sequences alone.

It never reads the numbers a solver reports about itself (``steps``, ``kpis``, ``solver``): it
rebuilds travel matrices from the problem, replays each route's schedule, load, battery state of
charge and fuel with the energy model, prices it, and lists every violated rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voltroute.energy import (
    charge_time_s,
    co2_kg,
    dwell_energy,
    grid_energy_kwh,
    leg_energy,
    route_cost,
    usable_battery_kwh,
)
from voltroute.evaluate.violation import Violation
from voltroute.model import (
    ChargingStation,
    Problem,
    Route,
    Solution,
    Step,
    Stop,
    VehicleType,
    vehicle_names,
)
from voltroute.network import travel_matrices

EPS_S = 1e-6  # time tolerance, s
EPS_LOAD = 1e-9
EPS_KWH = 1e-9


@dataclass
class RouteResult:
    vehicle: str
    vehicle_type: str
    steps: list[Step]
    distance_m: float
    duration_s: float
    travel_s: float
    service_s: float
    wait_s: float
    energy_kwh: float
    grid_energy_kwh: float
    fuel_l: float
    cost: dict[str, float]
    co2_kg: float
    stops: int
    parcels: int
    weight_kg: float
    volume_m3: float
    min_soc_kwh: float | None
    feasible: bool
    charged_kwh: float = 0.0
    charge_s: float = 0.0
    station_visits: int = 0

    def kpis(self) -> dict[str, Any]:
        return {
            "feasible": self.feasible,
            "distance_m": self.distance_m,
            "duration_s": self.duration_s,
            "travel_s": self.travel_s,
            "service_s": self.service_s,
            "wait_s": self.wait_s,
            "energy_kwh": self.energy_kwh,
            "grid_energy_kwh": self.grid_energy_kwh,
            "fuel_l": self.fuel_l,
            "cost": self.cost,
            "co2_kg": self.co2_kg,
            "stops": self.stops,
            "parcels": self.parcels,
            "weight_kg": self.weight_kg,
            "volume_m3": self.volume_m3,
            "min_soc_kwh": self.min_soc_kwh,
            "charged_kwh": self.charged_kwh,
            "charge_s": self.charge_s,
            "station_visits": self.station_visits,
            "cost_per_parcel": self.cost["total"] / self.parcels if self.parcels else None,
            "co2_kg_per_parcel": self.co2_kg / self.parcels if self.parcels else None,
        }


@dataclass
class CheckReport:
    feasible: bool
    violations: list[Violation]
    routes: list[RouteResult]
    kpis: dict[str, Any] = field(default_factory=dict)
    sync: Any = None  # fleet_sync.SyncReport when the solution has drone or robot sorties

    def summary(self) -> str:
        k = self.kpis
        state = "FEASIBLE" if self.feasible else f"INFEASIBLE ({len(self.violations)} violations)"
        return (
            f"{state}: {k['vehicles_used']} vehicles, {k['served']} stops / "
            f"{k['served_parcels']} parcels served, {k['unassigned']} unassigned; "
            f"{k['distance_m'] / 1000:.1f} km, {k['energy_kwh']:.1f} kWh, {k['fuel_l']:.1f} L, "
            f"cost {k['cost']['total']:.2f} {k['currency']}, CO2 {k['co2_kg']:.1f} kg"
        )


def _start_time(
    problem: Problem, vt: VehicleType, stops: list[Stop], legs: list[float], earliest: float
) -> float:
    """Latest departure that adds no lateness: the minimal-duration schedule.

    Delaying departure by d moves service at stop i by max(0, d - W_i), W_i the waiting up to and
    including i; so d <= W_i + (latest_i - start_i) for all i, and no gain beyond total waiting.
    """
    t = earliest
    cum_wait = 0.0
    limit = float("inf")
    for stop, leg in zip(stops, legs, strict=False):
        t += leg
        tw = stop.time_window
        if tw is not None:
            wait = max(0.0, tw.start_s - t)
            cum_wait += wait
            t += wait
            limit = min(limit, cum_wait + (tw.end_s - t))
        t += stop.service_time_s
    delay = max(0.0, min(cum_wait, limit))
    return earliest + delay


_charge_time_s = charge_time_s  # shared with the solver (voltroute.energy)


def _energy_to_next_charge(
    problem: Problem,
    vt: VehicleType,
    visits: list[Stop | ChargingStation],
    k: int,
    seq: list[int],
    dist: np.ndarray,
    dur: np.ndarray,
    payload: float,
) -> float:
    """kWh from visit ``k`` to the next station or the end depot (driving plus service dwell;
    waiting is not known ahead and is not included)."""
    temp = problem.conditions.ambient_temp_c
    need = 0.0
    for j in range(k, len(visits)):
        a, b = seq[j + 1], seq[j + 2]
        need += leg_energy(
            vt, distance_m=float(dist[a, b]), duration_s=float(dur[a, b]), payload_kg=payload,
            ambient_temp_c=temp,
        ).battery_kwh  # fmt: skip
        nxt = visits[j + 1] if j + 1 < len(visits) else None
        if not isinstance(nxt, Stop):
            break
        need += dwell_energy(vt, duration_s=nxt.service_time_s, ambient_temp_c=temp).battery_kwh
        payload -= nxt.weight_kg
    return need


def _optimal_charges(
    problem: Problem,
    vt: VehicleType,
    visits: list[Stop | ChargingStation],
    seq: list[int],
    dist: np.ndarray,
    dur: np.ndarray,
    earliest: float,
    start_given: float | None,
    usable: float,
    reserve: float,
    holds: dict[int, float],
) -> tuple[dict[int, float], float] | None:
    """Least charging that keeps a fixed sequence within battery, windows and shift.

    For a fixed sequence with linear charging this is a linear programme: charge amounts q_k at
    the station visits, service starts b_j and the departure d_0, with the battery between the
    reserve and full at every point and every window met; minimise the energy charged (and then
    the route's end). Charging may happen early to use waiting slack before later tight windows,
    which "only what the next leg needs" misses. Charging time uses each station's full power;
    the replay then applies the vehicle's taper. None when no charging plan can meet the rules.
    """
    from scipy.optimize import linprog

    temp = problem.conditions.ambient_temp_c
    m = len(visits)
    st_pos = [j for j, v in enumerate(visits) if isinstance(v, ChargingStation)]
    nq = len(st_pos)
    qcol = {j: 1 + m + 1 + i for i, j in enumerate(st_pos)}  # d0, b_1..b_m, a_end, q...
    nvar = 1 + m + 1 + nq
    pt = vt.powertrain
    payload = sum(v.weight_kg for v in visits if isinstance(v, Stop))
    a_ub: list[list[float]] = []
    b_ub: list[float] = []

    def row(coefs: dict[int, float], rhs: float) -> None:
        r = [0.0] * nvar
        for c, val in coefs.items():
            r[c] += val
        a_ub.append(r)
        b_ub.append(rhs)

    cum_e = 0.0
    for j in range(m + 1):
        a, b = seq[j], seq[j + 1]
        cum_e += leg_energy(
            vt, distance_m=float(dist[a, b]), duration_s=float(dur[a, b]), payload_kg=payload,
            ambient_temp_c=temp,
        ).battery_kwh  # fmt: skip
        before = {qcol[k]: -1.0 for k in st_pos if k < j}
        row(before, usable - reserve - cum_e)  # arrival at visit j (or the depot) above reserve
        # time: service start of j after the previous departure plus travel
        prev_b = 0 if j == 0 else 1 + (j - 1)
        coefs = {prev_b: 1.0}
        lag = float(dur[a, b])
        if j > 0:
            pv = visits[j - 1]
            if isinstance(pv, Stop):
                lag += pv.service_time_s
            else:
                power = min(pv.power_kw, pt.max_charge_kw)  # type: ignore[union-attr]
                coefs[qcol[j - 1]] = coefs.get(qcol[j - 1], 0.0) + 3600.0 / power
        cur = 1 + j if j < m else 1 + m
        coefs[cur] = coefs.get(cur, 0.0) - 1.0
        row(coefs, -lag)
        if j == m:
            break
        v = visits[j]
        if isinstance(v, Stop):
            cum_e += dwell_energy(vt, duration_s=v.service_time_s, ambient_temp_c=temp).battery_kwh
            row(before, usable - reserve - cum_e)
            payload -= v.weight_kg
        else:
            upto = {qcol[k]: 1.0 for k in st_pos if k <= j}
            row(upto, cum_e)  # never above a full battery
            if v.close_s is not None:
                power = min(v.power_kw, pt.max_charge_kw)  # type: ignore[union-attr]
                row({1 + j: 1.0, qcol[j]: 3600.0 / power}, float(v.close_s))
    bounds: list[tuple[float | None, float | None]] = []
    bounds.append((start_given, start_given) if start_given is not None else (earliest, None))
    for j, v in enumerate(visits):
        if isinstance(v, Stop) and v.time_window is not None:
            bounds.append((float(v.time_window.start_s), float(v.time_window.end_s)))
        elif isinstance(v, ChargingStation):  # plugs in once open and once a held start is due
            bounds.append((max(float(v.open_s), holds.get(j, 0.0)), None))
        else:
            bounds.append((None, None))
    end_limits = [
        x
        for x in (vt.shift_end_s, problem.depots[problem.depot_index[vt.end_depot_id]].close_s)
        if x is not None
    ]
    bounds.append((None, float(min(end_limits)) if end_limits else None))
    bounds += [(0.0, None)] * nq
    if vt.max_shift_duration_s is not None:
        row({1 + m: 1.0, 0: -1.0}, float(vt.max_shift_duration_s))
    cost = [0.0] * nvar
    for c in qcol.values():
        cost[c] = 1.0
    cost[1 + m] += 1e-6
    cost[0] -= 1e-6
    res = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        return None
    return {j: max(float(res.x[qcol[j]]), 0.0) for j in st_pos}, float(res.x[0])


def _check_route(
    problem: Problem,
    route: Route,
    vt: VehicleType,
    dist: np.ndarray,
    dur: np.ndarray,
    out: list[Violation],
) -> RouteResult:
    temp = problem.conditions.ambient_temp_c
    visits: list[Stop | ChargingStation] = [
        problem.stop_by_id.get(x) or problem.station_by_id[x] for x in route.stops
    ]
    stops = [v for v in visits if isinstance(v, Stop)]
    s_idx = problem.depot_index[vt.start_depot]
    e_idx = problem.depot_index[vt.end_depot_id]
    start_depot = problem.depots[s_idx]
    end_depot = problem.depots[e_idx]
    seq = (
        [s_idx]
        + [
            problem.stop_index[v.id] if isinstance(v, Stop) else problem.station_index[v.id]
            for v in visits
        ]
        + [e_idx]
    )
    leg_d = [float(dist[a, b]) for a, b in zip(seq[:-1], seq[1:], strict=True)]
    leg_t = [float(dur[a, b]) for a, b in zip(seq[:-1], seq[1:], strict=True)]
    n_before = len(out)

    def bad(kind: str, message: str, stop: str | None = None) -> None:
        out.append(Violation(kind, message, route.vehicle, stop))

    # ---- load
    weight = sum(s.weight_kg for s in stops)
    volume = sum(s.volume_m3 for s in stops)
    if weight > vt.capacity_kg + EPS_LOAD:
        bad("capacity", f"{route.vehicle}: {weight:.3f} kg exceeds capacity {vt.capacity_kg:g} kg")
    if volume > vt.capacity_m3 + EPS_LOAD:
        bad("capacity", f"{route.vehicle}: {volume:.4f} m3 exceeds capacity {vt.capacity_m3:g} m3")
    for s in stops:
        if s.vehicle_types is not None and vt.id not in s.vehicle_types:
            bad("vehicle_type", f"stop {s.id} may not be served by vehicle type {vt.id}", s.id)

    # ---- schedule
    earliest = float(max(vt.shift_start_s, start_depot.open_s))
    if route.start_s is not None:
        start = float(route.start_s)
        if start + EPS_S < earliest:
            bad("shift", f"{route.vehicle}: departs at {start:.0f} s, before {earliest:.0f} s")
    else:
        start = (
            _start_time(problem, vt, stops, leg_t, earliest)
            if len(stops) == len(visits)
            else earliest
        )
    explicit = {c.position: c.energy_kwh for c in route.charges}
    holds = {c.position: c.start_s for c in route.charges if c.start_s is not None}
    if len(stops) < len(visits) and not vt.is_electric:
        bad("charging", f"{route.vehicle}: visits a charging station but is not electric")

    # ---- energy state
    electric = vt.is_electric
    diesel = vt.is_diesel
    soc = usable = reserve = 0.0
    if electric:
        usable = usable_battery_kwh(vt.powertrain, temp)  # type: ignore[arg-type]
        reserve = usable * vt.powertrain.reserve_fraction  # type: ignore[union-attr]
        soc = usable
    if (
        electric
        and len(stops) < len(visits)
        and problem.charging == "partial"
        and len(explicit) < len(visits) - len(stops)
    ):
        planned = _optimal_charges(
            problem, vt, visits, seq, dist, dur, earliest, route.start_s, usable, reserve, holds
        )
        if planned is not None:
            charges, lp_start = planned
            explicit = {**charges, **explicit}
            if route.start_s is None:
                start = lp_start
    min_soc = soc if electric else None
    battery = fuel = 0.0
    charged_total = charge_total_s = station_premium = 0.0
    payload = weight
    load_m3 = volume

    t = start
    cum_d = 0.0
    wait_total = service_total = 0.0
    steps: list[Step] = [
        Step(
            kind="start",
            id=start_depot.id,
            arrival_s=start,
            service_start_s=start,
            departure_s=start,
            distance_m=0.0,
            load_kg=payload,
            load_m3=load_m3,
            soc_kwh=soc if electric else None,
            fuel_used_l=0.0 if diesel else None,
        )
    ]
    for k, leg in enumerate(zip(leg_d, leg_t, strict=True)):
        d, tt = leg
        e = leg_energy(vt, distance_m=d, duration_s=tt, payload_kg=payload, ambient_temp_c=temp)
        battery += e.battery_kwh
        fuel += e.fuel_l
        soc -= e.battery_kwh
        t += tt
        cum_d += d
        arrival = t
        visit = visits[k] if k < len(visits) else None
        at_stop = isinstance(visit, Stop)
        begin = wait = charged = charge_s = 0.0
        if isinstance(visit, Stop):
            s = visit
            tw = s.time_window
            begin = max(arrival, float(tw.start_s)) if tw else arrival
            wait = begin - arrival
            if tw is not None and begin > tw.end_s + EPS_S:
                bad(
                    "time_window",
                    f"{route.vehicle}: stop {s.id} served at {begin:.0f} s, after its window "
                    f"ends at {tw.end_s} s",
                    s.id,
                )
            dw = dwell_energy(vt, duration_s=wait + s.service_time_s, ambient_temp_c=temp)
            battery += dw.battery_kwh
            fuel += dw.fuel_l
            soc -= dw.battery_kwh
            t = begin + s.service_time_s
            wait_total += wait
            service_total += s.service_time_s
            payload -= s.weight_kg
            load_m3 -= s.volume_m3
        elif isinstance(visit, ChargingStation) and electric:
            st = visit
            begin = max(arrival, float(st.open_s), holds.get(k, 0.0))
            wait = begin - arrival
            if k in explicit:
                charged = min(max(explicit[k], 0.0), max(usable - soc, 0.0))
            elif problem.charging == "full":
                charged = max(usable - soc, 0.0)
            else:
                need = _energy_to_next_charge(problem, vt, visits, k, seq, dist, dur, payload)
                charged = min(max(need + reserve - soc, 0.0), max(usable - soc, 0.0))
            if soc < -EPS_KWH:
                bad(
                    "energy",
                    f"{route.vehicle}: reaches station {st.id} with {soc:.2f} kWh, an empty battery",
                )
            # time at the charger: plugging in and out, then charging
            charge_s = st.connect_s + _charge_time_s(vt, st, soc, soc + charged, usable)
            t = begin + charge_s
            if st.close_s is not None and t > st.close_s + EPS_S:
                bad("charging", f"{route.vehicle}: still charging at {st.id} after it closes")
            soc += charged
            charged_total += charged
            charge_total_s += charge_s
            wait_total += wait
            price = st.price_per_kwh
            if price is not None:
                eff = vt.powertrain.charging_efficiency  # type: ignore[union-attr]
                station_premium += charged / eff * (price - problem.economics.electricity_per_kwh)
        where = (
            f"after stop {visit.id}"
            if at_stop and visit is not None
            else f"at station {visit.id}"
            if visit is not None
            else "on return"
        )
        if electric:
            min_soc = min(min_soc, soc)  # type: ignore[type-var]
            if soc < reserve - EPS_KWH:
                bad(
                    "energy",
                    f"{route.vehicle}: battery at {soc:.2f} kWh {where}, below the reserve of "
                    f"{reserve:.2f} kWh",
                    visit.id if at_stop and visit is not None else None,
                )
        steps.append(
            Step(
                kind="stop" if at_stop else "charge" if visit is not None else "end",
                id=visit.id if visit is not None else end_depot.id,
                arrival_s=arrival,
                service_start_s=begin if visit is not None else arrival,
                departure_s=t,
                wait_s=wait,
                distance_m=cum_d,
                load_kg=max(payload, 0.0),
                load_m3=max(load_m3, 0.0),
                soc_kwh=soc if electric else None,
                fuel_used_l=fuel if diesel else None,
                charged_kwh=charged,
                charge_s=charge_s,
            )
        )
    end = t
    duration = end - start
    if vt.shift_end_s is not None and end > vt.shift_end_s + EPS_S:
        bad("shift", f"{route.vehicle}: returns at {end:.0f} s, after shift end {vt.shift_end_s} s")
    if end_depot.close_s is not None and end > end_depot.close_s + EPS_S:
        bad("shift", f"{route.vehicle}: returns at {end:.0f} s, after depot {end_depot.id} closes")
    if vt.max_shift_duration_s is not None and duration > vt.max_shift_duration_s + EPS_S:
        bad(
            "shift",
            f"{route.vehicle}: route takes {duration:.0f} s, longer than the "
            f"{vt.max_shift_duration_s} s shift",
        )
    if vt.max_distance_m is not None and cum_d > vt.max_distance_m + 1e-6:
        bad("distance", f"{route.vehicle}: {cum_d:.0f} m exceeds max_distance_m")
    if diesel and fuel > vt.powertrain.tank_l + 1e-9:  # type: ignore[union-attr]
        bad("energy", f"{route.vehicle}: needs {fuel:.1f} L, more than the tank holds")

    cost = route_cost(
        vt,
        problem.economics,
        distance_m=cum_d,
        duration_s=duration,
        battery_kwh=battery,
        fuel_l=fuel,
    )
    energy_cost = cost.energy + station_premium  # energy bought at stations at their price
    return RouteResult(
        vehicle=route.vehicle,
        vehicle_type=vt.id,
        steps=steps,
        distance_m=cum_d,
        duration_s=duration,
        travel_s=float(sum(leg_t)),
        service_s=service_total,
        wait_s=wait_total,
        energy_kwh=battery,
        grid_energy_kwh=grid_energy_kwh(vt, battery),
        fuel_l=fuel,
        cost={
            "fixed": cost.fixed,
            "driver": cost.driver,
            "energy": energy_cost,
            "maintenance": cost.maintenance,
            "total": cost.total + station_premium,
        },
        co2_kg=co2_kg(vt, problem.economics, battery_kwh=battery, fuel_l=fuel),
        stops=len(stops),
        parcels=sum(len(s.parcels) for s in stops),
        weight_kg=weight,
        volume_m3=volume,
        min_soc_kwh=min_soc,
        feasible=len(out) == n_before,
        charged_kwh=charged_total,
        charge_s=charge_total_s,
        station_visits=len(visits) - len(stops),
    )


def check(problem: Problem, solution: Solution) -> CheckReport:
    """Recompute ``solution`` against ``problem``: feasibility, violations, per-route and plan KPIs."""
    violations: list[Violation] = []
    mats = travel_matrices(problem)
    dist = np.asarray(mats.distance_m, dtype=np.float64)
    dur = np.asarray(mats.duration_s, dtype=np.float64)

    served: Counter[str] = Counter()
    results: list[RouteResult] = []
    vehicles_seen: Counter[str] = Counter()
    for route in solution.routes:
        vt = problem.vehicle_type_by_id.get(route.vehicle_type)
        if vt is None:
            violations.append(
                Violation(
                    "vehicle_type", f"unknown vehicle type {route.vehicle_type!r}", route.vehicle
                )
            )
            continue
        vehicles_seen[route.vehicle] += 1
        if route.vehicle not in vehicle_names(vt):
            violations.append(
                Violation(
                    "fleet",
                    f"vehicle {route.vehicle!r} is not one of the {vt.count} vehicles of type "
                    f"{vt.id} (expected {vt.id}-1 .. {vt.id}-{vt.count})",
                    route.vehicle,
                )
            )
        unknown = [
            s for s in route.stops if s not in problem.stop_by_id and s not in problem.station_by_id
        ]
        if unknown:
            violations.append(
                Violation("unknown_stop", f"unknown stop id {unknown[0]!r}", route.vehicle)
            )
            continue
        served.update(s for s in route.stops if s in problem.stop_by_id)
        for c in route.charges:
            if not (
                c.position < len(route.stops) and route.stops[c.position] in problem.station_by_id
            ):
                violations.append(
                    Violation(
                        "charging",
                        f"{route.vehicle}: charges.position {c.position} is not a station visit",
                        route.vehicle,
                    )
                )
        results.append(_check_route(problem, route, vt, dist, dur, violations))
    violations += _connector_violations(problem, results)
    for name, n in vehicles_seen.items():
        if n > 1:
            violations.append(Violation("fleet", f"vehicle {name!r} drives {n} routes", name))
    sync = None
    if solution.sorties:  # drone flights and robot trips: voltroute.evaluate.fleet_sync
        from voltroute.evaluate.fleet_sync import check_sorties

        sync = check_sorties(
            problem, solution, dist=dist, dur=dur,
            route_steps={r.vehicle: r.steps for r in results},
            min_soc_kwh={r.vehicle: r.min_soc_kwh for r in results},
        )  # fmt: skip
        violations += sync.violations
        served.update(sync.served)

    unassigned_ids = Counter(u.stop for u in solution.unassigned)
    for stop_id, n in served.items():
        if n > 1:
            violations.append(
                Violation("duplicate", f"stop {stop_id} is served {n} times", stop=stop_id)
            )
        if stop_id in unassigned_ids:
            violations.append(
                Violation(
                    "duplicate", f"stop {stop_id} is both served and unassigned", stop=stop_id
                )
            )
    for stop_id in unassigned_ids:
        if stop_id not in problem.stop_by_id:
            violations.append(Violation("unknown_stop", f"unknown unassigned stop {stop_id!r}"))
    for stop in problem.stops:
        if stop.id not in served and stop.id not in unassigned_ids:
            violations.append(
                Violation(
                    "missing",
                    f"stop {stop.id} is neither served nor listed as unassigned",
                    stop=stop.id,
                )
            )

    kpis = _plan_kpis(problem, solution, results, served)
    if sync is not None:
        sync.merge_kpis(kpis)
    feasible = not violations
    kpis["feasible"] = feasible
    kpis["violations"] = len(violations)
    return CheckReport(feasible, violations, results, kpis, sync)


def _connector_violations(problem: Problem, results: list[RouteResult]) -> list[Violation]:
    """Station visits that plug in while every connector of the station is taken.

    A connector is taken from plug-in (the charge step's service start) until departure, plug-in
    time included; routes of one plan share the stations' connectors.
    """
    uses: dict[str, list[tuple[float, float, str]]] = {}
    for r in results:
        for step in r.steps:
            if step.kind == "charge" and step.departure_s > step.service_start_s + EPS_S:
                uses.setdefault(step.id, []).append(
                    (step.service_start_s, step.departure_s, r.vehicle)
                )
    out: list[Violation] = []
    for sid, intervals in uses.items():
        cap = problem.station_by_id[sid].connectors
        if len(intervals) <= cap:
            continue
        intervals.sort()
        active: list[tuple[float, str]] = []  # (unplug time, vehicle) of the connected vans
        for begin, end, vehicle in intervals:
            active = [a for a in active if a[0] > begin + EPS_S]
            if len(active) >= cap:
                others = ", ".join(sorted(v for _, v in active))
                out.append(
                    Violation(
                        "connectors",
                        f"{vehicle}: plugs in at station {sid} at {begin:.0f} s while all {cap} "
                        f"of its connectors are in use ({others})",
                        vehicle,
                        sid,
                    )
                )
            active.append((end, vehicle))
    return out


def _plan_kpis(
    problem: Problem, solution: Solution, results: list[RouteResult], served: Counter[str]
) -> dict[str, Any]:
    cost = {k: 0.0 for k in ("fixed", "driver", "energy", "maintenance", "total")}
    for r in results:
        for k in cost:
            cost[k] += r.cost[k]
    unassigned_stops = [
        problem.stop_by_id[u.stop] for u in solution.unassigned if u.stop in problem.stop_by_id
    ]
    penalty = sum(problem.stop_penalty(s) for s in unassigned_stops)
    served_parcels = sum(r.parcels for r in results)
    co2 = sum(r.co2_kg for r in results)
    n_routes = len(results)
    by_type: dict[str, int] = {}
    for r in results:
        by_type[r.vehicle_type] = by_type.get(r.vehicle_type, 0) + 1
    reasons = Counter(u.reason for u in solution.unassigned)
    return {
        "currency": problem.economics.currency,
        "vehicles_used": n_routes,
        "vehicles_by_type": by_type,
        "distance_m": sum(r.distance_m for r in results),
        "duration_s": sum(r.duration_s for r in results),
        "energy_kwh": sum(r.energy_kwh for r in results),
        "grid_energy_kwh": sum(r.grid_energy_kwh for r in results),
        "fuel_l": sum(r.fuel_l for r in results),
        "charged_kwh": sum(r.charged_kwh for r in results),
        "charge_s": sum(r.charge_s for r in results),
        "station_visits": sum(r.station_visits for r in results),
        "cost": cost,
        "unserved_penalty": penalty,
        "objective": cost["total"] + penalty,
        "co2_kg": co2,
        "served": len(served),
        "served_parcels": served_parcels,
        "unassigned": len(solution.unassigned),
        "unassigned_parcels": sum(len(s.parcels) for s in unassigned_stops),
        "unassigned_reasons": dict(reasons),
        "parcels_per_route": served_parcels / n_routes if n_routes else 0.0,
        "cost_per_parcel": cost["total"] / served_parcels if served_parcels else None,
        "co2_kg_per_parcel": co2 / served_parcels if served_parcels else None,
    }


def annotate(problem: Problem, solution: Solution) -> Solution:
    """The solution with steps and KPIs recomputed by the checker (per route and for the plan)."""
    report = check(problem, solution)
    by_vehicle = {r.vehicle: r for r in report.routes}
    routes = []
    for route in solution.routes:
        r = by_vehicle.get(route.vehicle)
        if r is None:
            routes.append(route)
            continue
        synced = report.sync.route_steps.get(route.vehicle) if report.sync else None
        routes.append(
            route.model_copy(
                update={
                    "steps": tuple(synced or r.steps),
                    "kpis": r.kpis(),
                    "start_s": r.steps[0].departure_s,
                }
            )
        )
    update: dict[str, Any] = {"routes": tuple(routes), "kpis": report.kpis}
    if report.sync is not None:
        done = {r.index: r for r in report.sync.sorties}
        update["sorties"] = tuple(
            s.model_copy(update={"steps": tuple(done[i].steps), "kpis": done[i].kpis()})
            if i in done
            else s
            for i, s in enumerate(solution.sorties)
        )
    return solution.model_copy(update=update)
