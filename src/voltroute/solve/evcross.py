"""Route-based crossover (SREX) between two plans of the electric search.

Selective route exchange (Nagata & Kobayashi 2010; the crossover of HGS): the child is
parent ``a`` with some of its routes replaced by routes of parent ``b`` that serve the same
part of the map. The ``b`` routes are copied whole, with their station visits, so good route
shapes found in one chain of the search reach another; the stops this leaves uncovered are
inserted again by the search's own recreate. Runs rarely (a few times a second at most), so
it is plain Python over the kernels' arrays.
"""

from __future__ import annotations

import numpy as np

from voltroute.solve.evsearch import (
    ISST,
    OK,
    _clean_stations,
    _copy_state,
    _recreate,
    _sort_removed,
    _times_store,
    eval_route,
)


def _free(r: int, rl: np.ndarray, rt: np.ndarray, rcv: np.ndarray, avail: np.ndarray) -> None:
    """Route ``r`` is emptied and its vehicle is free again."""
    avail[rt[r]] += 1
    rl[r] = 0
    rt[r] = -1
    rcv[r] = 0.0


def srex(
    a: tuple,
    b: tuple,
    child: tuple,
    d: tuple,
    near_st: np.ndarray,
    customers: np.ndarray,
    dist_depot: np.ndarray,
    fleet_cap: int,
    rng: np.random.Generator,
    blink: float = 0.01,
) -> int:
    """Write into ``child`` (a search state, as ``a`` and ``b``) parent ``a`` with 1 to half of
    its routes replaced by as many routes of ``b`` around a random stop. Returns the number of
    stops the child leaves missing (they are in its missing list, as in the search)."""
    _copy_state(a, child)
    R, rl, rt, rcv, where, avail, un, n_un = child
    bR, brl, brt, brcv, _, _, _, _ = b
    nd = d[4]
    dist = d[0]
    a_routes = np.flatnonzero(rl > 0)
    b_routes = np.flatnonzero(brl > 0)
    if len(a_routes) < 2 or len(b_routes) < 2:
        return int(n_un[0])
    n_sel = int(rng.integers(1, max(1, min(len(a_routes), len(b_routes)) // 2) + 1))
    # b's routes nearest to a random stop (by their nearest stop)
    c0 = int(customers[rng.integers(len(customers))])
    is_st = nd[:, ISST] > 0.5
    near = []
    for r in b_routes:
        seq = bR[r, : brl[r]]
        near.append(float(dist[c0, seq].min()))
    sel_b = b_routes[np.argsort(near, kind="stable")[:n_sel]]
    moved: set[int] = set()
    for r in sel_b:
        moved.update(int(v) for v in bR[r, : brl[r]] if not is_st[v])
    # a's routes with the most stops in common with them
    common = []
    for r in a_routes:
        seq = R[r, : rl[r]]
        common.append(sum(1 for v in seq if int(v) in moved) + rng.random() * 0.5)
    sel_a = a_routes[np.argsort(common)[::-1][:n_sel]]
    # stops a leaves out that b's routes serve come in with them
    pool: list[int] = [int(v) for v in un[: n_un[0]] if int(v) not in moved]
    maxL = R.shape[1]
    tmp = np.empty(maxL + 4, dtype=np.int32)
    out = np.empty(5)
    scratch = np.empty((4, maxL + 6))
    for r in sel_a:
        for v in R[r, : rl[r]]:
            if not is_st[v]:
                where[v] = -1
                if int(v) not in moved:
                    pool.append(int(v))
        _free(int(r), rl, rt, rcv, avail)
    # the moved stops leave the routes of a that stay
    for r in np.flatnonzero(rl > 0):
        seq = R[r, : rl[r]]
        keep = np.array([v for v in seq if is_st[v] or int(v) not in moved], dtype=np.int32)
        if len(keep) == len(seq):
            continue
        for v in seq:
            if not is_st[v] and int(v) in moved:
                where[v] = -1
        k = int(rt[r])
        if len(keep) and eval_route(keep, len(keep), k, d, out, scratch) == OK:
            R[r, : len(keep)] = keep
            rl[r] = len(keep)
            rcv[r] = out[1]
            _clean_stations(r, R, rl, rt, rcv, avail, d, tmp, out, scratch)
        else:  # broken without the triangle inequality: all its stops go back in
            for v in keep:
                if not is_st[v]:
                    where[v] = -1
                    pool.append(int(v))
            _free(int(r), rl, rt, rcv, avail)
    # b's routes, whole, where a vehicle of their type is free
    for r in sel_b:
        k = int(brt[r])
        stops = [int(v) for v in bR[r, : brl[r]] if not is_st[v]]
        free = np.flatnonzero(rl == 0)
        if avail[k] <= 0 or not len(free):
            pool.extend(stops)
            continue
        q = int(free[0])
        R[q, : brl[r]] = bR[r, : brl[r]]
        rl[q] = brl[r]
        rt[q] = k
        rcv[q] = brcv[r]
        avail[k] -= 1
        for v in stops:
            where[v] = q
    removed = np.array(sorted(set(pool)), dtype=np.int32)
    n_un[0] = 0
    if len(removed):
        _sort_removed(removed, len(removed), nd, dist_depot)
        touched = np.empty(4 * len(customers) + 8, dtype=np.int32)
        unassigned = np.empty(len(customers), dtype=np.int32)
        deps, lates, fresh = _times_store(R.shape[0], maxL + 1)
        fresh[:] = False
        n_miss, _ = _recreate(
            removed, len(removed), R, rl, rt, rcv, where, avail, d, near_st, tmp, out, scratch,
            blink, True, fleet_cap, touched, 0, unassigned, deps, lates, fresh,
        )  # fmt: skip
        un[:n_miss] = unassigned[:n_miss]
        n_un[0] = n_miss
    return int(n_un[0])
