"""The charging engine: electric routing with charging-station visits decided in the search.

For problems with charging stations and electric vehicles. By default (``search="own"``) a
ruin-and-recreate search (:mod:`voltroute.solve.evsearch`) builds routes whose station visits,
charging amounts and charging times are part of every move's evaluation, together with load,
time windows, shifts and the fleet; objective ``cost`` or ``vehicles`` (fewest routes first, then
cost). Each route is then replayed with the checker's rules by the station-insertion dynamic
programme (:class:`~voltroute.solve.stations.StationInserter`), which keeps the search's station
plan or a cheaper one it finds for the same stop sequence.

``search="pyvrp"`` (engine ``charging-repair``) is the earlier repair heuristic, kept for
comparison: PyVRP with the battery relaxed (``battery_factor`` times the battery less reserve, or
no limit), then station insertion per route, splitting routes it cannot repair.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pyvrp
from pyvrp import Activity, ActivityType

from voltroute.energy import charge_time_s, usable_battery_kwh
from voltroute.model import (
    Charge,
    ElectricPowertrain,
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
from voltroute.solve.evsearch import build_search_data, search
from voltroute.solve.params import Progress, SolveParams
from voltroute.solve.pyvrp_engine import Translation, _ProgressStop, _repair, translate
from voltroute.solve.stations import ConnectorCalendar, Insertion, StationInserter

SEARCH_SHARE = 0.85  # of the time limit for PyVRP; the rest is for station insertion
PYVRP_SHARE = 0.5  # objective cost: share of the time limit for the PyVRP start
OWN_SEARCH_SHARE = 0.95
DP_MAX_STOPS = 40  # longer routes are replayed by the DP only when time is left  # of the time limit for the own search; the rest replays the routes


class ChargingEngine:
    """Electric routing with charging visits: own search (default) or PyVRP then repair."""

    def __init__(self, search: str = "own", battery_factor: float | None = None) -> None:
        if search not in ("own", "pyvrp"):
            raise ValueError(f"search must be 'own' or 'pyvrp', got {search!r}")
        self.search = search
        self.name = "charging" if search == "own" else "charging-repair"
        self.battery_factor = battery_factor
        """PyVRP path: energy budget in the search, in batteries (less reserve); None: no limit."""

    def supports(self, problem: Problem) -> str | None:
        if not problem.stations:
            return "the problem has no charging stations"
        if not any(vt.is_electric for vt in problem.vehicle_types):
            return "the problem has no electric vehicle types"
        return None

    def solve(self, problem: Problem, params: SolveParams) -> Solution:
        t0 = time.perf_counter()
        tr = translate(problem, params, battery_factor=self.battery_factor)
        data = _reduce_costs(tr.data)
        mats = travel_matrices(problem)
        inserter = StationInserter(
            problem,
            np.asarray(mats.distance_m, dtype=np.float64),
            np.asarray(mats.duration_s, dtype=np.float64),
        )
        unassigned = list(tr.screened)
        info: dict[str, object] = {
            "engine": self.name,
            "seed": params.seed,
            "time_limit_s": params.time_limit_s,
            "battery_factor": self.battery_factor,
        }
        if not tr.client_stops:
            info["runtime_s"] = time.perf_counter() - t0
            return Solution(
                problem=problem.name, routes=(), unassigned=tuple(unassigned), solver=info
            )
        if self.search == "own":
            return self._solve_own(problem, params, tr, inserter, mats, unassigned, info, t0)
        if params.objective != "cost":
            raise ProblemError("objective", "the charging-repair engine minimises cost only")
        budget = params.time_limit_s * SEARCH_SHARE - (time.perf_counter() - t0)
        result = pyvrp.solve(
            data, stop=_ProgressStop(params, budget), seed=params.seed, collect_stats=False
        )
        best = result.best
        t_search = time.perf_counter()
        info.update(
            iterations=result.num_iterations,
            search_runtime_s=result.runtime,
            pyvrp_feasible=bool(best.is_feasible()),
            pyvrp_routes=best.num_routes(),
        )

        names = {k: list(vehicle_names(tm.vt)) for k, tm in enumerate(tr.type_models)}
        routes: list[Route] = []
        served: set[str] = set()
        splits = 0

        def drop(stop_id: str, reason: str, detail: str) -> None:
            s = problem.stop_by_id[stop_id]
            parcels = tuple(p.id for p in s.parcels)
            unassigned.append(Unassigned(stop=s.id, parcels=parcels, reason=reason, detail=detail))  # type: ignore[arg-type]
            served.add(stop_id)

        for pr in best.routes():
            k = pr.vehicle_type()
            vt = tr.type_models[k].vt
            visits = [a.idx for a in pr.schedule() if a.is_client()]
            visits, removed = _repair(tr.data, visits, k)
            for c, kind in removed:
                drop(
                    tr.client_stops[c].id, kind, "removed from an infeasible route after the search"
                )
            if not visits:
                continue
            ids = [tr.client_stops[c].id for c in visits]
            start = _start_time(tr, visits, k)
            if not vt.is_electric:
                pieces: list[Insertion] = [Insertion(tuple(ids), (), start, 0.0)]
            else:
                pieces, dropped = _make_feasible(inserter, vt, ids, start)
                splits += max(len(pieces) - 1, 0)
                for sid in dropped:
                    drop(sid, "energy", "no charging plan reaches it, even on a route of its own")
            for piece in pieces:
                stop_ids = [v for v in piece.visits if v in problem.stop_by_id]
                if not names[k]:
                    for sid in stop_ids:
                        drop(
                            sid, "energy", "needs a route of its own for charging; no vehicle left"
                        )
                    continue
                served.update(stop_ids)
                routes.append(
                    Route(
                        vehicle=names[k].pop(0),
                        vehicle_type=vt.id,
                        stops=piece.visits,
                        start_s=piece.start_s,
                        charges=tuple(
                            Charge(position=pos, energy_kwh=kwh) for pos, kwh in piece.charges
                        )
                        if problem.charging == "partial"
                        else (),
                    )
                )
        spare = {tm.vt.id: names[k] for k, tm in enumerate(tr.type_models)}
        routes, no_connector, counts = _share_connectors(problem, inserter, routes, spare)
        info.update(counts)
        unassigned.extend(_no_connector(problem, no_connector))
        served.update(no_connector)
        for s in tr.client_stops:
            if s.id in served:
                continue
            if s.required:
                drop(s.id, "fleet_size", "the search found no room for it in the available fleet")
            else:
                drop(s.id, "not_profitable", "serving it costs more than its unserved penalty")
        info.update(
            insertion_runtime_s=time.perf_counter() - t_search,
            station_visits=sum(len(r.stops) for r in routes)
            - sum(1 for r in routes for x in r.stops if x in problem.stop_by_id),
            splits=splits,
            runtime_s=time.perf_counter() - t0,
        )
        order = {s.id: i for i, s in enumerate(problem.stops)}
        unassigned.sort(key=lambda u: order[u.stop])
        return Solution(
            problem=problem.name, routes=tuple(routes), unassigned=tuple(unassigned), solver=info
        )

    def _solve_own(
        self,
        problem: Problem,
        params: SolveParams,
        tr: Translation,
        inserter,
        mats,
        unassigned,
        info,
        t0,
    ) -> Solution:
        dist = np.asarray(mats.distance_m, dtype=np.float64)
        dur = np.asarray(mats.duration_s, dtype=np.float64)
        data = build_search_data(problem, dist, dur, energy_payload=params.energy_payload)
        initial = None
        # from scratch (the vehicles objective) the fleet phase leaves a squeezed plan: a warmer
        # start moves it further (c109, rc103, r206 at 60 s: 1-6 % shorter than with 0.3)
        temperature = (1.0, 0.01)
        if params.objective == "cost":
            # PyVRP's search with the battery relaxed gives a strong start on distance and cost;
            # the own search follows its routes, adds the charging, and moves both together.
            result = pyvrp.solve(
                _reduce_costs(tr.data),
                stop=_ProgressStop(
                    replace(params, progress=None), params.time_limit_s * PYVRP_SHARE
                ),
                seed=params.seed,
                collect_stats=False,
            )
            index = {s.id: problem.stop_index[s.id] for s in tr.client_stops}
            type_index = {vt.id: k for k, vt in enumerate(problem.vehicle_types)}
            initial = [
                (
                    type_index[tr.type_models[pr.vehicle_type()].vt.id],
                    [index[tr.client_stops[a.idx].id] for a in pr.schedule() if a.is_client()],
                )
                for pr in result.best.routes()
            ]
            info["initial_from_pyvrp"] = {
                "iterations": result.num_iterations,
                "routes": len(initial),
            }
            temperature = (0.02, 0.0002)
        budget = params.time_limit_s * OWN_SEARCH_SHARE - (time.perf_counter() - t0)

        def report(elapsed: float, best: float, iterations: int) -> None:
            if params.progress is not None:
                params.progress(
                    Progress(time.perf_counter() - t0, params.time_limit_s, best, iterations)
                )

        res = search(
            data,
            time_limit_s=max(budget, 0.05),
            seed=params.seed,
            objective=params.objective,
            max_iterations=params.max_iterations,
            temperature=temperature,
            initial=initial,
            progress=report,
            # two chains crossed by route exchange: 0.94-1.23 % against 1.04-1.75 % for one
            # over the Schneider set at 60 s (docs/benchmarks.md, section 6.1); the cost
            # objective starts from PyVRP's plan and keeps one chain (not measured with two)
            population=2 if params.objective == "vehicles" else 1,
        )
        t_search = time.perf_counter()
        info.update(res.info)
        node_id: dict[int, str] = {
            i: s.id for s, i in ((s, problem.stop_index[s.id]) for s in problem.stops)
        }
        node_id.update({problem.station_index[c.id]: c.id for c in problem.stations})
        names = {k: list(vehicle_names(vt)) for k, vt in enumerate(problem.vehicle_types)}
        routes: list[Route] = []
        from_dp = 0
        late: list[str] = []  # stops of routes no replay could make feasible
        for sr in res.routes:
            vt = problem.vehicle_types[sr.type_index]
            visits = tuple(node_id[v] for v in sr.nodes)
            start = sr.start_s
            charges = tuple(
                (pos, kwh)
                for pos, (v, kwh) in enumerate(zip(visits, sr.charged_kwh, strict=True))
                if v in problem.station_by_id
            )
            pieces = [Insertion(visits, charges, start, 0.0)]
            if vt.is_electric:
                ids = [v for v in visits if v in problem.stop_by_id]
                if _search_model_exact(vt, problem):
                    # the search replayed this route exactly; the dynamic programme may still
                    # find cheaper stations for the same stops (skipped for long routes once
                    # the time limit is near)
                    room = t0 + params.time_limit_s - time.perf_counter()
                    if len(visits) <= DP_MAX_STOPS or room > 0.5 * params.time_limit_s:
                        base = _chain_m(dist, problem, vt, ids)
                        dp = inserter.insert(vt, ids, start)
                        if dp is not None and base + dp.added_m <= sr.distance_m + 1e-6:
                            pieces = [dp]
                            from_dp += 1
                else:
                    # payload-dependent energy and a tapering charge: the search's budget is
                    # conservative on energy but not on charging time for a given amount. So
                    # each station charges to the level the search planned: with the real
                    # (lighter) payload the van arrives fuller, charges less and leaves no later.
                    # If that replay fails, the dynamic programme replans the charging.
                    levels = sr.levels_kwh
                    bare = [i for i, v in enumerate(visits) if v not in problem.station_by_id]
                    replay = None
                    if len(bare) < len(visits):
                        # the real (lighter) van may need no charge on the way at all
                        replay = _replay_levels(
                            inserter, problem, vt, tuple(visits[i] for i in bare),
                            tuple(levels[i] for i in bare), start,
                        )  # fmt: skip
                        if replay is not None:
                            visits = tuple(visits[i] for i in bare)
                            levels = tuple(levels[i] for i in bare)
                    if replay is None:
                        replay = _replay_levels(inserter, problem, vt, visits, levels, start)
                    if replay is not None and any(kwh <= 1e-9 for _, kwh in replay):
                        # the real (lighter) van needs nothing at some stations: skip them
                        idle = {pos for pos, kwh in replay if kwh <= 1e-9}
                        keep = [i for i in range(len(visits)) if i not in idle]
                        fewer = tuple(visits[i] for i in keep)
                        again = _replay_levels(
                            inserter, problem, vt, fewer, tuple(levels[i] for i in keep), start
                        )
                        if again is not None:
                            visits, replay = fewer, again
                    dp = None if replay is not None else inserter.insert(vt, ids, start)
                    if replay is not None:
                        pieces = [Insertion(visits, replay, start, 0.0)]
                    elif dp is not None:
                        pieces = [dp]
                        from_dp += 1
                    else:
                        pieces, dropped = _make_feasible(inserter, vt, ids, start)
                        late.extend(dropped)
            for piece in pieces:
                if not names[sr.type_index]:
                    late.extend(v for v in piece.visits if v in problem.stop_by_id)
                    continue
                routes.append(
                    Route(
                        vehicle=names[sr.type_index].pop(0),
                        vehicle_type=vt.id,
                        stops=piece.visits,
                        start_s=piece.start_s,
                        charges=tuple(Charge(position=p, energy_kwh=k) for p, k in piece.charges)
                        if problem.charging == "partial"
                        else (),
                    )
                )
        spare = {vt.id: names[k] for k, vt in enumerate(problem.vehicle_types)}
        routes, no_connector, counts = _share_connectors(problem, inserter, routes, spare)
        info.update(counts)
        unassigned.extend(_no_connector(problem, no_connector))
        for sid in late:
            s = problem.stop_by_id[sid]
            unassigned.append(
                Unassigned(
                    stop=sid,
                    parcels=tuple(p.id for p in s.parcels),
                    reason="energy",
                    detail="its route could not be replayed feasibly with the real payload and "
                    "charging taper, and no vehicle was left for a split",
                )
            )
        screened = {u.stop for u in unassigned}
        for node in res.missing:
            sid = node_id[node]
            if sid in screened:
                continue
            s = problem.stop_by_id[sid]
            parcels = tuple(p.id for p in s.parcels)
            alone = any(
                (not vt.is_electric or _alone(inserter, problem, dur, vt, s) is not None)
                for vt in problem.vehicle_types
                if s.vehicle_types is None or vt.id in s.vehicle_types
            )
            if not alone:
                reason, detail = "energy", "no charging plan reaches it, even on a route of its own"
            elif s.required:
                reason, detail = "fleet_size", "the search found no room for it in the fleet"
            else:
                reason, detail = "not_profitable", "serving it costs more than its unserved penalty"
            unassigned.append(Unassigned(stop=sid, parcels=parcels, reason=reason, detail=detail))  # type: ignore[arg-type]
        order = {s.id: i for i, s in enumerate(problem.stops)}
        unassigned.sort(key=lambda u: order[u.stop])
        info.update(
            station_visits=sum(1 for r in routes for x in r.stops if x in problem.station_by_id),
            routes_replanned_by_dp=from_dp,
            search_distance_m=sum(sr.distance_m for sr in res.routes),
            insertion_runtime_s=time.perf_counter() - t_search,
            runtime_s=time.perf_counter() - t0,
        )
        return Solution(
            problem=problem.name, routes=tuple(routes), unassigned=tuple(unassigned), solver=info
        )


@dataclass(frozen=True, slots=True)
class _Replay:
    charges: tuple[tuple[int, float], ...]  # (position, kWh)
    holds: tuple[tuple[int, float], ...]  # (position, plug-in s) where it waits for a connector
    sessions: tuple[tuple[int, float, float], ...]  # (station matrix index, plug-in s, unplug s)


def _replay_levels(
    inserter: StationInserter,
    problem: Problem,
    vt: VehicleType,
    visits: tuple[str, ...],
    levels: tuple[float, ...],
    start_s: float,
) -> tuple[tuple[int, float], ...] | None:
    """Charges (position, kWh) that bring the battery to ``levels`` at each station, replayed
    with the checker's rules; None if any of them fails."""
    r = _replay(inserter, problem, vt, visits, start_s, levels=levels)
    return None if r is None else r.charges


