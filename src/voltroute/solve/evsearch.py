"""Electric routing search with charging visits decided inside the search.

A ruin-and-recreate search (slack induction by string removals, after Christiaens & Vanden
Berghe, Transportation Science 2020) whose routes carry charging-station visits explicitly. Every
insertion of a stop is evaluated on the whole route with the battery, the charging time at each
station, the time windows, the shift and the load; when a stop fits only with a charge, the
insertion also tries a visit to one of the few stations with the least detour just before or after
it (or both). Stations that removals have made unnecessary are dropped again. Routes are always
feasible in the search's model; the charging engine then replays them with the checker's rules.

Model of the search (kept in arrays so the kernels compile with numba):

- energy per leg at full payload (conservative when energy depends on payload; exact for the
  literature's distance-proportional energy), service dwell energy, and waiting dwell energy;
- charging: partial, to just what the next segment (to the next station or the end depot) needs
  above the reserve, or full when the problem says so; time from the vehicle's taper bands at the
  lower of the station's and the vehicle's power, as :func:`voltroute.energy.charge_time_s`;
- objective: vehicles first (fleet minimisation, then distance with the fleet fixed), or cost
  (fixed cost per vehicle, per-km and per-hour cost of driving, serving and charging, energy).

Departure is at the start of the shift; the checker later picks the actual start.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from voltroute.solve.combinations import next_combination

# node columns
TWA, TWB, SERV, DKG, DM3, ISST, PEN, ISCUST, CONNECT = range(9)
N_NODE_COLS = 9
# vehicle type columns
(CAPKG, CAPM3, USABLE, RESERVE, TSTART, TEND, MAXDUR, MAXDIST, FIXED, CM, CS, EV, SDEP, EDEP,
 COUNT, DWELLKW, NBANDS, PRICE, CSPAN) = range(19)  # fmt: skip
N_TYPE_COLS = 19

EPS_T = 1e-6
EPS_E = 1e-9
MARGIN_KWH = 1e-7  # charge targets are raised by this much against rounding
SKIP_TOL = 1e-6  # a bound skips a candidate only when it is clearly over (cost units)
INF = 1e18

OK, BAD_LOAD, BAD_TIME, BAD_ENERGY, BAD_STATION, BAD_DIST, BAD_TYPE = range(7)


@dataclass(frozen=True)
class SearchData:
    """Arrays of one problem, in the problem's matrix order (depots, stops, stations)."""

    dist: np.ndarray  # (N, N) m
    dur: np.ndarray  # (N, N) s
    energy: np.ndarray  # (K, N, N) kWh per leg at full payload (0 for non-electric types)
    serve_e: np.ndarray  # (K, N) kWh while serving each node
    nodes: np.ndarray  # (N, N_NODE_COLS)
    types: np.ndarray  # (K, N_TYPE_COLS)
    taper_lo: np.ndarray  # (K, B) band lower bounds, fraction of usable
    taper_share: np.ndarray  # (K, B) share of the power in each band
    charge_kw: np.ndarray  # (K, N) charging power at each station node (0 elsewhere)
    allowed: np.ndarray  # (K, N) bool: the type may serve the node
    near_st: np.ndarray  # (N, N, S) stations with the least detour on each arc
    customers: np.ndarray  # (C,) node indices of stops
    neighbours: np.ndarray  # (C, C) customer positions sorted by distance
    granular: np.ndarray  # (N, G) nodes of each stop's G nearest stops (-1 padded)
    full_only: bool

    def kernel_args(self, types: np.ndarray | None = None) -> tuple:  # type: ignore[type-arg,unused-ignore]
        """The arrays the kernels take, as one tuple; ``types``: other vehicle-type columns
        (e.g. the fleet phase's costs) in place of ``self.types``."""
        mark = np.zeros(self.dist.shape[0] + 1, dtype=np.int64)
        types = self.types if types is None else types
        return (
            self.dist, self.dur, self.energy, self.serve_e, self.nodes, types, self.taper_lo,
            self.taper_share, self.charge_kw, self.allowed, self.full_only, self.granular, mark,
        )  # fmt: skip


# ------------------------------------------------------------------ route evaluation
@njit(cache=True)
def _charge_time(k, node, soc_from, soc_to, types, taper_lo, taper_share, charge_kw):
    if soc_to <= soc_from:
        return 0.0
    usable = types[k, USABLE]
    power = charge_kw[k, node]
    if power <= 0.0:
        return INF
    nb = int(types[k, NBANDS])
    secs = 0.0
    for b in range(nb):
        lo = taper_lo[k, b] * usable
        hi = taper_lo[k, b + 1] * usable if b + 1 < nb else usable
        a = max(soc_from, lo)
        c = min(soc_to, hi)
        if c > a:
            secs += (c - a) / (power * taper_share[k, b]) * 3600.0
    return secs


@njit(cache=True)
def _energy_in(k, node, soc_from, seconds, cap, types, taper_lo, taper_share, charge_kw):
    """State of charge reached from ``soc_from`` after charging ``seconds`` (at most ``cap``)."""
    usable = types[k, USABLE]
    power = charge_kw[k, node]
    soc = soc_from
    left = seconds
    nb = int(types[k, NBANDS])
    for b in range(nb):
        hi = taper_lo[k, b + 1] * usable if b + 1 < nb else usable
        hi = min(hi, cap)
        if soc >= hi:
            continue
        rate = power * taper_share[k, b] / 3600.0  # kWh per s
        need = (hi - soc) / rate
        if need >= left:
            return soc + left * rate
        soc = hi
        left -= need
    return min(soc, cap)


@njit(cache=True)
def eval_route(seq, length, k, d, out, scratch):
    """Replay ``seq[:length]`` on vehicle type ``k``. Returns OK or the first broken rule;
    Departs at the start of the shift, or later if it would otherwise wait at its first stop.
    On OK ``out`` holds (distance m, variable cost, busy s, charge s, departure s) and ``scratch[0, i]`` the kWh
    charged at position i (0 at stops) and ``scratch[1, i]`` the departure time from it."""
    dist, dur, en, se, nd, tp, tlo, tsh, chp, allowed, full_only = d[:11]
    sdep = int(tp[k, SDEP])
    edep = int(tp[k, EDEP])
    kg = 0.0
    m3 = 0.0
    for i in range(length):
        v = seq[i]
        if not allowed[k, v]:
            return BAD_TYPE
        kg += nd[v, DKG]
        m3 += nd[v, DM3]
    if kg > tp[k, CAPKG] + 1e-9 or m3 > tp[k, CAPM3] + 1e-9:
        return BAD_LOAD
    ev = tp[k, EV] > 0.5
    usable = tp[k, USABLE]
    reserve = tp[k, RESERVE]
    budget = usable - reserve
    if ev:
        # backwards: energy needed from each station to the next charge point, and to the end
        acc = en[k, seq[length - 1], edep] if length > 0 else en[k, sdep, edep]
        tot = acc
        for i in range(length - 1, -1, -1):
            v = seq[i]
            if nd[v, ISST] > 0.5:
                if acc > budget + EPS_E:
                    return BAD_ENERGY
                scratch[0, i] = acc
                scratch[3, i] = tot
                acc = 0.0
            else:
                acc += se[k, v]
                tot += se[k, v]
            prev = seq[i - 1] if i > 0 else sdep
            acc += en[k, prev, v]
            tot += en[k, prev, v]
        if acc > budget + EPS_E:
            return BAD_ENERGY
    t = tp[k, TSTART]
    if length > 0 and nd[seq[0], ISST] < 0.5:  # leave late rather than wait at the first stop
        t = max(t, nd[seq[0], TWA] - dur[sdep, seq[0]])
    t_start = t
    soc = usable
    dd = 0.0
    busy = 0.0
    charge_s = 0.0
    energy = 0.0
    dwell = tp[k, DWELLKW] / 3600.0
    prev = sdep
    for i in range(length):
        v = seq[i]
        t += dur[prev, v]
        busy += dur[prev, v]
        dd += dist[prev, v]
        if ev:
            soc -= en[k, prev, v]
            energy += en[k, prev, v]
        if nd[v, ISST] > 0.5:
            begin = max(t, nd[v, TWA])
            target = usable if full_only else min(usable, reserve + scratch[0, i] + MARGIN_KWH)
            if not full_only and target < usable:
                # charge on through waiting that comes anyway before the next station: the
                # next charge is then shorter and nothing in between is later
                t_dep = begin + nd[v, CONNECT] + _charge_time(k, v, soc, target, tp, tlo, tsh, chp)
                wait = 0.0
                p2 = v
                j = i + 1
                while j < length and nd[seq[j], ISST] < 0.5:
                    u = seq[j]
                    t_dep += dur[p2, u]
                    if nd[u, TWA] > t_dep:
                        wait += nd[u, TWA] - t_dep
                        t_dep = nd[u, TWA]
                    t_dep += nd[u, SERV]
                    p2 = u
                    j += 1
                if j < length and wait > 0.0:  # a later station exists
                    t_dep += dur[p2, seq[j]]
                    if nd[seq[j], TWA] > t_dep:
                        wait += nd[seq[j], TWA] - t_dep
                    cap = min(usable, reserve + scratch[3, i] + MARGIN_KWH)
                    more = _energy_in(k, v, max(target, soc), wait, cap, tp, tlo, tsh, chp)
                    target = max(target, more)
            ct = 0.0
            scratch[0, i] = 0.0
            if target > soc:
                ct = _charge_time(k, v, soc, target, tp, tlo, tsh, chp)
                scratch[0, i] = target - soc
                soc = target
            scratch[3, i] = soc  # the level charged to
            ct += nd[v, CONNECT]  # plugging in and out
            t = begin + ct
            busy += ct
            charge_s += ct
            if t > nd[v, TWB] + EPS_T:
                return BAD_STATION
        else:
            scratch[0, i] = 0.0
            begin = max(t, nd[v, TWA])
            if begin > nd[v, TWB] + EPS_T:
                return BAD_TIME
            if ev:
                soc -= se[k, v] + dwell * (begin - t)
                energy += se[k, v] + dwell * (begin - t)
            t = begin + nd[v, SERV]
            busy += nd[v, SERV]
        if ev and soc < reserve - EPS_E:
            return BAD_ENERGY
        scratch[1, i] = t
        prev = v
    t += dur[prev, edep]
    busy += dur[prev, edep]
    dd += dist[prev, edep]
    if ev:
        soc -= en[k, prev, edep]
        energy += en[k, prev, edep]
        if soc < reserve - EPS_E:
            return BAD_ENERGY
    if t > tp[k, TEND] + EPS_T or t - t_start > tp[k, MAXDUR] + EPS_T:
        return BAD_TIME
    if dd > tp[k, MAXDIST] + 1e-6:
        return BAD_DIST
    out[0] = dd
    out[1] = (
        tp[k, CM] * dd + tp[k, CS] * busy + tp[k, PRICE] * energy + tp[k, CSPAN] * (t - t_start)
    )
    out[2] = busy
    out[3] = charge_s
    out[4] = t_start
    return OK


