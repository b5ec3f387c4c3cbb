"""Split dynamic programme: the best drone sorties over a fixed van sequence.

The sequence is a giant tour ``0, c1, ..., cm, 0`` of every customer. An *operation* starts where
the van stands (sequence position ``q``), launches up to ``num_drones`` drones there, drives through
the next positions in order, skipping the customers the drones serve, and ends at position ``b``
where every drone is recovered. A *loop* is a drone round trip from the van's current stop to the
next customer of the sequence while the van waits (TSP-D only). The DP over (position, loops since
the van's last stop) is exact for one drone and a fixed sequence (Agatz, Bouman & Schmidt 2018,
"TSP-ep"); with several drones it is exact among operations whose drones launch and land together.

Operation timing matches :mod:`voltroute.solve.sidekick.schedule`: launches in order of decreasing
flight time (each ``launch_s``), the van's driving and service of the skipped-over stops, then at
the end stop the driver recovers drones that have arrived, otherwise serves the stop, otherwise
waits for the next drone.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

from voltroute.solve.combinations import next_combination

INF = 1e300


@nb.njit(cache=True)
def _op_eval(
    seq,
    q,
    p,
    b,
    dpos,
    nd,
    tt,
    td,
    dt,
    dd,
    tserv,
    dserv,
    has_end,
    endur,
    s_l,
    s_r,
    w_time,
    c_truck,
    c_drone,
    m,
    fl,
    lim,
    arr,
    lend,
    done,
):  # pragma: no cover - compiled
    """Time and cost of one operation; returns (cost, time) or (INF, INF) if infeasible."""
    a_node = seq[q]
    b_node = seq[b]
    # van path A -> interior (skipping drone positions) -> B
    t_truck = 0.0
    d_truck = 0.0
    prev = a_node
    di = 0
    for x in range(p + 1, b):
        if di < nd and dpos[di] == x:
            di += 1
            continue
        node = seq[x]
        t_truck += tt[prev, node] + tserv[node]
        d_truck += td[prev, node]
        prev = node
    t_truck += tt[prev, b_node]
    d_truck += td[prev, b_node]
    # drones
    d_drone = 0.0
    for u in range(nd):
        dn = seq[dpos[u]]
        fl[u] = dt[a_node, dn] + dserv[dn] + dt[dn, b_node]
        d_drone += dd[a_node, dn] + dd[dn, b_node]
        lim[u] = endur[a_node, dn, b_node] if has_end else INF
        if fl[u] > lim[u] + 1e-9:
            return INF, INF
    # launch order: longest flight first
    for u in range(nd):  # rank = number of longer flights (ties by index)
        rank = 0
        for v in range(nd):
            if fl[v] > fl[u] or (fl[v] == fl[u] and v < u):
                rank += 1
        lend[u] = (rank + 1) * s_l
        arr[u] = lend[u] + fl[u]
    clock = nd * s_l + t_truck
    bserv = tserv[b_node] if b <= m else 0.0
    # greedy at B: recover arrived drones, else serve, else wait
    for u in range(nd):
        done[u] = False
    served = bserv <= 0.0
    left = nd
    while left > 0 or not served:
        best = -1
        for u in range(nd):
            if not done[u] and (best < 0 or arr[u] < arr[best]):
                best = u
        if best >= 0 and arr[best] <= clock + 1e-12:
            rs = clock
        elif not served:
            clock += bserv
            served = True
            continue
        else:
            rs = arr[best]
        if rs - lend[best] > lim[best] + 1e-9:
            return INF, INF
        clock = rs + s_r
        done[best] = True
        left -= 1
    cost = w_time * clock + c_truck * d_truck + c_drone * d_drone
    return cost, clock


@nb.njit(cache=True)
def split_dp(
    seq,
    tt,
    td,
    dt,
    dd,
    elig,
    tserv,
    dserv,
    has_end,
    endur,
    s_l,
    s_r,
    n_drones,
    span,
    max_loops,
    w_time,
    c_truck,
    c_drone,
):  # pragma: no cover - compiled
    """Forward DP over the sequence; returns (cost, pred arrays) for reconstruction."""
    m = seq.shape[0] - 2
    nk = max_loops + 1
    f = np.full((m + 2, nk), INF)
    f[0, 0] = 0.0
    pred_p = np.full((m + 2, nk), -1, dtype=np.int64)
    pred_k = np.full((m + 2, nk), -1, dtype=np.int64)
    pred_d = np.full((m + 2, nk, 4), -1, dtype=np.int64)
    kmax = min(n_drones, 4)
    dpos = np.empty(4, dtype=np.int64)
    idx = np.empty(4, dtype=np.int64)
    w_fl = np.empty(4)
    w_lim = np.empty(4)
    w_arr = np.empty(4)
    w_lend = np.empty(4)
    w_done = np.zeros(4, dtype=np.bool_)
    for p in range(m + 1):
        for k in range(nk):
            base = f[p, k]
            if base >= INF:
                continue
            q = p - k
            a_node = seq[q]
            # loop: drone round trip to seq[p+1] while the van waits at seq[q]
            if k < max_loops and p + 1 <= m and kmax >= 1 and elig[seq[p + 1]]:
                dn = seq[p + 1]
                fl = dt[a_node, dn] + dserv[dn] + dt[dn, a_node]
                ok = True
                if has_end and fl > endur[a_node, dn, a_node] + 1e-9:
                    ok = False
                if ok:
                    tm = s_l + fl + s_r
                    c = base + w_time * tm + c_drone * (dd[a_node, dn] + dd[dn, a_node])
                    if c < f[p + 1, k + 1] - 1e-12:
                        f[p + 1, k + 1] = c
                        pred_p[p + 1, k + 1] = p
                        pred_k[p + 1, k + 1] = k
                        pred_d[p + 1, k + 1, 0] = -2  # loop marker
                        pred_d[p + 1, k + 1, 1] = -1
                        pred_d[p + 1, k + 1, 2] = -1
                        pred_d[p + 1, k + 1, 3] = -1
            bmax = min(p + span, m + 1)
            for b in range(p + 1, bmax + 1):
                r = b - p - 1  # interior positions p+1 .. b-1
                tmax = min(kmax, r)
                if r > 0 and tmax == 0:
                    break
                tstart = 0 if r == 0 else 1
                for t in range(tstart, tmax + 1):
                    # enumerate combinations of t interior positions
                    for u in range(t):
                        idx[u] = u
                    while True:
                        ok = True
                        for u in range(t):
                            dpos[u] = p + 1 + idx[u]
                            if not elig[seq[dpos[u]]]:
                                ok = False
                        if ok:
                            c, _tm = _op_eval(
                                seq,
                                q,
                                p,
                                b,
                                dpos,
                                t,
                                tt,
                                td,
                                dt,
                                dd,
                                tserv,
                                dserv,
                                has_end,
                                endur,
                                s_l,
                                s_r,
                                w_time,
                                c_truck,
                                c_drone,
                                m,
                                w_fl,
                                w_lim,
                                w_arr,
                                w_lend,
                                w_done,
                            )
                            c += base
                            if c < f[b, 0] - 1e-12:
                                f[b, 0] = c
                                pred_p[b, 0] = p
                                pred_k[b, 0] = k
                                for u in range(4):
                                    pred_d[b, 0, u] = dpos[u] if u < t else -1
                        if not next_combination(idx, t, r):
                            break
    return f[m + 1, 0], pred_p, pred_k, pred_d


@nb.njit(cache=True)
def split_dp1(
    seq,
    tt,
    td,
    dt,
    dd,
    elig,
    tserv,
    dserv,
    has_end,
    endur,
    s_l,
    s_r,
    n_drones,
    span,
    max_loops,
    w_time,
    c_truck,
    c_drone,
    anchors,
    f0,
    start,
):  # pragma: no cover - compiled
    """The DP for at most one drone, O(1) per operation by prefix sums.

    ``f0`` and ``start``: the DP table of a sequence equal to this one before position
    ``start`` (its rows before ``start`` are reused; ``start = 0`` computes everything).

    State ``f[p, v, a]``: positions up to ``p`` are served, the van stands at the node of
    position ``p - v`` and may later come back to the *anchor*, the node of position ``p - a``
    (``a == v``: no anchor besides the van's own node). Moves: a plain leg, an operation to a
    new node (optionally remembering the node it left as anchor, when ``anchors``), a loop, a
    return operation to the van's node, and an operation back to the anchor (the van goes out
    and comes back: ``A -> B`` then ``B -> A``, each with its own drone sortie, as in TSP-D
    optima). Returns ``(cost, pred)``; ``pred[p, v, a] = (pp, pv, pa, drone position, kind)``.
    """
    m = seq.shape[0] - 2
    nk = max_loops + 1
    f = np.full((m + 2, nk, nk), INF)
    f[0, 0, 0] = 0.0
    p_first = 0
    if start > 0:
        for x in range(min(start, m + 2)):
            f[x] = f0[x]
        p_first = max(0, start - span - 1)
    pred = np.full((m + 2, nk, nk, 5), -1, dtype=np.int64)
    pt = np.zeros(m + 2)  # pt[x]: van time along the sequence from position 0 to x
    pdist = np.zeros(m + 2)
    ps = np.zeros(m + 2)  # ps[x]: service of positions 1..x
    for x in range(1, m + 2):
        pt[x] = pt[x - 1] + tt[seq[x - 1], seq[x]]
        pdist[x] = pdist[x - 1] + td[seq[x - 1], seq[x]]
        ps[x] = ps[x - 1] + (tserv[seq[x]] if x <= m else 0.0)
    for p in range(p_first, m + 1):
        for v in range(nk):
            for an in range(v, nk):
                base = f[p, v, an]
                if base >= INF:
                    continue
                a = seq[p - v]
                h = seq[p - an]
                # loop: drone round trip to seq[p+1] while the van waits at a
                if v < max_loops and p + 1 <= m and n_drones >= 1 and elig[seq[p + 1]]:
                    dn = seq[p + 1]
                    fl = dt[a, dn] + dserv[dn] + dt[dn, a]
                    if not (has_end and fl > endur[a, dn, a] + 1e-9):
                        c = base + w_time * (s_l + fl + s_r) + c_drone * (dd[a, dn] + dd[dn, a])
                        na = an + 1 if an + 1 <= max_loops else v + 1
                        if c < f[p + 1, v + 1, na] - 1e-12:
                            f[p + 1, v + 1, na] = c
                            pred[p + 1, v + 1, na, 0] = p
                            pred[p + 1, v + 1, na, 1] = v
                            pred[p + 1, v + 1, na, 2] = an
                            pred[p + 1, v + 1, na, 3] = p + 1
                            pred[p + 1, v + 1, na, 4] = 1
                first = seq[p + 1]
                # from a state with a separate anchor only loops and the way back to the
                # anchor are useful (every other move is as good from the anchor-free state)
                if an == v:
                    # plain van leg to the next position
                    bserv = tserv[first] if p + 1 <= m else 0.0
                    c = base + w_time * (tt[a, first] + bserv) + c_truck * td[a, first]
                    for keep in range(2):
                        na = 0
                        if keep > 0:
                            if not anchors or p + 1 > m:
                                break
                            na = v + 1
                            if na > max_loops:
                                continue
                        if c < f[p + 1, 0, na] - 1e-12:
                            f[p + 1, 0, na] = c
                            pred[p + 1, 0, na, 0] = p
                            pred[p + 1, 0, na, 1] = v
                            pred[p + 1, 0, na, 2] = an
                            pred[p + 1, 0, na, 3] = -1
                            pred[p + 1, 0, na, 4] = 0
                    if n_drones < 1:
                        continue
                    bmax = min(p + span, m + 1)
                    for b in range(p + 2, bmax + 1):
                        bnode = seq[b]
                        bserv = tserv[bnode] if b <= m else 0.0
                        t_full = tt[a, first] + (pt[b] - pt[p + 1]) + (ps[b - 1] - ps[p])
                        d_full = td[a, first] + (pdist[b] - pdist[p + 1])
                        na_keep = b - p + v
                        for d in range(p + 1, b):
                            dn = seq[d]
                            if not elig[dn]:
                                continue
                            prev = a if d == p + 1 else seq[d - 1]
                            nxt = seq[d + 1]
                            t_tr = t_full - tt[prev, dn] - tt[dn, nxt] + tt[prev, nxt] - tserv[dn]
                            d_tr = d_full - td[prev, dn] - td[dn, nxt] + td[prev, nxt]
                            fl = dt[a, dn] + dserv[dn] + dt[dn, bnode]
                            lim = endur[a, dn, bnode] if has_end else INF
                            if fl > lim + 1e-9:
                                continue
                            arr = s_l + fl
                            clock = s_l + t_tr
                            if arr <= clock + 1e-12:
                                rs = clock
                                clock = rs + s_r + bserv
                            else:
                                if bserv > 0.0:
                                    clock += bserv
                                rs = arr if arr > clock else clock
                                clock = rs + s_r
                            if rs - s_l > lim + 1e-9:
                                continue
                            c = (
                                base
                                + w_time * clock
                                + c_truck * d_tr
                                + c_drone * (dd[a, dn] + dd[dn, bnode])
                            )
                            for keep in range(2):
                                na = 0
                                if keep > 0:
                                    if not anchors or b > m:
                                        break
                                    na = na_keep
                                    if na > max_loops:
                                        continue
                                if c < f[b, 0, na] - 1e-12:
                                    f[b, 0, na] = c
                                    pred[b, 0, na, 0] = p
                                    pred[b, 0, na, 1] = v
                                    pred[b, 0, na, 2] = an
                                    pred[b, 0, na, 3] = d
                                    pred[b, 0, na, 4] = 0
                # return operations: the van leaves a, serves p+1..b (less the drone's
                # customer) and ends at a (kind 2) or at the anchor h (kind 3); the drone
                # flies a -> d -> end
                for kind in range(2, 4):
                    if kind == 2:
                        if max_loops == 0 or an != v:
                            continue
                        end = a
                        shift = v
                    else:
                        if not anchors or an == v:
                            continue
                        end = h
                        shift = an
                    bmin = p + 2 if kind == 2 else p + 1
                    for b in range(bmin, min(p + span, m) + 1):
                        nv = shift + (b - p)
                        if nv > max_loops:
                            break
                        na = an + (b - p) if kind == 2 else nv
                        if na > max_loops:
                            na = nv
                        t_full = (
                            tt[a, first] + (pt[b] - pt[p + 1]) + (ps[b] - ps[p]) + tt[seq[b], end]
                        )
                        d_full = td[a, first] + (pdist[b] - pdist[p + 1]) + td[seq[b], end]
                        for d in range(p + 1, b + 1):
                            dn = seq[d]
                            if not elig[dn]:
                                continue
                            prev = a if d == p + 1 else seq[d - 1]
                            nxt = end if d == b else seq[d + 1]
                            t_tr = t_full - tt[prev, dn] - tt[dn, nxt] + tt[prev, nxt] - tserv[dn]
                            d_tr = d_full - td[prev, dn] - td[dn, nxt] + td[prev, nxt]
                            fl = dt[a, dn] + dserv[dn] + dt[dn, end]
                            lim = endur[a, dn, end] if has_end else INF
                            if fl > lim + 1e-9:
                                continue
                            arr = s_l + fl
                            clock = s_l + t_tr
                            rs = arr if arr > clock else clock
                            if rs - s_l > lim + 1e-9:
                                continue
                            clock = rs + s_r
                            c = (
                                base
                                + w_time * clock
                                + c_truck * d_tr
                                + c_drone * (dd[a, dn] + dd[dn, end])
                            )
                            if c < f[b, nv, na] - 1e-12:
                                f[b, nv, na] = c
                                pred[b, nv, na, 0] = p
                                pred[b, nv, na, 1] = v
                                pred[b, nv, na, 2] = an
                                pred[b, nv, na, 3] = d
                                pred[b, nv, na, 4] = kind
    return f[m + 1, 0, 0], pred, f


def decode1(
    seq: NDArray[np.int64], pred: NDArray[np.int64]
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Van route and sorties (launch route index, customer, recovery index) of :func:`split_dp1`."""
    m = seq.shape[0] - 2
    steps: list[tuple[int, int, int, int, int, int]] = []  # (pp, pv, pa, p, d, kind)
    p, v, a = m + 1, 0, 0
    while p > 0:
        pp, pv, pa, d, kind = (int(x) for x in pred[p, v, a])
        if pp < 0:
            raise RuntimeError("split DP found no feasible plan")
        steps.append((pp, pv, pa, p, d, kind))
        p, v, a = pp, pv, pa
    steps.reverse()
    route = [int(seq[0])]
    sorties: list[tuple[int, int, int]] = []
    for pp, pv, pa, p, d, kind in steps:
        start = len(route) - 1
        if kind == 1:  # loop from the van's current stop
            sorties.append((start, int(seq[d]), start))
            continue
        if kind in (2, 3):  # back to the van's stop or to the anchor
            home_pos = pp - pv if kind == 2 else pp - pa
            for x in range(pp + 1, p + 1):
                if x != d:
                    route.append(int(seq[x]))
            route.append(int(seq[home_pos]))
            sorties.append((start, int(seq[d]), len(route) - 1))
            continue
        for x in range(pp + 1, p + 1):
            if x != d:
                route.append(int(seq[x]))
        if d >= 0:
            sorties.append((start, int(seq[d]), len(route) - 1))
    return route, sorties