def _replay(
    inserter: StationInserter,
    problem: Problem,
    vt: VehicleType,
    visits: tuple[str, ...],
    start_s: float,
    *,
    levels: tuple[float, ...] | None = None,
    amounts: dict[int, float] | None = None,
    calendar: ConnectorCalendar | None = None,
) -> _Replay | None:
    """Replay a route with the checker's rules (real payload, charging taper and plug-in time,
    waiting and serving energy, windows, opening hours, shift); None if any of them fails.

    At each station it charges up to ``levels[pos]`` kWh, or ``amounts[pos]`` kWh, or to full
    (neither given); with a ``calendar`` it waits for a free connector there."""
    pt = vt.powertrain
    assert isinstance(pt, ElectricPowertrain)
    temp = problem.conditions.ambient_temp_c
    usable = usable_battery_kwh(pt, temp)
    reserve = usable * pt.reserve_fraction
    stops = [problem.stop_by_id[v] for v in visits if v in problem.stop_by_id]
    payload = float(sum(s.weight_kg for s in stops))
    index = {**problem.stop_index, **problem.station_index}
    prev = problem.depot_index[vt.start_depot]
    end = problem.depot_index[vt.end_depot_id]
    limits = [x for x in (vt.shift_end_s, problem.depots[end].close_s) if x is not None]
    t = start_s
    soc = usable
    charges: list[tuple[int, float]] = []
    holds: list[tuple[int, float]] = []
    sessions: list[tuple[int, float, float]] = []
    for pos, v in enumerate(visits):
        node = index[v]
        soc -= inserter.leg_kwh(vt, prev, node, payload)
        t += float(inserter.dur[prev, node])
        if soc < reserve - 1e-6:
            return None
        st = problem.station_by_id.get(v)
        if st is not None:
            room = max(usable - soc, 0.0)
            if levels is not None:
                charged = min(max(levels[pos] - soc, 0.0), room)
            elif amounts is not None:
                charged = min(max(amounts.get(pos, 0.0), 0.0), room)
            else:
                charged = room
            begin = max(t, float(st.open_s))
            session = st.connect_s + charge_time_s(vt, st, soc, soc + charged, usable)
            plug = begin if calendar is None else calendar.earliest(node, begin, session)
            if plug > begin + 1e-6:
                holds.append((pos, plug))
            t = plug + session
            if st.close_s is not None and t > st.close_s + 1e-6:
                return None
            charges.append((pos, charged))
            sessions.append((node, plug, t))
            soc += charged
        else:
            s = problem.stop_by_id[v]
            tw = s.time_window
            begin = max(t, float(tw.start_s)) if tw is not None else t
            if tw is not None and begin > tw.end_s + 1e-6:
                return None
            soc -= inserter.dwell_kwh(vt, begin - t + s.service_time_s)
            if soc < reserve - 1e-6:
                return None
            t = begin + s.service_time_s
            payload -= s.weight_kg
        prev = node
    soc -= inserter.leg_kwh(vt, prev, end, payload)
    t += float(inserter.dur[prev, end])
    if soc < reserve - 1e-6 or (limits and t > min(limits) + 1e-6):
        return None
    if vt.max_shift_duration_s is not None and t - start_s > vt.max_shift_duration_s + 1e-6:
        return None
    return _Replay(tuple(charges), tuple(holds), tuple(sessions))