# ------------------------------------------------------------------ search state helpers
@njit(cache=True)
def _build(seq, length, pos, c, s_before, s_after, tmp):
    """tmp = seq[:pos] + [s_before] + [c] + [s_after] + seq[pos:] (stations optional: -1)."""
    n = 0
    for i in range(pos):
        tmp[n] = seq[i]
        n += 1
    if s_before >= 0:
        tmp[n] = s_before
        n += 1
    tmp[n] = c
    n += 1
    if s_after >= 0:
        tmp[n] = s_after
        n += 1
    for i in range(pos, length):
        tmp[n] = seq[i]
        n += 1
    return n


@njit(cache=True)
def _route_times(seq, length, k, d, out, scratch, dep, late):
    """``dep[i]``: departure from position i of the route as it is (inserting can only delay
    it); ``late[i]``: latest arrival at position i that keeps the rest in its windows, with
    every station taking at least its plug-in time (more charge only makes it later)."""
    dur = d[1]
    nd = d[4]
    tp = d[5]
    edep = int(tp[k, EDEP])
    eval_route(seq, length, k, d, out, scratch)
    for i in range(length):
        dep[i] = scratch[1, i]
    late[length] = tp[k, TEND]
    for i in range(length - 1, -1, -1):
        v = seq[i]
        hold = nd[v, CONNECT] if nd[v, ISST] > 0.5 else nd[v, SERV]
        late[i] = min(
            nd[v, TWB], late[i + 1] - dur[v, seq[i + 1] if i + 1 < length else edep] - hold
        )


@njit(cache=True)
def _times_store(n_routes, size):
    """Empty route-time arrays for :func:`_best_insertion` (departures, latest arrivals, and
    which routes they hold), ``size`` entries per route."""
    return np.empty((n_routes, size)), np.empty((n_routes, size)), np.zeros(n_routes, np.bool_)


@njit(cache=True)
def _best_insertion(
    c, R, rl, rt, rcv, d, near_st, tmp, out, scratch, blink, avail, allow_new, nroutes_cap, keep,
    deps, lates, fresh,
):  # fmt: skip
    """Cheapest feasible insertion of node ``c``: (delta cost, route or -1-k for a new route of
    type k, position, station before, station after). Station -2 means: the whole new route is
    ``keep[:position]`` (a station visit placed elsewhere in the route). ``deps[r]`` and
    ``lates[r]`` hold route r's departure times and latest arrivals when ``fresh[r]``; they
    are filled here otherwise (:func:`_route_times`), so a caller inserting several stops in
    a row recomputes them only for the routes it changed."""
    dist = d[0]
    dur = d[1]
    tp = d[5]
    nd = d[4]
    allowed = d[9]
    gran = d[11]
    mark = d[12]
    fr = np.full(3, -1, dtype=np.int64)  # routes and positions where only a station elsewhere
    fp = np.zeros(3, dtype=np.int64)  # could help, with the detour of the stop there
    fdet = np.full(3, INF)
    stamp = mark[mark.shape[0] - 1] + 1
    mark[mark.shape[0] - 1] = stamp
    for j in range(gran.shape[1]):
        if gran[c, j] >= 0:
            mark[gran[c, j]] = stamp
    best = INF
    b_r = -1
    b_pos = -1
    b_sb = -1
    b_sa = -1
    n_st = near_st.shape[2]
    maxr = R.shape[0]
    for r in range(maxr):
        L = rl[r]
        if L == 0:
            continue
        k = rt[r]
        if not allowed[k, c]:
            continue
        cm = tp[k, CM]
        # cost by distance alone: a station trial costs at least its detour too (the span cost
        # of the fleet phase only grows with an insertion, but for a later first departure)
        by_dist = tp[k, CS] == 0.0 and tp[k, PRICE] == 0.0
        seq = R[r]
        sdep = int(tp[k, SDEP])
        edep = int(tp[k, EDEP])
        if not fresh[r]:
            _route_times(seq, L, k, d, out, scratch, deps[r], lates[r])
            fresh[r] = True
        dep = deps[r]
        late = lates[r]
        for pos in range(L + 1):
            prev = seq[pos - 1] if pos > 0 else sdep
            nxt = seq[pos] if pos < L else edep
            # granular: only next to one of the stop's nearest stops, or at either end
            if 0 < pos < L and mark[prev] != stamp and mark[nxt] != stamp:
                continue
            t_prev = dep[pos - 1] if pos > 0 else tp[k, TSTART]
            arr = t_prev + dur[prev, c]
            if arr > nd[c, TWB] + EPS_T:
                break
            arr_n = max(arr, nd[c, TWA]) + nd[c, SERV] + dur[c, nxt]
            if arr_n > late[pos] + EPS_T:
                continue
            if cm * (dist[prev, c] + dist[c, nxt] - dist[prev, nxt]) >= best:
                continue
            if blink > 0.0 and np.random.random() < blink:
                continue
            n = _build(seq, L, pos, c, -1, -1, tmp)
            code = eval_route(tmp, n, k, d, out, scratch)
            if code == OK:
                delta = out[1] - rcv[r]
                if delta < best:
                    best = delta
                    b_r = r
                    b_pos = pos
                    b_sb = -1
                    b_sa = -1
                continue
            if code != BAD_ENERGY:
                continue
            found = False
            for j in range(n_st):
                s = near_st[prev, c, j]
                if s < 0 or s == prev:
                    continue
                if (
                    by_dist
                    and cm * (dist[prev, s] + dist[s, c] + dist[c, nxt] - dist[prev, nxt])
                    > best + SKIP_TOL
                ):
                    continue  # (near-ties are replayed: the first found stays the choice)
                n = _build(seq, L, pos, c, s, -1, tmp)
                if eval_route(tmp, n, k, d, out, scratch) == OK:
                    found = True
                    delta = out[1] - rcv[r]
                    if delta < best:
                        best = delta
                        b_r = r
                        b_pos = pos
                        b_sb = s
                        b_sa = -1
            for j in range(n_st):
                s = near_st[c, nxt, j]
                if s < 0 or s == nxt:
                    continue
                if (
                    by_dist
                    and cm * (dist[prev, c] + dist[c, s] + dist[s, nxt] - dist[prev, nxt])
                    > best + SKIP_TOL
                ):
                    continue  # (near-ties are replayed: the first found stays the choice)
                n = _build(seq, L, pos, c, -1, s, tmp)
                if eval_route(tmp, n, k, d, out, scratch) == OK:
                    found = True
                    delta = out[1] - rcv[r]
                    if delta < best:
                        best = delta
                        b_r = r
                        b_pos = pos
                        b_sb = -1
                        b_sa = s
            if not found:  # remember the cheapest of these for a station elsewhere in the route
                det = dist[prev, c] + dist[c, nxt] - dist[prev, nxt]
                w = 0
                for q in range(1, 3):
                    if fdet[q] > fdet[w]:
                        w = q
                if det < fdet[w]:
                    fdet[w] = det
                    fr[w] = r
                    fp[w] = pos
    if best >= INF:
        # no insertion with a station next to the stop: try one station visit anywhere
        tmp2 = np.empty(tmp.shape[0] + 2, dtype=np.int32)
        for q in range(3):
            r = fr[q]
            if r < 0:
                continue
            k = rt[r]
            sdep = int(tp[k, SDEP])
            edep = int(tp[k, EDEP])
            n = _build(R[r], rl[r], fp[q], c, -1, -1, tmp)
            for j in range(n + 1):
                a = tmp[j - 1] if j > 0 else sdep
                b = tmp[j] if j < n else edep
                for jj in range(n_st):
                    s = near_st[a, b, jj]
                    if s < 0 or s in (a, b):
                        continue
                    m = _build(tmp, n, j, s, -1, -1, tmp2)
                    if eval_route(tmp2, m, k, d, out, scratch) == OK:
                        delta = out[1] - rcv[r]
                        if delta < best:
                            best = delta
                            b_r = r
                            b_pos = m
                            b_sb = -2
                            b_sa = -1
                            for i in range(m):
                                keep[i] = tmp2[i]
    if allow_new:
        used = 0
        for r in range(maxr):
            if rl[r] > 0:
                used += 1
        if used < nroutes_cap:
            empty = tmp[:0]
            for k in range(tp.shape[0]):
                if avail[k] <= 0 or not allowed[k, c]:
                    continue
                sdep = int(tp[k, SDEP])
                edep = int(tp[k, EDEP])
                for j1 in range(-1, n_st):
                    sb = -1 if j1 < 0 else near_st[sdep, c, j1]
                    if j1 >= 0 and sb < 0:
                        continue
                    for j2 in range(-1, n_st):
                        sa = -1 if j2 < 0 else near_st[c, edep, j2]
                        if j2 >= 0 and sa < 0:
                            continue
                        n = _build(empty, 0, 0, c, sb, sa, tmp)
                        if eval_route(tmp, n, k, d, out, scratch) == OK:
                            delta = out[1] + tp[k, FIXED]
                            if delta < best:
                                best = delta
                                b_r = -1 - k
                                b_pos = 0
                                b_sb = sb
                                b_sa = sa
    return best, b_r, b_pos, b_sb, b_sa


