"""The charging engine: PyVRP routes built with a relaxed battery, then charging visits inserted.

For problems with charging stations and electric vehicles. Two phases:

1. PyVRP searches with the electric vehicles' energy budget relaxed (``battery_factor`` times the
   battery less reserve, or no limit at all), so it builds routes for distance, time and load as if
   charging were free;
2. each electric route gets the cheapest station visits that make it feasible
   (:class:`~voltroute.solve.stations.StationInserter`: battery, windows, opening hours, shift,
   charging time from the station's power and the vehicle's taper). A route for which no
   insertion works is split into the longest feasible prefix and the rest (repeatedly); a stop
   that cannot be served even alone is reported unassigned with reason ``energy``.

Station visits are decided after the search, not inside it: PyVRP never sees the detours or the
charging time, which is what makes this a repair heuristic.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyvrp
from pyvrp import Activity, ActivityType

from voltroute.model import (
    Charge,
    Problem,
    Route,
    Solution,
    Unassigned,
    VehicleType,
    vehicle_names,
)
from voltroute.network import travel_matrices
from voltroute.solve.params import SolveParams
from voltroute.solve.pyvrp_engine import Translation, _ProgressStop, _repair, translate
from voltroute.solve.stations import Insertion, StationInserter

SEARCH_SHARE = 0.85  # of the time limit for PyVRP; the rest is for station insertion


class ChargingEngine:
    """PyVRP with a relaxed battery, then station insertion (and route splitting) per route."""

    name = "charging"

    def __init__(self, battery_factor: float | None = None) -> None:
        self.battery_factor = battery_factor
        """Electric energy budget in the search, in batteries (less reserve); None: no limit."""

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
    inserter: StationInserter, vt: VehicleType, ids: list[str], start_hint: float
) -> tuple[list[Insertion], list[str]]:
    """Charging plans covering ``ids`` in order: one route if possible, else split into the
    longest feasible prefixes; stops that fit on no route of their own are returned as dropped."""

    def plan(part: list[str]) -> Insertion | None:
        res = inserter.insert(vt, part, start_hint)
        if res is None:
            res = inserter.insert(vt, part, None)  # the earliest departure
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
