"""The heuristic: departures chosen per load (earliest or latest that the docks allow), tractors
chained exactly for those departures (assignment), then a local search that shifts whole loads
along their candidate departures while the total falls."""

from __future__ import annotations

import random
import time

import numpy as np

from voltroute.linehaul.core import (
    FleetTable,
    Instance,
    chain,
    dock_slots,
    fleet_indices,
    fleet_table,
)
from voltroute.model.errors import VoltrouteError


class Docks:
    """Dock use per (hub, slot of day)."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.cap = {t.origin.id: t.origin.docks for t in inst.trips} | {
            t.destination.id: t.destination.docks for t in inst.trips
        }
        self.use: dict[tuple[str, int], int] = {}

    def fits(self, i: int, dep: float) -> bool:
        t = self.inst.trips[i]
        return all(
            self.use.get(k, 0) < self.cap[k[0]] for k in dock_slots(t, dep, self.inst.settings)
        )

    def add(self, i: int, dep: float, sign: int = 1) -> None:
        for k in dock_slots(self.inst.trips[i], dep, self.inst.settings):
            self.use[k] = self.use.get(k, 0) + sign


def initial_departures(
    inst: Instance, *, latest: bool, docks: Docks, tight_first: bool = False
) -> tuple[dict[int, int], list[str]]:
    """Per load, legs as early (or late) as the windows, the leg order and the docks allow.

    Loads in order of their earliest departure, or (``tight_first``) the most constrained
    first (fewest candidate departures). Returns the departures and the loads for which no
    dock-free departure was left (placed ignoring docks).
    """
    deps: dict[int, int] = {}
    failed: list[str] = []

    def key(kv: tuple[str, list[int]]) -> tuple[int, int, str]:
        tight = min(len(inst.trips[i].candidates) for i in kv[1]) if tight_first else 0
        return tight, inst.trips[kv[1][0]].candidates[0], kv[0]

    order = sorted(inst.legs_of_load.items(), key=key)
    for lid, ix in order:
        chosen = _fit_load(inst, ix, docks, latest=latest, respect_docks=True)
        if chosen is None:  # docks full all along this load's window
            failed.append(lid)
            chosen = _fit_load(inst, ix, docks, latest=latest, respect_docks=False)
        assert chosen is not None
        for i, d in zip(ix, chosen, strict=True):
            deps[i] = d
            docks.add(i, d)
    return deps, failed


def dock_feasible_start(
    inst: Instance, *, time_limit_s: float = 10.0, seed: int = 0
) -> tuple[dict[int, int] | None, list[str]]:
    """A dock-feasible set of departures: ``(None, [])`` when the greedy placements find one,
    else the dock MILP's departures and the loads it had to drop (no departure combination
    fits them through the docks)."""
    early, failed = initial_departures(inst, latest=False, docks=Docks(inst))
    if not failed:
        return None, []
    for late, tight in ((True, False), (False, True), (True, True)):
        _, failed_other = initial_departures(
            inst, latest=late, docks=Docks(inst), tight_first=tight
        )
        if not failed_other:
            return None, []
    from voltroute.linehaul.milp import solve_docks

    return solve_docks(inst, prefer=early, time_limit_s=time_limit_s, seed=seed)


def full_docks(inst: Instance, ix: list[int], deps: dict[int, int]) -> list[str]:
    """Hubs whose docks are full at some candidate departure of the load ``ix`` (others at
    ``deps``): the reason a dropped load could not be placed."""
    docks = Docks(inst)
    for i, d in deps.items():
        docks.add(i, d)
    s = inst.settings
    hubs: set[str] = set()
    for i in ix:
        t = inst.trips[i]
        for d in t.candidates:
            for key in dock_slots(t, d, s):
                if docks.use.get(key, 0) >= docks.cap[key[0]]:
                    hubs.add(key[0])
    return sorted(hubs)


def _fit_load(
    inst: Instance, ix: list[int], docks: Docks, *, latest: bool, respect_docks: bool
) -> list[int] | None:
    s = inst.settings
    trips = [inst.trips[i] for i in ix]
    if not latest:
        out: list[int] = []
        ready = -np.inf
        for i, t in zip(ix, trips, strict=True):
            c = next(
                (
                    x
                    for x in t.candidates
                    if x >= ready - 1e-6 and (not respect_docks or docks.fits(i, x))
                ),
                None,
            )
            if c is None:
                return None
            out.append(c)
            ready = c + t.elapsed_s + 2 * s.dwell_s
        return out
    rev: list[int] = []
    limit = np.inf
    for m in range(len(ix) - 1, -1, -1):
        i, t = ix[m], trips[m]
        c = next(
            (
                x
                for x in reversed(t.candidates)
                if x <= limit + 1e-6 and (not respect_docks or docks.fits(i, x))
            ),
            None,
        )
        if c is None:
            return None
        rev.append(c)
        if m > 0:
            limit = c - trips[m - 1].elapsed_s - 2 * s.dwell_s
    return rev[::-1]


def _total(
    inst: Instance, tables: dict[str, FleetTable], deps: dict[int, int]
) -> tuple[float, dict[str, float]]:
    per = {}
    for f, ft in tables.items():
        per[f] = chain(ft, np.array([deps[i] for i in ft.idx], dtype=float), inst.settings)[2]
    return sum(per.values()), per


def default_restarts(n_trips: int) -> int:
    """Local searches: from the best greedy start and (every other one) from random
    departures, each with its own shuffle; fewer on big networks, where one search already
    takes seconds."""
    return 8 if n_trips <= 30 else 3 if n_trips <= 60 else 2 if n_trips <= 120 else 1


def _random_start(inst: Instance, rng: random.Random) -> dict[int, int] | None:
    """Random departures within each load's window that respect the docks (None if the
    docks turn one down)."""
    s = inst.settings
    docks = Docks(inst)
    deps: dict[int, int] = {}
    loads = [inst.legs_of_load[k] for k in sorted(inst.legs_of_load)]
    rng.shuffle(loads)
    for ix in loads:
        ready = -np.inf
        for m, i in enumerate(ix):
            t = inst.trips[i]
            ok = [x for x in t.candidates if x >= ready - 1e-6 and docks.fits(i, x)]
            if m + 1 < len(ix):  # leave room for the next leg
                nxt = inst.trips[ix[m + 1]].candidates[-1]
                ok = [x for x in ok if x + t.elapsed_s + 2 * s.dwell_s <= nxt + 1e-6]
            if not ok:
                return None
            d = rng.choice(ok)
            deps[i] = d
            docks.add(i, d)
            ready = d + t.elapsed_s + 2 * s.dwell_s
    return deps


def solve_heuristic(
    inst: Instance,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    start: dict[int, int] | None = None,
    restarts: int | None = None,
    info: dict[str, object] | None = None,
) -> tuple[dict[int, int], float]:
    """Departures of every trip and the chaining objective they give.

    Deterministic for a given ``seed``: each local search runs to its local optimum and the
    number of restarts depends only on the size; ``time_limit_s`` is a safety cap, and
    ``info["complete"]`` says whether it cut the search short (then the result depends on
    the machine's speed). ``start``: dock-feasible departures to start from (see
    :func:`dock_feasible_start`), used with the greedy starts that respect the docks.
    """
    t0 = time.perf_counter()
    tables = {f: fleet_table(inst, ix) for f, ix in fleet_indices(inst).items()}
    starts: list[dict[int, int]] = []
    for late, tight in ((False, False), (True, False), (False, True), (True, True)):
        deps0, failed = initial_departures(inst, latest=late, docks=Docks(inst), tight_first=tight)
        if not failed:
            starts.append(deps0)
    if start is not None:
        starts.append(dict(start))
    if not starts:
        got, dropped = dock_feasible_start(inst, time_limit_s=time_limit_s, seed=seed)
        if got is None or dropped:
            raise VoltrouteError(
                f"linehaul: the docks cannot take loads {', '.join(dropped[:5])} at any departure; "
                "plan() reports such loads as unserved"
            )
        starts.append(got)
    scored = [(_total(inst, tables, d)[0], k, d) for k, d in enumerate(starts)]
    val0, _, deps0 = min(scored, key=lambda x: (x[0], x[1]))
    n_restarts = restarts if restarts is not None else default_restarts(len(inst.trips))
    best: tuple[float, dict[int, int]] = (val0, deps0)
    complete = True
    for r in range(max(1, n_restarts)):
        rng = random.Random(seed * 7919 + r)
        deps = dict(deps0)
        if r % 2 == 1:  # every other search starts from random dock-feasible departures
            deps = _random_start(inst, rng) or deps
        val, done = _local_search(inst, tables, deps, rng=rng, deadline=t0 + time_limit_s)
        complete = complete and done
        if val < best[0] - 1e-9:
            best = (val, deps)
        if not done:
            break
    if info is not None:
        info["complete"] = complete
        info["restarts"] = n_restarts
    return best[1], best[0]


def _local_search(
    inst: Instance,
    tables: dict[str, FleetTable],
    deps: dict[int, int],
    *,
    rng: random.Random,
    deadline: float,
) -> tuple[float, bool]:
    """Move whole loads along their candidate departures (docks kept) while the total falls;
    ``deps`` is changed in place. Returns the total and whether it reached a local optimum."""
    docks = Docks(inst)
    for i, d in deps.items():
        docks.add(i, d)
    loads = [inst.legs_of_load[k] for k in sorted(inst.legs_of_load)]
    fleet_of = {i: t.fleet for i, t in enumerate(inst.trips)}
    _, per = _total(inst, tables, deps)
    improved = True
    while improved:
        if time.perf_counter() >= deadline:
            return sum(per.values()), False
        improved = False
        rng.shuffle(loads)
        for ix in loads:
            if time.perf_counter() >= deadline:
                return sum(per.values()), False
            cur = [deps[i] for i in ix]
            fleets = sorted({fleet_of[i] for i in ix})
            for i, d in zip(ix, cur, strict=True):
                docks.add(i, d, -1)
            options = _shifts(inst, ix, cur)
            best_opt, best_gain = None, 1e-6
            for opt in options:
                if not all(docks.fits(i, d) for i, d in zip(ix, opt, strict=True)):
                    continue
                for i, d in zip(ix, opt, strict=True):
                    deps[i] = d
                new = {
                    f: chain(
                        tables[f],
                        np.array([deps[k] for k in tables[f].idx], dtype=float),
                        inst.settings,
                    )[2]
                    for f in fleets
                }
                gain = sum(per[f] - new[f] for f in fleets)
                if gain > best_gain:
                    best_opt, best_gain = (opt, new), gain
            chosen = best_opt[0] if best_opt else cur
            for i, d in zip(ix, chosen, strict=True):
                deps[i] = d
                docks.add(i, d)
            if best_opt:
                per.update(best_opt[1])
                improved = True
    return sum(per.values()), True


def _shifts(inst: Instance, ix: list[int], cur: list[int]) -> list[list[int]]:
    """Other departures of a load: each leg's candidates, the other legs moved as little as the
    leg order requires (at most 12 options per leg, spread over the window)."""
    s = inst.settings
    trips = [inst.trips[i] for i in ix]
    out = []
    for k, t in enumerate(trips):
        cands = t.candidates
        step = max(1, len(cands) // 12)
        for x in cands[::step] + [cands[-1]]:
            if x == cur[k]:
                continue
            opt = list(cur)
            opt[k] = x
            ok = True
            for m in range(k + 1, len(trips)):  # push later legs
                lo = opt[m - 1] + trips[m - 1].elapsed_s + 2 * s.dwell_s
                if opt[m] < lo - 1e-6:
                    nxt = next((y for y in trips[m].candidates if y >= lo - 1e-6), None)
                    if nxt is None:
                        ok = False
                        break
                    opt[m] = nxt
            for m in range(k - 1, -1, -1):  # pull earlier legs
                hi = opt[m + 1] - trips[m].elapsed_s - 2 * s.dwell_s
                if opt[m] > hi + 1e-6:
                    prv = next((y for y in reversed(trips[m].candidates) if y <= hi + 1e-6), None)
                    if prv is None:
                        ok = False
                        break
                    opt[m] = prv
            if ok and opt not in out:
                out.append(opt)
    return out