@njit(cache=True)
def _apply(c, r, pos, sb, sa, R, rl, rt, rcv, where, avail, d, tmp, out, scratch, keep):
    if r < 0:
        k = -1 - r
        r = -1
        for q in range(R.shape[0]):
            if rl[q] == 0:
                r = q
                break
        rt[r] = k
        avail[k] -= 1
    if sb == -2:
        _store(r, keep, pos, c, R, rl, rt, rcv, where, d, out, scratch)
    else:
        n = _build(R[r], rl[r], pos, c, sb, sa, tmp)
        _store(r, tmp, n, c, R, rl, rt, rcv, where, d, out, scratch)
    return r


@njit(cache=True)
def _store(r, seq, n, c, R, rl, rt, rcv, where, d, out, scratch):
    """Route ``r`` becomes ``seq[:n]``, with its variable cost; stop ``c`` is now on it."""
    for i in range(n):
        R[r, i] = seq[i]
    rl[r] = n
    eval_route(R[r], n, rt[r], d, out, scratch)
    rcv[r] = out[1]
    where[c] = r


@njit(cache=True)
def _clean_stations(r, R, rl, rt, rcv, avail, d, tmp, out, scratch):
    """Drop station visits the route no longer needs; release the vehicle of an empty route."""
    nd = d[4]
    k = rt[r]
    if k < 0:
        return
    changed = True
    while changed:
        changed = False
        L = rl[r]
        n_cust = 0
        for i in range(L):
            if nd[R[r, i], ISST] < 0.5:
                n_cust += 1
        if n_cust == 0:
            rl[r] = 0
            avail[k] += 1
            rt[r] = -1
            rcv[r] = 0.0
            return
        for i in range(L):
            if nd[R[r, i], ISST] < 0.5:
                continue
            n = 0
            for j in range(L):
                if j != i:
                    tmp[n] = R[r, j]
                    n += 1
            if eval_route(tmp, n, k, d, out, scratch) == OK and out[1] <= rcv[r] + 1e-9:
                for j in range(n):
                    R[r, j] = tmp[j]
                rl[r] = n
                rcv[r] = out[1]
                changed = True
                break


@njit(cache=True)
def _relocate_stations(r, R, rl, rt, rcv, d, near_st, tmp, tmp2, out, scratch):
    """Move each station visit of route ``r`` to the cheapest other station and position
    (among the three stations with the least detour on each leg) where the route stays
    feasible: the ruin moves stops, never station visits, so without this move a visit placed
    early in the search stays where it is."""
    dist = d[0]
    nd = d[4]
    tp = d[5]
    k = rt[r]
    if k < 0:
        return
    cm = tp[k, CM]
    sdep = int(tp[k, SDEP])
    edep = int(tp[k, EDEP])
    i = 0
    while i < rl[r]:
        if nd[R[r, i], ISST] < 0.5:
            i += 1
            continue
        L = rl[r]
        n = 0
        for j in range(L):
            if j != i:
                tmp[n] = R[r, j]
                n += 1
        base = 0.0
        prev = sdep
        for j in range(n):
            base += dist[prev, tmp[j]]
            prev = tmp[j]
        base += dist[prev, edep]
        best = rcv[r] - 1e-9
        b_p = -1
        b_s = -1
        for p in range(n + 1):
            a = tmp[p - 1] if p > 0 else sdep
            b = tmp[p] if p < n else edep
            for jj in range(near_st.shape[2]):
                st = near_st[a, b, jj]
                if st < 0 or st in (a, b) or (p == i and st == R[r, i]):
                    continue
                # the cost is at least the per-km cost of the distance
                if cm * (base + dist[a, st] + dist[st, b] - dist[a, b]) >= best:
                    continue
                m = _build(tmp, n, p, st, -1, -1, tmp2)
                if eval_route(tmp2, m, k, d, out, scratch) == OK and out[1] < best:
                    best = out[1]
                    b_p = p
                    b_s = st
        if b_s >= 0:
            m = _build(tmp, n, b_p, b_s, -1, -1, tmp2)
            for j in range(m):
                R[r, j] = tmp2[j]
            rl[r] = m
            eval_route(R[r], m, k, d, out, scratch)
            rcv[r] = out[1]
        i += 1


@njit(cache=True)
def _remove_at(r, i, R, rl):
    L = rl[r]
    for j in range(i, L - 1):
        R[r, j] = R[r, j + 1]
    rl[r] = L - 1


@njit(cache=True)
def _ruin(
    R, rl, where, customers, neighbours, nd, avg_remove, max_string, removed, touched, n_touched
):
    """Slack induction by string removals: strings of consecutive stops from routes near a
    random seed stop. Returns the number of removed nodes written to ``removed``."""
    C = customers.shape[0]
    n_used = 0
    total = 0
    for r in range(R.shape[0]):
        if rl[r] > 0:
            n_used += 1
            total += rl[r]
    if n_used == 0:
        return 0, n_touched
    ls_max = min(float(max_string), total / n_used)
    ks_max = 4.0 * avg_remove / (1.0 + ls_max) - 1.0
    ks = int(np.random.random() * ks_max) + 1
    seed = int(np.random.random() * C)
    n_rem = 0
    done = np.zeros(R.shape[0], dtype=np.bool_)
    strings = 0
    for q in range(C):
        if strings >= ks:
            break
        c = customers[neighbours[seed, q]]
        r = where[c]
        if r < 0 or done[r]:
            continue
        done[r] = True
        touched[n_touched] = r
        n_touched += 1
        L = rl[r]
        # position of c in the route
        pc = 0
        for i in range(L):
            if R[r, i] == c:
                pc = i
                break
        lmax = min(L, ls_max)
        ln = int(np.random.random() * lmax) + 1
        start = pc - int(np.random.random() * ln)
        if start < 0:
            start = 0
        if start + ln > L:
            start = L - ln
        # remove the stops among ln nodes from start (station visits stay until cleaned up)
        i = start
        for _ in range(ln):
            v = R[r, i]
            if nd[v, ISST] < 0.5:
                removed[n_rem] = v
                n_rem += 1
                where[v] = -1
                _remove_at(r, i, R, rl)
            else:
                i += 1
        strings += 1
    return n_rem, n_touched


@njit(cache=True)
def _sort_removed(removed, n_rem, nd, dist_depot):
    u = np.random.random()
    keys = np.empty(n_rem)
    for i in range(n_rem):
        v = removed[i]
        if u < 4.0 / 11.0:
            keys[i] = np.random.random()
        elif u < 8.0 / 11.0:
            keys[i] = -(nd[v, DKG] + 1000.0 * nd[v, DM3])
        elif u < 10.0 / 11.0:
            keys[i] = -dist_depot[v]
        else:
            keys[i] = dist_depot[v]
    order = np.argsort(keys)
    tmp = removed[:n_rem].copy()
    for i in range(n_rem):
        removed[i] = tmp[order[i]]