def _share_connectors(
    problem: Problem,
    inserter: StationInserter,
    routes: list[Route],
    spare: dict[str, list[str]],
) -> tuple[list[Route], list[str], dict[str, int]]:
    """Make the routes share the stations' connectors: no more vans plugged in than connectors.

    Routes are taken in order of their first plug-in, each against the sessions of those before
    it: a van waits for a free connector where the wait breaks no window or shift (a hold), else
    its charging is replanned around the booked sessions (other stations, other amounts), else
    split over ``spare`` vehicles (names per vehicle type, consumed). Returns the routes, the
    stops no plan could keep, and counts for the solver's report.
    """
    users: dict[str, set[int]] = {}
    for i, r in enumerate(routes):
        for x in r.stops:
            if x in problem.station_by_id:
                users.setdefault(x, set()).add(i)
    counts = {"connector_holds": 0, "connector_replans": 0, "connector_splits": 0}
    if all(len(u) <= problem.station_by_id[x].connectors for x, u in users.items()):
        return routes, [], counts
    calendar = ConnectorCalendar(problem)
    vts = problem.vehicle_type_by_id

    def replay(r: Route, cal: ConnectorCalendar | None) -> _Replay | None:
        amounts = None
        if problem.charging == "partial":
            amounts = {c.position: c.energy_kwh for c in r.charges}
        start = r.start_s if r.start_s is not None else 0.0
        return _replay(inserter, problem, vts[r.vehicle_type], r.stops, start, amounts=amounts,
                       calendar=cal)  # fmt: skip

    def first_plug(r: Route) -> float:
        if not vts[r.vehicle_type].is_electric:
            return math.inf
        free = replay(r, None)
        return min((b for _, b, _ in free.sessions), default=math.inf) if free else math.inf

    def with_plan(r: Route, visits: tuple[str, ...], start: float, rp: _Replay) -> Route:
        holds = dict(rp.holds)
        charges = tuple(
            Charge(position=p, energy_kwh=kwh, start_s=holds.get(p)) for p, kwh in rp.charges
        )
        if problem.charging == "full" and not holds:
            charges = ()
        return r.model_copy(update={"stops": visits, "start_s": start, "charges": charges})

    out: list[tuple[int, int, Route]] = []  # (input position, piece, route): the input order
    lost: list[str] = []
    for i in sorted(range(len(routes)), key=lambda i: first_plug(routes[i])):
        r = routes[i]
        vt = vts[r.vehicle_type]
        if not vt.is_electric or not any(x in users for x in r.stops):
            out.append((i, 0, r))
            continue
        rp = replay(r, calendar)
        if rp is not None:
            counts["connector_holds"] += len(rp.holds)
            _book(calendar, rp)
            out.append((i, 0, with_plan(r, r.stops, r.start_s or 0.0, rp)))
            continue
        ids = [x for x in r.stops if x in problem.stop_by_id]
        dp = inserter.insert(vt, ids, r.start_s, calendar=calendar) or inserter.insert(
            vt, ids, None, calendar=calendar
        )
        if dp is not None:
            parts = [dp]
            counts["connector_replans"] += 1
        else:
            parts, dropped = _make_feasible(inserter, vt, ids, r.start_s or 0.0, calendar)
            lost.extend(dropped)
            counts["connector_splits"] += max(len(parts) - 1, 0)
        for k, part in enumerate(parts):
            name = r.vehicle if k == 0 else (spare[vt.id].pop(0) if spare[vt.id] else None)
            stop_ids = [x for x in part.visits if x in problem.stop_by_id]
            again = None
            if name is not None:
                # earlier pieces of this route are booked by now: replan if they are in the way
                again = _replay(inserter, problem, vt, part.visits, part.start_s,
                                amounts=dict(part.charges), calendar=calendar)  # fmt: skip
                if again is None:
                    redo = inserter.insert(vt, stop_ids, part.start_s, calendar=calendar)
                    if redo is not None:
                        part = redo
                        again = _replay(inserter, problem, vt, part.visits, part.start_s,
                                        amounts=dict(part.charges), calendar=calendar)  # fmt: skip
            if name is None or again is None:
                lost.extend(stop_ids)
                continue
            counts["connector_holds"] += len(again.holds)
            _book(calendar, again)
            piece = r.model_copy(update={"vehicle": name})
            out.append((i, k, with_plan(piece, part.visits, part.start_s, again)))
    return [r for _, _, r in sorted(out, key=lambda x: x[:2])], lost, counts