def decode(
    seq: NDArray[np.int64],
    pred_p: NDArray[np.int64],
    pred_k: NDArray[np.int64],
    pred_d: NDArray[np.int64],
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Van route (node ids) and sorties as (launch route index, customer, recovery route index)."""
    m = seq.shape[0] - 2
    steps: list[tuple[int, int, int, list[int]]] = []
    p, k = m + 1, 0
    while p > 0:
        pp, pk = int(pred_p[p, k]), int(pred_k[p, k])
        if pp < 0:
            raise RuntimeError("split DP found no feasible plan")
        steps.append((pp, pk, p, [int(x) for x in pred_d[p, k] if x != -1]))

        p, k = pp, pk
    steps.reverse()
    route = [int(seq[0])]
    sorties: list[tuple[int, int, int]] = []
    for pp, _pk, p, dlist in steps:
        if dlist and dlist[0] == -2:  # loop from the van's current stop
            cur = len(route) - 1
            sorties.append((cur, int(seq[p]), cur))
            continue
        start = len(route) - 1
        if len(dlist) == 2 and dlist[1] == -3:  # return operation to the van's current stop
            home = route[start]
            for x in range(pp + 1, p + 1):
                if x != dlist[0]:
                    route.append(int(seq[x]))
            route.append(home)
            sorties.append((start, int(seq[dlist[0]]), len(route) - 1))
            continue
        drones = set(dlist)
        for x in range(pp + 1, p):
            if x not in drones:
                route.append(int(seq[x]))
        route.append(int(seq[p]))
        end = len(route) - 1
        for x in dlist:
            sorties.append((start, int(seq[x]), end))
    return route, sorties