@njit(cache=True)
def _append_greedy(
    nodes, k, R, rl, rt, rcv, where, avail, d, near_st, tmp, out, scratch, missing, n_miss
):
    """Follow a given stop order on vehicles of type ``k``: append each stop to the open route,
    with a station visit just before or after it if the battery needs one; when it does not
    fit, close the route and open the next. Stops no route takes go to ``missing``."""
    tp = d[5]
    sdep = int(tp[k, SDEP])
    edep = int(tp[k, EDEP])
    n_st = near_st.shape[2]
    r = -1
    for c in nodes:
        placed = False
        for _attempt in range(2):
            if r < 0:
                if avail[k] <= 0:
                    break
                for q in range(R.shape[0]):
                    if rl[q] == 0 and rt[q] < 0:
                        r = q
                        break
                if r < 0:
                    break
                rt[r] = k
                avail[k] -= 1
            L = rl[r]
            prev = R[r, L - 1] if L > 0 else sdep
            for j in range(-1, 2 * n_st):
                sb = -1
                sa = -1
                if 0 <= j < n_st:
                    sb = near_st[prev, c, j]
                    if sb < 0 or sb == prev:
                        continue
                elif j >= n_st:
                    sa = near_st[c, edep, j - n_st]
                    if sa < 0:
                        continue
                n = _build(R[r], L, L, c, sb, sa, tmp)
                if eval_route(tmp, n, k, d, out, scratch) == OK:
                    for i in range(n):
                        R[r, i] = tmp[i]
                    rl[r] = n
                    rcv[r] = out[1]
                    where[c] = r
                    placed = True
                    break
            if placed:
                break
            if L == 0:  # not even alone: give the vehicle back
                rt[r] = -1
                avail[k] += 1
                r = -1
                break
            r = -1  # close this route, try the next one
        if not placed:
            missing[n_miss] = c
            n_miss += 1
    return n_miss


@njit(cache=True)
def _recreate(
    removed,
    n_rem,
    R,
    rl,
    rt,
    rcv,
    where,
    avail,
    d,
    near_st,
    tmp,
    out,
    scratch,
    blink,
    allow_new,
    nroutes_cap,
    touched,
    n_touched,
    unassigned,
    deps,
    lates,
    fresh,
):
    """Insert the ``removed`` stops one after the other at their cheapest places. Route times
    (``deps``, ``lates`` where ``fresh``, :func:`_best_insertion`) are computed again only for
    the routes a stop went into."""
    n_un = 0
    keep = np.empty(tmp.shape[0] + 2, dtype=np.int32)
    for i in range(n_rem):
        c = removed[i]
        best, r, pos, sb, sa = _best_insertion(
            c, R, rl, rt, rcv, d, near_st, tmp, out, scratch, blink, avail, allow_new,
            nroutes_cap, keep, deps, lates, fresh,
        )  # fmt: skip
        if best >= INF:
            unassigned[n_un] = c
            n_un += 1
            continue
        r = _apply(c, r, pos, sb, sa, R, rl, rt, rcv, where, avail, d, tmp, out, scratch, keep)
        fresh[r] = False
        touched[n_touched] = r
        n_touched += 1
    return n_un, n_touched


@njit(cache=True)
def _total(rl, rt, rcv, tp):
    s = 0.0
    for r in range(rl.shape[0]):
        if rl[r] > 0:
            s += rcv[r] + tp[rt[r], FIXED]
    return s


@njit(cache=True)
def _copy_routes(src_R, src_rl, src_rt, src_rcv, dst_R, dst_rl, dst_rt, dst_rcv, touched, n_t):
    for i in range(n_t):
        r = touched[i]
        L = src_rl[r]
        for j in range(L):
            dst_R[r, j] = src_R[r, j]
        dst_rl[r] = L
        dst_rt[r] = src_rt[r]
        dst_rcv[r] = src_rcv[r]


@njit(cache=True)
def _eject_insert(v, R, rl, rt, rcv, where, pcount, d, near_st, kmax, avail, ejected):
    """Insert stop ``v`` into an existing route after taking out at most ``kmax`` of that
    route's stops (never all of them; fewer on long routes), choosing the stops with the least
    sum of ``pcount`` (how often each has failed to find a place), then the cheapest insertion
    (the ejection step of Nagata & Bräysy's route minimisation, Operations Research Letters
    2009). The taken-out stops are written to ``ejected``; returns their number, or -1 if no
    such insertion exists."""
    nd = d[4]
    allowed = d[9]
    maxL = R.shape[1]
    R1 = np.empty((1, maxL), dtype=np.int32)
    rl1 = np.zeros(1, dtype=np.int32)
    rt1 = np.zeros(1, dtype=np.int32)
    rcv1 = np.zeros(1)
    deps1, lates1, fresh1 = _times_store(1, maxL + 1)
    tmp = np.empty(maxL + 4, dtype=np.int32)
    keep = np.empty(maxL + 6, dtype=np.int32)
    out = np.empty(5)
    scratch = np.empty((4, maxL + 6))
    best_seq = np.empty(maxL + 4, dtype=np.int32)
    best_len = 0
    best_p = INF
    best_c = INF
    best_r = -1
    best_n = 0
    best_sub = np.empty(kmax, dtype=np.int64)
    pos_c = np.empty(maxL, dtype=np.int64)
    sub = np.empty(kmax, dtype=np.int64)
    skip = np.zeros(maxL, dtype=np.bool_)
    for r in range(R.shape[0]):
        L = rl[r]
        if L == 0 or not allowed[rt[r], v]:
            continue
        m = 0
        for i in range(L):
            if nd[R[r, i], ISST] < 0.5:
                pos_c[m] = i
                m += 1
        rt1[0] = rt[r]
        # never the whole route, and at most 2000 subsets of one size (long routes)
        top = 1
        n_sub = float(m)
        while top < min(kmax, m - 1):
            n_sub = n_sub * (m - top) / (top + 1)
            if n_sub > 2000.0:
                break
            top += 1
        for size in range(1, min(top, m - 1) + 1):
            # subsets of ``size`` positions among the route's m stops, in lexicographic order
            for i in range(size):
                sub[i] = i
            while True:
                psum = 0.0
                for i in range(size):
                    psum += pcount[R[r, pos_c[sub[i]]]]
                # fewer failures ejected first, then fewer stops, then the cheapest
                if psum < best_p or (psum == best_p and size == best_n):
                    for i in range(size):
                        skip[pos_c[sub[i]]] = True
                    n = 0
                    for i in range(L):
                        if not skip[i]:
                            R1[0, n] = R[r, i]
                            n += 1
                    for i in range(size):
                        skip[pos_c[sub[i]]] = False
                    rl1[0] = n
                    if eval_route(R1[0], n, rt1[0], d, out, scratch) == OK:
                        rcv1[0] = out[1]
                        fresh1[0] = False
                        cost, _, pos, sb, sa = _best_insertion(
                            v, R1, rl1, rt1, rcv1, d, near_st, tmp, out, scratch, 0.0, avail,
                            False, 0, keep, deps1, lates1, fresh1,
                        )  # fmt: skip
                        if cost < INF:
                            cost += rcv1[0] - rcv[r]
                            if psum < best_p or cost < best_c:  # (same size here)
                                best_p = psum
                                best_c = cost
                                best_r = r
                                best_n = size
                                for i in range(size):
                                    best_sub[i] = R[r, pos_c[sub[i]]]
                                if sb == -2:
                                    best_len = pos
                                    for i in range(pos):
                                        best_seq[i] = keep[i]
                                else:
                                    best_len = _build(R1[0], n, pos, v, sb, sa, best_seq)
                if not next_combination(sub, size, m):
                    break
    if best_r < 0:
        return -1
    for i in range(best_n):
        where[best_sub[i]] = -1
        ejected[i] = best_sub[i]
    _store(best_r, best_seq, best_len, v, R, rl, rt, rcv, where, d, out, scratch)
    return best_n


@njit(cache=True)
def eject_steps(n_steps, cur, pcount, d, near_st, kmax):
    """Route minimisation steps on the missing stops of ``cur`` (its ejection pool): the
    last missing stop goes into the cheapest feasible place if there is one, else after an
    ejection (:func:`_eject_insert`), its failure counter raised. Returns the stops missing."""
    R, rl, rt, rcv, where, avail, un, n_un_arr = cur
    maxL = R.shape[1]
    tmp = np.empty(maxL + 4, dtype=np.int32)
    keep = np.empty(maxL + 6, dtype=np.int32)
    out = np.empty(5)
    scratch = np.empty((4, maxL + 6))
    ejected = np.empty(kmax, dtype=np.int32)
    deps, lates, fresh = _times_store(R.shape[0], maxL + 1)
    for _ in range(n_steps):
        n_un = n_un_arr[0]
        if n_un == 0:
            break
        v = un[n_un - 1]
        n_un -= 1
        n_un_arr[0] = n_un
        fresh[:] = False  # the ejections change routes behind its back
        best, r, pos, sb, sa = _best_insertion(
            v, R, rl, rt, rcv, d, near_st, tmp, out, scratch, 0.0, avail, False, 0, keep,
            deps, lates, fresh,
        )  # fmt: skip
        if best < INF:
            _apply(v, r, pos, sb, sa, R, rl, rt, rcv, where, avail, d, tmp, out, scratch, keep)
            continue
        pcount[v] += 1
        ne = _eject_insert(v, R, rl, rt, rcv, where, pcount, d, near_st, kmax, avail, ejected)
        if ne < 0:  # nowhere even with ejections: back to the bottom of the pool
            for i in range(n_un, 0, -1):
                un[i] = un[i - 1]
            un[0] = v
            n_un_arr[0] = n_un + 1
            continue
        r = where[v]
        _clean_stations(r, R, rl, rt, rcv, avail, d, tmp, out, scratch)
        for i in range(ne):
            un[n_un_arr[0]] = ejected[i]
            n_un_arr[0] += 1
    return n_un_arr[0]