def _no_connector(problem: Problem, stop_ids: list[str]) -> list[Unassigned]:
    return [
        Unassigned(
            stop=sid,
            parcels=tuple(p.id for p in problem.stop_by_id[sid].parcels),
            reason="energy",
            detail="its van finds no free charging connector in time: the stations' connectors "
            "are taken by other vans, and no spare vehicle was left for a split",
        )
        for sid in stop_ids
    ]


def _book(calendar: ConnectorCalendar, rp: _Replay) -> None:
    for node, begin, end in rp.sessions:
        calendar.book(node, begin, end)


def _search_model_exact(vt: VehicleType, problem: Problem) -> bool:
    """True when the search's energy and charging model is the checker's: energy proportional
    to distance (no payload or dwell effect) and one charging band."""
    pt = vt.powertrain
    return (
        isinstance(pt, ElectricPowertrain)
        and pt.fixed_kwh_per_km is not None
        and len(pt.charge_taper) == 1
    )


def _alone(
    inserter: StationInserter, problem: Problem, dur: np.ndarray, vt: VehicleType, stop: Stop
) -> Insertion | None:
    """A charging plan for ``stop`` on a route of its own, leaving late enough not to wait."""
    hint = None
    if stop.time_window is not None:
        depot = problem.depot_index[vt.start_depot]
        hint = stop.time_window.start_s - float(dur[depot, problem.stop_index[stop.id]])
    return inserter.insert(vt, [stop.id], hint)


