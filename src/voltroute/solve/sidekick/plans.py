"""Explicit van + drones plans: a fast scheduler and the cheapest insertion of a customer.

A plan is the van's route (each customer at most once, depot first and last) and sorties
``(drone, launch index, customer, recovery index)`` on it. Unlike the split DP, every drone has
its own launch and recovery stops (drones of one van need not launch or land together), which is
the model of Murray & Raj (2020) for the mFSTSP.

Timing policy at a stop (:func:`sched`), the driver doing one thing at a time: first launch the
*early* sorties whose drones are on board (least slack first: the van's unhindered driving and
service time to the recovery stop less the drone's flight), then recover drones that have
arrived (the one whose endurance runs out first), otherwise serve the stop's customer, otherwise
wait for the next drone; the *late* sorties (and drones recovered here) are launched last.
The *chain* variant of the slack also counts the drone's next sorties when it is relaunched
where it lands (its own slack and the van's time to each later recovery stop less the flights,
launches and recoveries up to it; the least is kept), so that a drone with more work after its
return goes first. :func:`eval_plan` tries all sorties early, then marks those that broke their
endurance late (launching early can make a drone hover too long when the van is late), and all
late, with both slacks; it keeps the best feasible. The makespan ends when the van is back at the depot and has recovered every
drone there (Murray & Raj's objective, the van's departure from the end depot copy ``c+1``
after the recoveries there). :func:`best_insert` is the recreate step of the ruin-and-recreate
search in :mod:`.search`.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

INF = 1e300


@nb.njit(cache=True)
def slacks(
    route, nr, si, sj, sk, sd, ns, nd, tt, dt, tserv, dserv, s_l, s_r, chain, slack
):  # pragma: no cover - compiled
    """Launch priorities: the van's unhindered driving and service time from the launch to the
    recovery stop less the flight; with ``chain``, the least of that and, along the drone's
    next sorties launched where it lands, the van's time to their recovery stops less the
    flights, launches and recoveries up to them."""
    ahead = np.zeros(nr)  # van time from the start to each stop, without waiting or drones
    for x in range(1, nr):
        ahead[x] = ahead[x - 1] + tt[route[x - 1], route[x]]
        if x - 1 > 0:
            ahead[x] += tserv[route[x - 1]]
    flight = np.empty(max(ns, 1))
    for s in range(ns):
        a, j, b = route[si[s]], sj[s], route[sk[s]]
        flight[s] = dt[a, j] + dserv[j] + dt[j, b]
        slack[s] = ahead[sk[s]] - ahead[si[s]] - flight[s]
    if not chain:
        return
    at = np.full((max(nd, 1), nr), -1, dtype=np.int64)
    for s in range(ns):
        at[sd[s], si[s]] = s
    for s in range(ns):
        acc = flight[s]
        t = at[sd[s], sk[s]]
        while t >= 0:
            acc += s_r + s_l + flight[t]
            v = ahead[sk[t]] - ahead[si[s]] - acc
            if v < slack[s]:
                slack[s] = v
            t = at[sd[t], sk[t]]


@nb.njit(cache=True)
def sched(
    route,
    nr,
    si,
    sj,
    sk,
    sd,
    ns,
    nd,
    tt,
    td,
    dt,
    dd,
    tserv,
    dserv,
    s_l,
    s_r,
    has_end,
    endur,
    late,
    chain,
    w_time,
    c_truck,
    c_drone,
    arr,
    dep,
    sst,
    lst,
    rst,
    viol,
):  # pragma: no cover - compiled
    """Objective and makespan of a plan (INF if infeasible); fills the time arrays.

    ``late[s]``: sortie ``s`` is launched only after the stop's recoveries and service (else as
    soon as its drone is on board); ``chain``: launch order by the chain slack. ``viol[s]`` is
    set when ``s`` breaks its endurance."""
    for s in range(ns):
        if sk[s] <= si[s] or si[s] < 0 or sk[s] >= nr or sd[s] < 0 or sd[s] >= nd:
            return INF, INF
    cnt_l = np.zeros(nr + 1, dtype=np.int64)
    cnt_r = np.zeros(nr + 1, dtype=np.int64)
    for s in range(ns):
        cnt_l[si[s] + 1] += 1
        cnt_r[sk[s] + 1] += 1
    for x in range(nr):
        cnt_l[x + 1] += cnt_l[x]
        cnt_r[x + 1] += cnt_r[x]
    ord_l = np.empty(max(ns, 1), dtype=np.int64)
    ord_r = np.empty(max(ns, 1), dtype=np.int64)
    fill_l = cnt_l.copy()
    fill_r = cnt_r.copy()
    for s in range(ns):
        ord_l[fill_l[si[s]]] = s
        fill_l[si[s]] += 1
        ord_r[fill_r[sk[s]]] = s
        fill_r[sk[s]] += 1
    flight = np.empty(max(ns, 1))
    lim = np.full(max(ns, 1), INF)
    lend = np.zeros(max(ns, 1))
    done = np.zeros(max(ns, 1), dtype=np.bool_)  # launched
    back = np.zeros(max(ns, 1), dtype=np.bool_)  # recovered
    in_air = np.zeros(max(nd, 1), dtype=np.bool_)
    truck_m = 0.0
    drone_m = 0.0
    for s in range(ns):
        a = route[si[s]]
        b = route[sk[s]]
        j = sj[s]
        flight[s] = dt[a, j] + dserv[j] + dt[j, b]
        if has_end:
            lim[s] = endur[a, j, b]
        drone_m += dd[a, j] + dd[j, b]
        if has_end and flight[s] > endur[a, j, b] + 1e-9:
            return INF, INF
    slack = np.empty(max(ns, 1))
    slacks(route, nr, si, sj, sk, sd, ns, nd, tt, dt, tserv, dserv, s_l, s_r, chain, slack)
    clock = 0.0
    bad = False
    for s in range(ns):
        viol[s] = False
    for x in range(nr):
        node = route[x]
        if x > 0:
            clock += tt[route[x - 1], node]
            truck_m += td[route[x - 1], node]
        arr[x] = clock
        serve = 0 < x < nr - 1
        sst[x] = -1.0
        l0, l1 = cnt_l[x], cnt_l[x + 1]
        r0, r1 = cnt_r[x], cnt_r[x + 1]
        left = (l1 - l0) + (r1 - r0)
        while left > 0 or serve:
            # the launch ready now (drone on board) with the least slack: the van's unhindered
            # time to the recovery stop less the flight; ``be`` among the early ones
            bl = -1
            be = -1
            for u in range(l0, l1):
                s = ord_l[u]
                ready = not done[s] and not in_air[sd[s]]
                if ready and (bl < 0 or slack[s] < slack[bl]):
                    bl = s
                if ready and not late[s] and (be < 0 or slack[s] < slack[be]):
                    be = s
            # the pending recovery due first, and among the drones already here the one
            # whose endurance runs out first
            br = -1
            ba = -1
            for u in range(r0, r1):
                s = ord_r[u]
                if back[s]:
                    continue
                if br < 0 or lend[s] + flight[s] < lend[br] + flight[br]:
                    br = s
                if lend[s] + flight[s] <= clock + 1e-12 and (
                    ba < 0 or lend[s] + lim[s] < lend[ba] + lim[ba]
                ):
                    ba = s
            act = -1  # 0 launch, 1 recover now, 2 serve, 3 wait and recover
            if be >= 0:
                act = 0
                bl = be
            elif ba >= 0:
                br = ba
                act = 1
            elif serve:
                act = 2
            elif br >= 0:
                act = 3
            elif bl >= 0:
                act = 0
            else:
                return INF, INF  # a launch whose drone is still out elsewhere
            if act == 0:
                lst[bl] = clock
                clock += s_l
                lend[bl] = clock
                in_air[sd[bl]] = True
                done[bl] = True
                left -= 1
            elif act == 2:
                sst[x] = clock
                clock += tserv[node]
                serve = False
            else:
                due = lend[br] + flight[br]
                if due > clock:
                    clock = due
                if has_end and clock - lend[br] > lim[br] + 1e-9:
                    viol[br] = True
                    bad = True
                rst[br] = clock
                clock += s_r
                in_air[sd[br]] = False
                back[br] = True
                left -= 1
        dep[x] = clock
    for s in range(ns):
        if not (done[s] and back[s]):
            return INF, INF
    if bad:
        return INF, INF
    makespan = dep[nr - 1]
    return w_time * makespan + c_truck * truck_m + c_drone * drone_m, makespan


@nb.njit(cache=True)
def eval_plan(
    route,
    nr,
    si,
    sj,
    sk,
    sd,
    ns,
    nd,
    tt,
    td,
    dt,
    dd,
    tserv,
    dserv,
    s_l,
    s_r,
    has_end,
    endur,
    w_time,
    c_truck,
    c_drone,
    late,
    ws,
    pol,
):  # pragma: no cover - compiled
    """Best objective over launch policies: all launches early, then early except the sorties
    that broke their endurance (up to three rounds), and all late; each with the plain and, when
    a drone is relaunched where it lands, the chain slack. ``late`` and ``pol[0]`` (1: chain)
    return the chosen policy; ``ws`` is a (6, >= max(nr, ns)) work array."""
    best = INF
    best_mk = INF
    keep = np.zeros(max(ns, 1), dtype=np.bool_)
    viol = np.zeros(max(ns, 1), dtype=np.bool_)
    pol[0] = 0
    chained = False  # the chain slack orders some launches at a stop differently
    valid = True
    for s in range(ns):
        if not (0 <= si[s] < sk[s] < nr and 0 <= sd[s] < nd):
            valid = False
    if valid and nd > 1:
        s0 = np.empty(max(ns, 1))
        s1 = np.empty(max(ns, 1))
        slacks(route, nr, si, sj, sk, sd, ns, nd, tt, dt, tserv, dserv, s_l, s_r, False, s0)
        slacks(route, nr, si, sj, sk, sd, ns, nd, tt, dt, tserv, dserv, s_l, s_r, True, s1)
        for s in range(ns):
            for t in range(s + 1, ns):
                if si[s] == si[t] and (s0[s] < s0[t]) != (s1[s] < s1[t]):
                    chained = True
    for mode in range(2 if chained else 1):
        chain = mode == 1
        for s in range(ns):
            late[s] = False
        for _round in range(4):
            c, mk = sched(
                route, nr, si, sj, sk, sd, ns, nd, tt, td, dt, dd, tserv, dserv, s_l, s_r,
                has_end, endur, late, chain, w_time, c_truck, c_drone,
                ws[0], ws[1], ws[2], ws[3], ws[4], viol,
            )  # fmt: skip
            if c < best - 1e-9:
                best, best_mk = c, mk
                pol[0] = mode
                for s in range(ns):
                    keep[s] = late[s]
            if c < INF:
                break
            more = False
            for s in range(ns):
                if viol[s] and not late[s]:
                    late[s] = True
                    more = True
            if not more:
                break
        if ns > 0 and s_l > 0.0:
            for s in range(ns):
                late[s] = True
            c, mk = sched(
                route, nr, si, sj, sk, sd, ns, nd, tt, td, dt, dd, tserv, dserv, s_l, s_r,
                has_end, endur, late, chain, w_time, c_truck, c_drone,
                ws[0], ws[1], ws[2], ws[3], ws[4], viol,
            )  # fmt: skip
            if c < best - 1e-9:
                best, best_mk = c, mk
                pol[0] = mode
                for s in range(ns):
                    keep[s] = True
    for s in range(ns):
        late[s] = keep[s]
    return best, best_mk


@nb.njit(cache=True)
def _cost(
    route,
    nr,
    si,
    sj,
    sk,
    sd,
    ns,
    nd,
    tt,
    td,
    dt,
    dd,
    tserv,
    dserv,
    s_l,
    s_r,
    has_end,
    endur,
    w_time,
    c_truck,
    c_drone,
    ws,
):  # pragma: no cover - compiled
    late = np.zeros(max(ns, 1), dtype=np.bool_)
    pol = np.zeros(1, dtype=np.int64)
    c, _mk = eval_plan(
        route,
        nr,
        si,
        sj,
        sk,
        sd,
        ns,
        nd,
        tt,
        td,
        dt,
        dd,
        tserv,
        dserv,
        s_l,
        s_r,
        has_end,
        endur,
        w_time,
        c_truck,
        c_drone,
        late,
        ws,
        pol,
    )
    return c


@nb.njit(cache=True)
def best_insert(
    c,
    route,
    nr,
    si,
    sj,
    sk,
    sd,
    ns,
    nd,
    tt,
    td,
    dt,
    dd,
    tserv,
    dserv,
    s_l,
    s_r,
    has_end,
    endur,
    w_time,
    c_truck,
    c_drone,
    elig,
    span,
    allow_truck,
    max_launch,
    blink,
    seed,
    ub,
):  # pragma: no cover - compiled
    """Cheapest way to add customer ``c``: on the van's route or as a sortie of some drone
    (launched at one of the ``max_launch`` stops nearest to ``c``, recovered within ``span``).
    Each candidate is skipped with probability ``blink`` (random stream ``seed``), which
    diversifies ruin-and-recreate.

    Returns ``(objective, kind, a, b, drone)``: kind 0 = van, inserted at route index ``a``;
    kind 1 = sortie launched at route index ``a`` and recovered at ``b``; objective INF if
    nothing is feasible. Only insertions whose objective is below ``ub`` count (INF: all):
    a caller that rejects any plan costing ``ub`` or more skips the rest early (adding a
    customer never makes the plan cheaper, the bound the early stops below rely on too).
    """
    np.random.seed(seed)
    cap = nr + 2 + ns + 2
    ws = np.empty((6, cap))
    route2 = np.empty(nr + 1, dtype=np.int64)
    si2 = np.empty(ns + 1, dtype=np.int64)
    sj2 = np.empty(ns + 1, dtype=np.int64)
    sk2 = np.empty(ns + 1, dtype=np.int64)
    sd2 = np.empty(ns + 1, dtype=np.int64)
    best = ub
    bkind, ba, bb, bdr = -1, -1, -1, -1
    # the plan without c: no insertion costs less than it plus the driver's launch and
    # recovery (drone) or the van's detour and service (van), used to stop early
    base = _cost(
        route,
        nr,
        si,
        sj,
        sk,
        sd,
        ns,
        nd,
        tt,
        td,
        dt,
        dd,
        tserv,
        dserv,
        s_l,
        s_r,
        has_end,
        endur,
        w_time,
        c_truck,
        c_drone,
        ws,
    )
    if base >= INF:
        return INF, bkind, ba, bb, bdr
    if elig[c] and nd > 0:
        busy = np.zeros((nd, nr), dtype=np.bool_)  # busy[d, x]: drone d out on leg x -> x+1
        for s in range(ns):
            for x in range(si[s], sk[s]):
                busy[sd[s], x] = True
        for s in range(ns):
            si2[s] = si[s]
            sj2[s] = sj[s]
            sk2[s] = sk[s]
            sd2[s] = sd[s]
        sj2[ns] = c
        # launch stops: the ``max_launch`` route positions nearest to c by drone time
        dl = np.empty(nr - 1)
        for i in range(nr - 1):
            dl[i] = dt[route[i], c]
        cand = np.argsort(dl)
        n_launch = min(nr - 1, max_launch)
        bound = base + w_time * (s_l + s_r)
        for ii in range(n_launch):
            if best <= bound + 1e-9:
                break
            i = cand[ii]
            a = route[i]
            seen_idle = False
            for d in range(nd):
                # identical idle drones give identical plans: try only one of them
                idle = True
                for x in range(nr):
                    if busy[d, x]:
                        idle = False
                        break
                if idle:
                    if seen_idle:
                        continue
                    seen_idle = True
                for k in range(i + 1, min(i + span, nr - 1) + 1):
                    if busy[d, k - 1]:
                        break
                    b = route[k]
                    if has_end and dt[a, c] + dserv[c] + dt[c, b] > endur[a, c, b] + 1e-9:
                        continue
                    if blink > 0.0 and np.random.random() < blink:
                        continue
                    si2[ns] = i
                    sk2[ns] = k
                    sd2[ns] = d
                    v = _cost(
                        route,
                        nr,
                        si2,
                        sj2,
                        sk2,
                        sd2,
                        ns + 1,
                        nd,
                        tt,
                        td,
                        dt,
                        dd,
                        tserv,
                        dserv,
                        s_l,
                        s_r,
                        has_end,
                        endur,
                        w_time,
                        c_truck,
                        c_drone,
                        ws,
                    )
                    if v < best - 1e-9:
                        best, bkind, ba, bb, bdr = v, 1, i, k, d
                    if best <= bound + 1e-9:
                        break
                if best <= bound + 1e-9:
                    break
    if allow_truck:
        det = np.empty(nr - 1)
        for x in range(1, nr):
            det[x - 1] = tt[route[x - 1], c] + tt[c, route[x]] - tt[route[x - 1], route[x]]
        order = np.argsort(det)
        for xi in range(nr - 1):
            x = order[xi] + 1
            if base + w_time * (det[x - 1] + tserv[c]) >= best - 1e-9:
                break
            if blink > 0.0 and bkind >= 0 and np.random.random() < blink:
                continue
            for y in range(x):
                route2[y] = route[y]
            route2[x] = c
            for y in range(x, nr):
                route2[y + 1] = route[y]
            for s in range(ns):
                si2[s] = si[s] + 1 if si[s] >= x else si[s]
                sk2[s] = sk[s] + 1 if sk[s] >= x else sk[s]
                sj2[s] = sj[s]
                sd2[s] = sd[s]
            v = _cost(
                route2,
                nr + 1,
                si2,
                sj2,
                sk2,
                sd2,
                ns,
                nd,
                tt,
                td,
                dt,
                dd,
                tserv,
                dserv,
                s_l,
                s_r,
                has_end,
                endur,
                w_time,
                c_truck,
                c_drone,
                ws,
            )
            if v < best - 1e-9:
                best, bkind, ba, bb, bdr = v, 0, x, -1, -1
    if bkind < 0:
        best = INF
    return best, bkind, ba, bb, bdr


class Plan:
    """Mutable working plan of the ruin-and-recreate search (route and sortie arrays)."""

    def __init__(self, route: list[int], sorties: list[tuple[int, int, int, int]]) -> None:
        self.route = list(route)
        self.sorties = list(sorties)  # (drone, launch index, customer, recovery index)

    def copy(self) -> Plan:
        return Plan(self.route, self.sorties)

    def arrays(self) -> tuple[NDArray[np.int64], ...]:
        s = self.sorties
        return (
            np.array(self.route, dtype=np.int64),
            np.array([x[1] for x in s], dtype=np.int64),
            np.array([x[2] for x in s], dtype=np.int64),
            np.array([x[3] for x in s], dtype=np.int64),
            np.array([x[0] for x in s], dtype=np.int64),
        )

    def remove(self, c: int) -> list[int]:
        """Take customer ``c`` out; sorties anchored at its stop go too. Returns removed ones."""
        out = [c]
        for idx, s in enumerate(self.sorties):
            if s[2] == c:
                del self.sorties[idx]
                return out
        x = self.route.index(c)
        keep = []
        for s in self.sorties:
            if s[1] == x or s[3] == x:
                out.append(s[2])
            else:
                keep.append((s[0], s[1] - (s[1] > x), s[2], s[3] - (s[3] > x)))
        self.sorties = keep
        del self.route[x]
        return out

    def insert(self, c: int, kind: int, a: int, b: int, d: int) -> None:
        if kind == 0:
            self.route.insert(a, c)
            self.sorties = [
                (s[0], s[1] + (s[1] >= a), s[2], s[3] + (s[3] >= a)) for s in self.sorties
            ]
        else:
            self.sorties.append((d, a, c, b))


__all__ = ["INF", "Plan", "best_insert", "eval_plan", "sched"]