@njit(cache=True)
def drop_smallest_route(cur, cand, nd):
    """Fleet minimisation: take the route with the fewest stops out; its stops become missing."""
    R, rl, rt, rcv, where, avail, un, n_un_arr = cur
    cR, crl, crt, crcv, cwhere, cavail, cun, cn_un_arr = cand
    rmin = -1
    lmin = 1 << 30
    for r in range(rl.shape[0]):
        if rl[r] > 0 and rl[r] < lmin:
            lmin = rl[r]
            rmin = r
    if rmin < 0:
        return
    n_un = n_un_arr[0]
    for j in range(rl[rmin]):
        v = R[rmin, j]
        if nd[v, ISST] < 0.5:
            un[n_un] = v
            cun[n_un] = v
            n_un += 1
            where[v] = -1
    n_un_arr[0] = n_un
    cn_un_arr[0] = n_un
    avail[rt[rmin]] += 1
    rl[rmin] = 0
    rt[rmin] = -1
    rcv[rmin] = 0.0
    crl[rmin] = 0
    crt[rmin] = -1
    crcv[rmin] = 0.0
    cwhere[:] = where
    cavail[:] = avail


@njit(cache=True)
def _recost(state, d):
    """Variable cost of every route of ``state`` under ``d`` (after a phase with other costs)."""
    R, rl, rt, rcv = state[0], state[1], state[2], state[3]
    out = np.empty(5)
    scratch = np.empty((4, R.shape[1] + 6))
    for r in range(rl.shape[0]):
        if rl[r] > 0:
            eval_route(R[r], rl[r], rt[r], d, out, scratch)
            rcv[r] = out[1]


@njit(cache=True)
def seed_rng(seed):
    np.random.seed(seed)


@njit(cache=True)
def iterate(
    n_iter,
    phase,
    temp0,
    temp1,
    frac0,
    frac1,
    cur,
    cand,
    best,
    absences,
    d,
    near_st,
    customers,
    neighbours,
    dist_depot,
    avg_remove,
    max_string,
    blink,
    fleet_cap,
    penalty,
    stats,
    relocate,
):
    """``n_iter`` ruin-and-recreate steps. ``phase`` 0: cost (simulated annealing on the
    cost); 1: fleet minimisation (accept fewer or less often missing stops); 2: cost with the
    fleet fixed; 3: perturbation in route minimisation by ejections (accept while no more
    stops are missing; none missing is a success, as in phase 1). At most ``fleet_cap[0]``
    routes at a time (a route emptied by the ruin may be opened again); phases 1 and 3 lower
    it by one at each success. Temperature decays from
    ``temp0`` at ``frac0`` to ``temp1`` at ``frac1`` of the phase."""
    R, rl, rt, rcv, where, avail, un, n_un_arr = cur
    cR, crl, crt, crcv, cwhere, cavail, cun, cn_un_arr = cand
    bR, brl, brt, brcv, bwhere, bavail, bun, bn_un_arr = best
    tp = d[5]
    nd = d[4]

    C = customers.shape[0]
    maxL = R.shape[1]
    tmp = np.empty(maxL + 4, dtype=np.int32)
    tmp2 = np.empty(maxL + 6, dtype=np.int32)
    scratch = np.empty((4, maxL + 6))
    out = np.empty(5)
    removed = np.empty(C, dtype=np.int32)
    touched = np.empty(4 * C + 8, dtype=np.int32)
    unassigned = np.empty(C, dtype=np.int32)
    # route times for the insertions (computed anew in each step: keeping them over the
    # steps for the routes no step touched measured no faster)
    deps, lates, fresh = _times_store(R.shape[0], maxL + 1)
    cur_cost = _total(rl, rt, rcv, tp)
    for i in range(n_un_arr[0]):
        cur_cost += penalty[un[i]]
    best_cost = _total(brl, brt, brcv, tp)
    for i in range(bn_un_arr[0]):
        best_cost += penalty[bun[i]]
    for it in range(n_iter):
        frac = frac0 + (frac1 - frac0) * it / max(n_iter, 1)
        temp = temp0 * (temp1 / temp0) ** frac if temp0 > 0 else 0.0
        # candidate = current (routes were kept in sync through touched lists)
        n_rem, n_t = _ruin(
            cR, crl, cwhere, customers, neighbours, nd, avg_remove, max_string, removed, touched, 0
        )
        for i in range(n_t):
            r = touched[i]
            if crl[r] > 0:
                if eval_route(cR[r], crl[r], crt[r], d, out, scratch) == OK:
                    crcv[r] = out[1]
                else:  # removals broke it (no triangle inequality): take it all out
                    for j in range(crl[r]):
                        v = cR[r, j]
                        if nd[v, ISST] < 0.5:
                            removed[n_rem] = v
                            n_rem += 1
                            cwhere[v] = -1
                    crl[r] = 0
                    cavail[crt[r]] += 1
                    crt[r] = -1
                    crcv[r] = 0.0
            _clean_stations(r, cR, crl, crt, crcv, cavail, d, tmp, out, scratch)
        # the stops missing from the current solution are reinserted too
        for i in range(cn_un_arr[0]):
            removed[n_rem] = cun[i]
            n_rem += 1
        _sort_removed(removed, n_rem, nd, dist_depot)
        fresh[:] = False
        if phase == 1 or phase == 3:
            # fleet minimisation: most often missing first
            keys = np.empty(n_rem)
            for i in range(n_rem):
                keys[i] = -absences[removed[i]] + 0.5 * np.random.random()
            order = np.argsort(keys)
            tmpr = removed[:n_rem].copy()
            for i in range(n_rem):
                removed[i] = tmpr[order[i]]
        n_un, n_t = _recreate(
            removed,
            n_rem,
            cR,
            crl,
            crt,
            crcv,
            cwhere,
            cavail,
            d,
            near_st,
            tmp,
            out,
            scratch,
            blink,
            True,
            fleet_cap[0],
            touched,
            n_t,
            unassigned,
            deps,
            lates,
            fresh,
        )
        for i in range(n_t):
            _clean_stations(touched[i], cR, crl, crt, crcv, cavail, d, tmp, out, scratch)
            if relocate:
                _relocate_stations(
                    touched[i], cR, crl, crt, crcv, d, near_st, tmp, tmp2, out, scratch
                )
        cost = _total(crl, crt, crcv, tp)
        for i in range(n_un):
            cost += penalty[unassigned[i]]
        accept = False
        if phase == 1:
            a_new = 0.0
            for i in range(n_un):
                a_new += absences[unassigned[i]]
            a_cur = 0.0
            for i in range(n_un_arr[0]):
                a_cur += absences[un[i]]
            accept = n_un < n_un_arr[0] or a_new < a_cur
            for i in range(n_un):
                absences[unassigned[i]] += 1
        elif phase == 3:  # perturbation of route minimisation: no more stops missing
            accept = n_un <= n_un_arr[0]
        else:
            accept = cost < cur_cost - temp * math.log(np.random.random())
        stats[0] += 1
        if accept:
            stats[1] += 1
            _copy_routes(cR, crl, crt, crcv, R, rl, rt, rcv, touched, n_t)
            where[:] = cwhere
            avail[:] = cavail
            for i in range(n_un):
                un[i] = unassigned[i]
                cun[i] = unassigned[i]
            n_un_arr[0] = n_un
            cn_un_arr[0] = n_un
            cur_cost = cost
            improved = False
            improved = n_un == 0 if phase == 1 or phase == 3 else cost < best_cost - 1e-09
            if improved:
                stats[2] += 1
                best_cost = cost
                bR[:, :] = R
                brl[:] = rl
                brt[:] = rt
                brcv[:] = rcv
                bwhere[:] = where
                bavail[:] = avail
                for i in range(n_un):
                    bun[i] = un[i]
                bn_un_arr[0] = n_un
                if phase == 1 or phase == 3:
                    drop_smallest_route(cur, cand, nd)
                    fleet_cap[0] = 0
                    for r in range(rl.shape[0]):
                        if rl[r] > 0:
                            fleet_cap[0] += 1
                    cur_cost = _total(rl, rt, rcv, tp)
        else:
            _copy_routes(R, rl, rt, rcv, cR, crl, crt, crcv, touched, n_t)
            cwhere[:] = where
            cavail[:] = avail
            for i in range(n_un_arr[0]):
                cun[i] = un[i]
            cn_un_arr[0] = n_un_arr[0]
    return best_cost


