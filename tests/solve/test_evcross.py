"""The route-based crossover of the electric search: the child keeps every stop once (or
reports it missing), its routes are feasible, and its vehicles add up."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_evsearch import _data, _grid_problem  # same folder (pytest prepends it)

from voltroute.solve.evcross import srex
from voltroute.solve.evsearch import COUNT, ISST, OK, _state, eval_route, search


def _as_state(data, result, max_routes: int, max_len: int):  # type: ignore[no-untyped-def]
    """The search's arrays for the routes of ``result``."""
    counts = data.types[:, COUNT].astype(np.int64)
    s = _state(max_routes, max_len, data.dist.shape[0], len(data.customers), counts)
    R, rl, rt, rcv, where, avail, un, n_un = s
    d = data.kernel_args()
    out = np.zeros(5)
    scratch = np.zeros((4, max_len + 6))
    for r, route in enumerate(result.routes):
        seq = np.asarray(route.nodes, dtype=np.int32)
        R[r, : len(seq)] = seq
        rl[r] = len(seq)
        rt[r] = route.type_index
        avail[route.type_index] -= 1
        assert eval_route(seq, len(seq), route.type_index, d, out, scratch) == OK
        rcv[r] = out[1]
        for v in seq:
            if data.nodes[v, ISST] < 0.5:
                where[v] = r
    un[: len(result.missing)] = result.missing
    n_un[0] = len(result.missing)
    return s


def _leave_out_one(s, data) -> None:  # type: ignore[no-untyped-def]
    """The plan leaves its first route's last stop out (as a plan that skips an optional stop
    another plan serves), when the route stays feasible without it."""
    R, rl, rt, rcv, where, avail, un, n_un = s
    d = data.kernel_args()
    out = np.zeros(5)
    scratch = np.zeros((4, R.shape[1] + 6))
    for r in np.flatnonzero(rl > 0):
        seq = [int(v) for v in R[r, : rl[r]]]
        stops = [v for v in seq if data.nodes[v, ISST] < 0.5]
        if len(stops) < 2:
            continue
        keep = np.asarray([v for v in seq if v != stops[-1]], dtype=np.int32)
        if eval_route(keep, len(keep), rt[r], d, out, scratch) != OK:
            continue
        R[r, : len(keep)] = keep
        rl[r] = len(keep)
        rcv[r] = out[1]
        where[stops[-1]] = -1
        un[n_un[0]] = stops[-1]
        n_un[0] += 1
        return


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(4, 14),
    seed=st.integers(0, 10_000),
    battery=st.floats(60.0, 200.0),
    windows=st.booleans(),
    leave_out=st.booleans(),
)
def test_child_serves_every_stop_once_or_reports_it(n, seed, battery, windows, leave_out):
    data = _data(_grid_problem(n, seed, battery, windows))
    max_routes, max_len = n, 2 * n + 4
    parents = [
        _as_state(
            data, search(data, time_limit_s=5, seed=s, max_iterations=30), max_routes, max_len
        )
        for s in (1, 2)
    ]
    if leave_out:
        _leave_out_one(parents[0], data)
    child = _state(
        max_routes, max_len, data.dist.shape[0], n, data.types[:, COUNT].astype(np.int64)
    )
    fleet = max(int((p[1] > 0).sum()) for p in parents)
    d = data.kernel_args()
    dist_depot = data.dist[0]
    rng = np.random.default_rng(seed)
    for a, b in (parents, parents[::-1]):
        n_miss = srex(a, b, child, d, data.near_st, data.customers, dist_depot, fleet, rng)
        R, rl, rt, rcv, where, avail, un, n_un = child
        assert n_miss == n_un[0]
        used = np.flatnonzero(rl > 0)
        assert len(used) <= fleet
        served = [int(v) for r in used for v in R[r, : rl[r]] if data.nodes[v, ISST] < 0.5]
        missing = [int(v) for v in un[:n_miss]]
        assert len(served) == len(set(served))
        assert sorted(served + missing) == sorted(int(c) for c in data.customers)
        assert all(where[v] == r for r in used for v in R[r, : rl[r]] if data.nodes[v, ISST] < 0.5)
        assert all(where[v] == -1 for v in missing)
        out = np.zeros(5)
        scratch = np.zeros((4, max_len + 6))
        for r in used:
            assert eval_route(R[r], rl[r], rt[r], d, out, scratch) == OK
            assert abs(rcv[r] - out[1]) < 1e-6
        for k in range(len(avail)):
            assert avail[k] + int((rt[used] == k).sum()) == data.types[k, COUNT]