def _chain_m(dist: np.ndarray, problem: Problem, vt: VehicleType, ids: list[str]) -> float:
    seq = (
        [problem.depot_index[vt.start_depot]]
        + [problem.stop_index[i] for i in ids]
        + [problem.depot_index[vt.end_depot_id]]
    )
    return float(sum(dist[a, b] for a, b in zip(seq[:-1], seq[1:], strict=True)))


def _reduce_costs(data: pyvrp.ProblemData) -> pyvrp.ProblemData:
    """Divide all vehicle costs by their greatest common divisor (a lossless rescaling).

    Energy profiles in Wh with a cost scale chosen for precision can give leg costs of 1e8 and
    more, which dwarf PyVRP's largest time-warp penalty, so it stops finding time-feasible
    solutions once the battery no longer binds. Skipped when optional stops carry prizes.
    """
    if any(c.prize for c in data.clients()):
        return data
    types = data.vehicle_types()
    g = 0
    for vt in types:
        for v in (vt.unit_distance_cost, vt.unit_duration_cost, vt.fixed_cost):
            g = math.gcd(g, int(v))
    if g <= 1:
        return data
    return data.replace(
        vehicle_types=[
            vt.replace(
                unit_distance_cost=vt.unit_distance_cost // g,
                unit_duration_cost=vt.unit_duration_cost // g,
                fixed_cost=vt.fixed_cost // g,
            )
            for vt in types
        ]
    )