# ------------------------------------------------------------------ Python side
REQUIRED_PENALTY = 1e12  # cost of a required stop left out: worse than any route


@dataclass(frozen=True)
class SearchRoute:
    """One route found by the search: vehicle type index, node sequence, kWh charged per node."""

    type_index: int
    nodes: tuple[int, ...]
    charged_kwh: tuple[float, ...]
    distance_m: float
    start_s: float  # departure from the depot, s
    levels_kwh: tuple[float, ...]  # state of charge after charging at each station (0 at stops)


@dataclass(frozen=True)
class SearchResult:
    routes: tuple[SearchRoute, ...]
    missing: tuple[int, ...]  # stop nodes left out
    info: dict[str, object]


def build_search_data(
    problem,
    dist: np.ndarray,
    dur: np.ndarray,
    *,
    energy_payload: str = "full",
    stations_per_arc: int = 3,
    granularity: int = 40,
) -> SearchData:
    """The arrays the kernels work on, from a problem and its travel matrices."""
    from voltroute.energy import dwell_energy, leg_energy_array, usable_battery_kwh

    p = problem
    temp = p.conditions.ambient_temp_c
    n = dist.shape[0]
    nodes = np.zeros((n, N_NODE_COLS))
    nodes[:, TWB] = INF
    for dep in p.depots:
        i = p.depot_index[dep.id]
        nodes[i, TWA] = dep.open_s
        nodes[i, TWB] = INF if dep.close_s is None else dep.close_s
    customers = []
    for s in p.stops:
        i = p.stop_index[s.id]
        customers.append(i)
        if s.time_window is not None:
            nodes[i, TWA] = s.time_window.start_s
            nodes[i, TWB] = s.time_window.end_s
        nodes[i, SERV] = s.service_time_s
        nodes[i, DKG] = s.weight_kg
        nodes[i, DM3] = s.volume_m3
        nodes[i, PEN] = REQUIRED_PENALTY if s.required else p.stop_penalty(s)
        nodes[i, ISCUST] = 1.0
    station_nodes = []
    for st in p.stations:
        i = p.station_index[st.id]
        station_nodes.append(i)
        nodes[i, ISST] = 1.0
        nodes[i, CONNECT] = st.connect_s
        nodes[i, TWA] = st.open_s
        nodes[i, TWB] = INF if st.close_s is None else st.close_s
    K = len(p.vehicle_types)
    types = np.zeros((K, N_TYPE_COLS))
    energy = np.zeros((K, n, n))
    serve_e = np.zeros((K, n))
    bands = max(
        (len(vt.powertrain.charge_taper) for vt in p.vehicle_types if vt.is_electric), default=1
    )
    taper_lo = np.zeros((K, bands))
    taper_share = np.ones((K, bands))
    charge_kw = np.zeros((K, n))
    allowed = np.ones((K, n), dtype=np.bool_)
    for k, vt in enumerate(p.vehicle_types):
        s_idx = p.depot_index[vt.start_depot]
        e_idx = p.depot_index[vt.end_depot_id]
        t_end = [x for x in (vt.shift_end_s, p.depots[e_idx].close_s) if x is not None]
        row = types[k]
        row[CAPKG] = vt.capacity_kg
        row[CAPM3] = vt.capacity_m3
        row[TSTART] = max(vt.shift_start_s, p.depots[s_idx].open_s)
        row[TEND] = min(t_end) if t_end else INF
        row[MAXDUR] = INF if vt.max_shift_duration_s is None else vt.max_shift_duration_s
        row[MAXDIST] = INF if vt.max_distance_m is None else vt.max_distance_m
        row[FIXED] = vt.fixed_cost_per_day
        row[CM] = vt.cost_per_km / 1000.0
        row[CS] = vt.driver_cost_per_hour / 3600.0
        row[SDEP] = s_idx
        row[EDEP] = e_idx
        row[COUNT] = vt.count
        row[NBANDS] = 1
        row[USABLE] = INF
        pt = vt.powertrain
        if vt.is_electric:
            usable = usable_battery_kwh(pt, temp)
            row[EV] = 1.0
            row[USABLE] = usable
            row[RESERVE] = usable * pt.reserve_fraction
            row[DWELLKW] = dwell_energy(vt, duration_s=3600.0, ambient_temp_c=temp).battery_kwh
            row[PRICE] = p.economics.electricity_per_kwh / pt.charging_efficiency
            payload = vt.capacity_kg if energy_payload == "full" else vt.capacity_kg / 2
            energy[k] = leg_energy_array(vt, dist, dur, payload, temp)[0]
            for s in p.stops:
                i = p.stop_index[s.id]
                serve_e[k, i] = row[DWELLKW] * s.service_time_s / 3600.0
            row[NBANDS] = len(pt.charge_taper)
            for b, (lo, share) in enumerate(pt.charge_taper):
                taper_lo[k, b] = lo
                taper_share[k, b] = share
            for st in p.stations:
                charge_kw[k, p.station_index[st.id]] = min(st.power_kw, pt.max_charge_kw)
        for s in p.stops:
            if s.vehicle_types is not None and vt.id not in s.vehicle_types:
                allowed[k, p.stop_index[s.id]] = False
    S = max(1, min(stations_per_arc, len(station_nodes)))
    near = np.full((n, n, S), -1, dtype=np.int32)
    if station_nodes:
        st = np.asarray(station_nodes, dtype=np.int64)
        for a in range(n):
            detour = dist[a, st][:, None] + dist[st, :]  # (S_all, n)
            order = np.argsort(detour, axis=0, kind="stable")[:S]  # (S, n)
            near[a, :, : order.shape[0]] = st[order].T
    cust = np.asarray(customers, dtype=np.int32)
    sub = dist[np.ix_(cust, cust)]
    nbr = np.argsort(sub + sub.T, axis=1, kind="stable").astype(np.int32)
    g = min(granularity, max(len(cust) - 1, 1))
    gran = np.full((n, g), -1, dtype=np.int32)
    if len(cust) > 1:
        gran[cust] = cust[nbr[:, 1 : g + 1]]
    return SearchData(
        dist=np.ascontiguousarray(dist, dtype=np.float64),
        dur=np.ascontiguousarray(dur, dtype=np.float64),
        energy=energy,
        serve_e=serve_e,
        nodes=nodes,
        types=types,
        taper_lo=taper_lo,
        taper_share=taper_share,
        charge_kw=charge_kw,
        allowed=allowed,
        near_st=near,
        customers=cust,
        neighbours=nbr,
        granular=gran,
        full_only=p.charging == "full",
    )


def _state(max_routes: int, max_len: int, n: int, n_cust: int, counts: np.ndarray):
    return (
        np.zeros((max_routes, max_len), dtype=np.int32),
        np.zeros(max_routes, dtype=np.int32),
        np.full(max_routes, -1, dtype=np.int32),
        np.zeros(max_routes),
        np.full(n, -1, dtype=np.int32),
        counts.copy(),
        np.zeros(n_cust, dtype=np.int32),
        np.zeros(1, dtype=np.int64),
    )


def _copy_state(src, dst) -> None:
    for a, b in zip(src, dst, strict=True):
        b[...] = a


def route_lower_bound(data: SearchData, *, max_nodes: int = 600, starts: int = 20) -> int:
    """Fewest routes any plan needs that serves every required stop, for a fleet of one
    vehicle type (1 otherwise): the larger of the load bound (total demand over capacity)
    and the size of a set of stops no two of which fit on one route (their loads together
    exceed the capacity, or neither order keeps both time windows and the shift). The set is
    grown greedily from the ``starts`` stops with the most such conflicts; any such set is a
    bound, so the fleet phase can stop as soon as it reaches it. Energy is left out: a
    charge can always be added. Travel times are the shortest paths through the matrix.
    Problems of more than ``max_nodes`` nodes (0.2 s for the shortest paths at 600) get the
    load bound alone."""
    tp = data.types
    if len(tp) != 1:
        return 1
    nd = data.nodes
    cu = data.customers
    # stops no route can serve at all stay out: they end unassigned and need no route
    fits = (nd[cu, DKG] <= tp[0, CAPKG] + 1e-9) & (nd[cu, DM3] <= tp[0, CAPM3] + 1e-9)
    fits &= nd[cu, TWA] <= nd[cu, TWB] + EPS_T
    req = cu[(nd[cu, PEN] >= REQUIRED_PENALTY) & data.allowed[0, cu] & fits]
    lower = 1
    for col, dem in ((CAPKG, DKG), (CAPM3, DM3)):
        total = float(nd[req, dem].sum())
        if tp[0, col] > 0 and total > 0:
            lower = max(lower, math.ceil(total / tp[0, col] - 1e-9))
    if len(req) < 2 or data.dur.shape[0] > max_nodes:
        return lower
    sdep, edep = int(tp[0, SDEP]), int(tp[0, EDEP])
    # shortest travel times: a road matrix need not keep the triangle inequality
    short = np.array(data.dur, dtype=np.float64)
    for k in range(short.shape[0]):
        np.minimum(short, short[:, k : k + 1] + short[k : k + 1, :], out=short)
    serv = nd[req, SERV]
    early = np.maximum(nd[req, TWA], tp[0, TSTART] + short[sdep, req])
    late = np.minimum(nd[req, TWB], tp[0, TEND] - serv - short[req, edep])
    keep = early <= late + EPS_T  # stops out of reach in time stay out too
    req, serv, early, late = req[keep], serv[keep], early[keep], late[keep]
    dur = short[np.ix_(req, req)]
    # i then j breaks j's latest start, whatever comes between
    i_then_j = (early + serv)[:, None] + dur > late[None, :] + EPS_T
    clash = i_then_j & i_then_j.T
    for col, dem in ((CAPKG, DKG), (CAPM3, DM3)):
        q = nd[req, dem]
        clash |= q[:, None] + q[None, :] > tp[0, col] + 1e-9
    np.fill_diagonal(clash, False)
    degree = clash.sum(axis=1)
    for v in np.argsort(-degree, kind="stable")[:starts]:
        if degree[v] + 1 <= lower:
            break
        members = [int(v)]
        cand = clash[v].copy()
        while cand.any():
            u = int(np.flatnonzero(cand)[np.argmax(degree[cand])])
            members.append(u)
            cand &= clash[u]
        lower = max(lower, len(members))
    return lower


