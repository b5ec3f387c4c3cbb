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


def initial_departures(inst: Instance, *, latest: bool, docks: Docks) -> dict[int, int]:
    """Per load, legs as early (or late) as the windows, the leg order and the docks allow."""
    s = inst.settings
    deps: dict[int, int] = {}
    order = sorted(inst.legs_of_load.values(), key=lambda ix: inst.trips[ix[0]].candidates[0])
    for ix in order:
        chosen = _fit_load(inst, ix, docks, latest=latest, respect_docks=True)
        if chosen is None:  # docks full all along: keep the windows, the checker reports it
            chosen = _fit_load(inst, ix, docks, latest=latest, respect_docks=False)
        assert chosen is not None
        for i, d in zip(ix, chosen, strict=True):
            deps[i] = d
            docks.add(i, d)
    del s
    return deps


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


def solve_heuristic(
    inst: Instance, *, time_limit_s: float = 10.0, seed: int = 0
) -> tuple[dict[int, int], float]:
    """Departures of every trip and the chaining objective they give."""
    t0 = time.perf_counter()
    tables = {f: fleet_table(inst, ix) for f, ix in fleet_indices(inst).items()}
    best: tuple[float, dict[int, int], Docks] | None = None
    for late in (False, True):
        docks = Docks(inst)
        deps = initial_departures(inst, latest=late, docks=docks)
        val, _ = _total(inst, tables, deps)
        if best is None or val < best[0] - 1e-9:
            best = (val, deps, docks)
    assert best is not None
    val, deps, docks = best
    rng = random.Random(seed)
    loads = list(inst.legs_of_load.values())
    fleet_of = {i: t.fleet for i, t in enumerate(inst.trips)}
    _, per = _total(inst, tables, deps)
    improved = True
    while improved and time.perf_counter() - t0 < time_limit_s:
        improved = False
        rng.shuffle(loads)
        for ix in loads:
            if time.perf_counter() - t0 >= time_limit_s:
                break
            cur = [deps[i] for i in ix]
            fleets = {fleet_of[i] for i in ix}
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
    return deps, sum(per.values())


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