def _start_time(tr: Translation, visits: list[int], vt_index: int) -> float:
    route = pyvrp.Route(tr.data, [Activity(ActivityType.CLIENT, c) for c in visits], vt_index)
    return float(route.start_time())


def _make_feasible(
    inserter: StationInserter,
    vt: VehicleType,
    ids: list[str],
    start_hint: float,
    calendar: ConnectorCalendar | None = None,
) -> tuple[list[Insertion], list[str]]:
    """Charging plans covering ``ids`` in order: one route if possible, else split into the
    longest feasible prefixes; stops that fit on no route of their own are returned as dropped.
    With a ``calendar`` the pieces charge around its sessions (each piece is checked alone, so
    two pieces may still compete for a connector: :func:`_share_connectors` books them)."""

    def plan(part: list[str]) -> Insertion | None:
        res = inserter.insert(vt, part, start_hint, calendar=calendar)
        if res is None:  # the earliest departure
            res = inserter.insert(vt, part, None, calendar=calendar)
        return res

    pieces: list[Insertion] = []
    dropped: list[str] = []
    rest = list(ids)
    while rest:
        whole = plan(rest)
        if whole is not None:
            pieces.append(whole)
            break
        best: tuple[int, Insertion] | None = None
        for k in range(1, len(rest)):
            res = plan(rest[:k])
            if res is None:
                break
            best = (k, res)
        if best is None:
            dropped.append(rest.pop(0))
        else:
            pieces.append(best[1])
            rest = rest[best[0] :]
    return pieces, dropped