def search(
    data: SearchData,
    *,
    time_limit_s: float,
    seed: int,
    objective: str = "cost",
    max_iterations: int | None = None,
    fleet_share: float = 0.5,
    fleet_stall: float = 0.2,
    avg_remove: float = 10.0,
    max_string: int = 10,
    fleet_remove: float = 20.0,
    eject_max: int = 3,
    eject_per_chunk: int = 200,
    eject_after: float = 0.1,
    relocate: bool = True,
    blink: float = 0.01,
    temperature: tuple[float, float] = (0.3, 0.003),
    initial: list[tuple[int, list[int]]] | None = None,
    population: int = 1,
    fleet_span: float = 0.0,
    cross_every_s: float = 3.0,
    educate_s: float = 0.3,
    progress: Callable[[float, float, int], None] | None = None,
) -> SearchResult:
    """Ruin-and-recreate over the problem in ``data``.

    ``objective``: ``cost`` (fixed plus variable cost) or ``vehicles`` (fewest routes first,
    then cost with that fleet). ``fleet_share``: most of the time for fleet minimisation;
    ``fleet_stall``: it ends earlier when this share of the time passes without a route less.
    ``avg_remove`` and ``max_string``: mean stops removed per step and longest string removed
    (SISR's defaults); ``fleet_remove``: the mean in the fleet phase, where removing more
    makes room in a route more often. ``eject_max``: route minimisation by ejections
    (:func:`eject_steps`, at most ``eject_per_chunk`` steps between chunks of perturbation)
    taking out at most this many stops of a route to place a missing one (3 in the
    literature; the default); 0: by the absences of SISR's fleet minimisation alone.
    ``eject_after``: the ejections start only once this share of the time limit has passed
    without a route less (0: from the start), ruin and recreate alone before; the default 0.1
    with 3 gave fewer vehicles than 0 over the Schneider set at 60 s (docs/benchmarks.md,
    section 6.1).
    ``relocate``: after each step, move station visits of the changed routes to cheaper places.
    ``initial``: routes to start from, as (vehicle type index, stop nodes in order; station
    nodes are ignored): each is followed in order with station visits added where the battery
    needs them, and split where it no longer fits. ``temperature``: start and end of simulated annealing, in mean variable cost per stop of
    the first solution. ``population``: annealing chains in the cost phase, taking turns;
    from 2, every ``cross_every_s`` seconds each chain's plan is crossed with another chain's
    best by route exchange (:func:`voltroute.solve.evcross.srex`), the child improved for
    ``educate_s`` seconds at temperature 0 and kept when cheaper than the chain's plan.
    ``progress(elapsed_s, best_cost, iterations)`` is called between chunks.
    """
    t0 = time.perf_counter()
    d = data.kernel_args()
    d_fleet = d
    if fleet_span > 0.0:
        tpf = data.types.copy()
        mask = data.dur > 0
        speed = float(data.dist[mask].sum() / data.dur[mask].sum()) if mask.any() else 1.0
        tpf[:, CSPAN] += fleet_span * tpf[:, CM] * speed
        d_fleet = data.kernel_args(types=tpf)
    n = data.dist.shape[0]
    C = len(data.customers)
    counts = data.types[:, COUNT].astype(np.int64)
    max_routes = int(min(counts.sum(), max(C, 1)))
    max_len = 2 * C + 4
    cur = _state(max_routes, max_len, n, C, counts)
    cand = _state(max_routes, max_len, n, C, counts)
    best = _state(max_routes, max_len, n, C, counts)
    seed_rng(seed)
    tp = data.types
    penalty = data.nodes[:, PEN].copy()
    dist_depot = data.dist[int(tp[0, SDEP])] if len(tp) else np.zeros(n)

    tmp = np.empty(max_len + 4, dtype=np.int32)
    scratch = np.empty((4, max_len + 4))
    out = np.empty(5)
    touched = np.empty(4 * C + 8, dtype=np.int32)
    missing = np.empty(C, dtype=np.int32)
    R, rl, rt, rcv, where, avail, un, n_un = cur
    for k, nodes in initial or ():
        stops = np.asarray([v for v in nodes if data.nodes[v, ISST] < 0.5], dtype=np.int32)
        if len(stops):
            _append_greedy(
                stops, k, R, rl, rt, rcv, where, avail, d, data.near_st, tmp, out, scratch,
                missing, 0,
            )  # fmt: skip
    # construction: the rest inserted greedily, tightest window first, then farthest
    removed = data.customers[where[data.customers] < 0]
    order = np.lexsort((-dist_depot[removed], data.nodes[removed, TWB]))
    removed = np.ascontiguousarray(removed[order])
    n_miss, _ = _recreate(
        removed, len(removed), R, rl, rt, rcv, where, avail, d, data.near_st, tmp, out, scratch,
        0.0, True, max_routes, touched, 0, missing, *_times_store(max_routes, max_len + 1),
    )  # fmt: skip
    un[:n_miss] = missing[:n_miss]
    n_un[0] = n_miss
    _copy_state(cur, cand)
    _copy_state(cur, best)
    initial_routes = int((rl > 0).sum())
    var_cost = float(rcv[rl > 0].sum())
    scale = max(var_cost / max(C, 1), 1e-9)
    absences = np.zeros(n, dtype=np.int64)
    stats = np.zeros(3, dtype=np.int64)
    info: dict[str, object] = {
        "initial_routes": initial_routes,
        "missing_after_construction": n_miss,
    }

    lower = route_lower_bound(data) if objective == "vehicles" else 1
    info["route_lower_bound"] = lower

    iters_done = 0
    chunk = 20
    fleet_trace = [(0.0, initial_routes)]
    fleet_cap = np.array([max_routes], dtype=np.int64)
    info["fleet_trace"] = fleet_trace

    rng_phase = np.random.default_rng(seed)

    def run_phase(
        phase: int,
        until: float,
        temp0: float,
        temp1: float,
        states: tuple | None = None,
        frac: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        nonlocal iters_done, chunk
        cur_, cand_, best_ = states if states is not None else (cur, cand, best)
        d_ph = d_fleet if phase == 1 else d
        n_eject = 1
        start = time.perf_counter()
        span = max(until - start, 1e-9)
        while True:
            now = time.perf_counter()
            if now >= until or (max_iterations is not None and iters_done >= max_iterations):
                return
            if phase == 1 and (
                int((best_[1] > 0).sum()) <= lower
                or now - max(start, t0 + fleet_trace[-1][0]) > fleet_stall * time_limit_s
            ):
                return
            f0 = frac[0] + (frac[1] - frac[0]) * (now - start) / span
            k = chunk if max_iterations is None else min(chunk, max_iterations - iters_done)
            t_c = time.perf_counter()
            kernel_phase = phase
            if (
                phase == 1
                and eject_max > 0
                and now - max(start, t0 + fleet_trace[-1][0]) >= eject_after * time_limit_s
            ):
                # route minimisation by ejections, each step followed by perturbations
                t_e = time.perf_counter()
                nleft = eject_steps(n_eject, cur_, absences, d_ph, data.near_st, eject_max)
                # ejections take about a third of the time, perturbation the rest
                el_e = time.perf_counter() - t_e
                n_eject = int(max(1, min(eject_per_chunk, n_eject * 0.1 / max(el_e, 1e-6))))
                if nleft == 0:
                    _copy_state(cur_, best_)
                    _copy_state(cur_, cand_)
                    drop_smallest_route(cur_, cand_, data.nodes)
                    fleet_cap[0] = int((cur_[1] > 0).sum())
                else:
                    _copy_state(cur_, cand_)
                # perturbation: half of the chunks accept while no more stops are missing, the
                # other half by SISR's absences (c105 needs those, rc105 the ejections)
                kernel_phase = 3 if rng_phase.random() < 0.5 else 1
            iterate(
                k, kernel_phase, temp0, temp1, f0, f0,
                cur_, cand_, best_, absences, d_ph, data.near_st, data.customers, data.neighbours,
                dist_depot, fleet_remove if kernel_phase == 1 else avg_remove, max_string, blink,
                fleet_cap, penalty, stats, relocate and kernel_phase != 1,
            )  # fmt: skip
            el = time.perf_counter() - t_c
            iters_done += k
            if phase == 1:
                nr = int((best_[1] > 0).sum())
                if nr < fleet_trace[-1][1]:
                    fleet_trace.append((round(time.perf_counter() - t0, 2), nr))
            if max_iterations is None:
                chunk = int(max(5, min(chunk * 2, k * 0.25 / max(el, 1e-6))))
            if progress is not None:
                progress(time.perf_counter() - t0, float(_total(best_[1], best_[2], best_[3], tp)),
                         iters_done)  # fmt: skip

    deadline = t0 + time_limit_s

    def cost_of(state: tuple) -> float:
        c = float(_total(state[1], state[2], state[3], tp))
        return c + float(penalty[state[6][: state[7][0]]].sum())

    def improve(phase: int, temp0: float, temp1: float) -> None:
        """The cost phase: one annealing chain, or ``population`` chains taking turns. Every
        ``cross_every_s`` each chain's current plan is crossed with another chain's best
        (:func:`voltroute.solve.evcross.srex`); the child descends for ``educate_s`` and
        replaces the current plan when it is cheaper."""
        if population <= 1:
            run_phase(phase, deadline, temp0, temp1)
            return
        from voltroute.solve.evcross import srex

        chains: list[tuple] = [(cur, cand, best)]
        for _ in range(population - 1):
            chains.append(tuple(tuple(a.copy() for a in s) for s in (cur, cand, best)))
        child = tuple(a.copy() for a in cur)
        child_c = tuple(a.copy() for a in cur)
        child_b = tuple(a.copy() for a in cur)
        start = time.perf_counter()
        span = max(deadline - start, 1e-9)
        n_cross = n_taken = 0
        while True:
            now = time.perf_counter()
            if now >= deadline or (max_iterations is not None and iters_done >= max_iterations):
                break
            share = (min(deadline, now + cross_every_s) - now) / len(chains)
            for ch in chains:
                t_a = time.perf_counter()
                t_b = min(deadline, t_a + share)
                run_phase(
                    phase, t_b, temp0, temp1, ch, ((t_a - start) / span, (t_b - start) / span)
                )
            if time.perf_counter() >= deadline - 0.05 * span:
                continue
            for i, ch in enumerate(chains):
                j = (i + 1 + int(rng_phase.integers(len(chains) - 1))) % len(chains)
                srex(ch[0], chains[j][2], child, d, data.near_st, data.customers, dist_depot,
                     int(fleet_cap[0]), rng_phase, blink)  # fmt: skip
                n_cross += 1
                # the child's own descent (HGS's education): annealing at temperature 0
                _copy_state(child, child_c)
                _copy_state(child, child_b)
                until = min(deadline, time.perf_counter() + educate_s)
                run_phase(phase, until, 0.0, 0.0, (child, child_c, child_b))
                c_child = cost_of(child_b)
                if c_child < cost_of(ch[0]):
                    n_taken += 1
                    _copy_state(child_b, ch[0])
                    _copy_state(child_b, ch[1])
                    if c_child < cost_of(ch[2]) - 1e-9:
                        _copy_state(child_b, ch[2])
        winner = min(chains, key=lambda ch: cost_of(ch[2]))
        if winner[2] is not best:
            _copy_state(winner[2], best)
        info.update(crossovers=n_cross, crossovers_taken=n_taken)

    if objective == "vehicles":
        if n_miss == 0 and initial_routes > lower:
            drop_smallest_route(cur, cand, data.nodes)
            fleet_cap[0] = int((cur[1] > 0).sum())
            if d_fleet is not d:
                _recost(cur, d_fleet)
                _recost(cand, d_fleet)
            run_phase(1, t0 + time_limit_s * fleet_share, 0.0, 0.0)
            if d_fleet is not d:
                _recost(best, d)
            _copy_state(best, cur)
            _copy_state(best, cand)
        info["fleet_iterations"] = iters_done
        fleet_cap[0] = int((best[1] > 0).sum())
        improve(2, temperature[0] * scale, temperature[1] * scale)
    else:
        improve(0, temperature[0] * scale, temperature[1] * scale)
    info.update(
        iterations=iters_done, accepted=int(stats[1]), improvements=int(stats[2]),
        search_runtime_s=time.perf_counter() - t0,
    )  # fmt: skip

    bR, brl, brt, _, _, _, bun, bn = best
    routes = []
    for r in range(len(brl)):
        if brl[r] == 0:
            continue
        seq = bR[r, : brl[r]].copy()
        k = int(brt[r])
        start, charged, dist_m, levels = _latest_start(data, d, seq, k)
        routes.append(
            SearchRoute(
                type_index=k,
                nodes=tuple(int(x) for x in seq),
                charged_kwh=charged,
                distance_m=dist_m,
                start_s=start,
                levels_kwh=levels,
            )
        )
    return SearchResult(tuple(routes), tuple(int(x) for x in bun[: bn[0]]), info)


def _latest_start(
    data: SearchData, d: tuple, seq: np.ndarray, k: int
) -> tuple[float, tuple[float, ...], float, tuple[float, ...]]:
    """Latest departure that keeps the route feasible, up to the waiting it would save (less
    idling with the heating on); with the charges and the distance at that departure."""
    out = np.zeros(5)
    scratch = np.zeros((4, len(seq) + 4))
    code = eval_route(seq, len(seq), k, d, out, scratch)
    assert code == OK, f"search kept an infeasible route (code {code})"
    start0 = float(out[4])
    is_st = data.nodes[seq, ISST] > 0.5

    def levels() -> tuple[float, ...]:
        return tuple(
            float(x) if st else 0.0 for x, st in zip(scratch[3, : len(seq)], is_st, strict=True)
        )

    best = (start0, tuple(float(x) for x in scratch[0, : len(seq)]), levels())
    dist_m = float(out[0])
    edep = int(data.types[k, EDEP])
    finish = float(scratch[1, len(seq) - 1]) + float(data.dur[seq[-1], edep])
    slack = finish - start0 - float(out[2])  # waiting on the way: no gain beyond it
    if slack <= 1.0:
        return best[0], best[1], dist_m, best[2]
    types = data.types.copy()
    dd = (*d[:5], types, *d[6:])
    lo, hi = 0.0, slack
    for _ in range(30):
        mid = (lo + hi) / 2
        types[k, TSTART] = start0 + mid
        if eval_route(seq, len(seq), k, dd, out, scratch) == OK and out[0] <= dist_m + 1e-6:
            lo = mid
            best = (float(out[4]), tuple(float(x) for x in scratch[0, : len(seq)]), levels())
        else:
            hi = mid
        if hi - lo < 1.0:
            break
    return best[0], best[1], dist_m, best[2]


def warm_up() -> float:
    """Compile the kernels (numba caches them on disk); returns the seconds it took."""
    from voltroute.io.evrptw import ABSTRACT_ECONOMICS, literature_ev
    from voltroute.model import ChargingStation, Depot, Location, Parcel, Problem, Stop, Travel

    t0 = time.perf_counter()
    stops = [
        Stop(id=f"c{i}", location=Location(x=float(10 * i), y=5.0),
             parcels=(Parcel(id=f"p{i}", weight_kg=1.0, volume_m3=0.0),))
        for i in range(1, 4)
    ]  # fmt: skip
    problem = Problem(
        name="warm-up",
        depots=(Depot(id="d", location=Location(x=0.0, y=0.0)),),
        stops=tuple(stops),
        stations=(ChargingStation(id="s", location=Location(x=15.0, y=0.0)),),
        vehicle_types=(
            literature_ev(
                name="ev",
                count=3,
                capacity=10.0,
                depot="d",
                battery=40.0,
                consumption_per_unit=1.0,
                max_charge_kw=10.0,
            ),
        ),  # fmt: skip
        travel=Travel(model="euclidean", rounding="none"),
        economics=ABSTRACT_ECONOMICS,
    )
    from voltroute.network import travel_matrices

    mats = travel_matrices(problem)
    data = build_search_data(
        problem, np.asarray(mats.distance_m, float), np.asarray(mats.duration_s, float)
    )
    for objective in ("vehicles", "cost"):
        search(data, time_limit_s=60.0, seed=0, objective=objective, max_iterations=3)
    start = [(0, [int(problem.stop_index[s.id]) for s in stops])]
    search(data, time_limit_s=60.0, seed=0, max_iterations=3, initial=start)
    # the route minimisation kernels (the tiny problem above never needs them)
    n = data.dist.shape[0]
    counts = data.types[:, COUNT].astype(np.int64)
    cur = _state(3, 10, n, 3, counts)
    cand = _state(3, 10, n, 3, counts)
    drop_smallest_route(cur, cand, data.nodes)
    eject_steps(1, cur, np.zeros(n, dtype=np.int64), data.kernel_args(), data.near_st, 3)
    return time.perf_counter() - t0
