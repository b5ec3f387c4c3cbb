"""Compiled (numba) Dijkstra that carries travel time and length together.

Labels are compared lexicographically: the fastest path wins, and of equally fast paths the
shorter, so the length reported is that of the fastest path and ties are broken the same way on
every machine. The kernel releases the GIL, so threads run sources in parallel.

Imported lazily by :mod:`voltroute.network.graph`; compiled on first use and cached on disk by
numba (``cache=True``, in ``__pycache__`` beside this file).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _less(t1: float, l1: float, t2: float, l2: float) -> bool:  # pragma: no cover - compiled
    return t1 < t2 or (t1 == t2 and l1 < l2)


@njit(cache=True, nogil=True)
def dijkstra_rows(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight_t: np.ndarray,
    weight_l: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    out_t: np.ndarray,
    out_l: np.ndarray,
    pred: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """For each ``sources[r]``: ``out_t[r, j]``, ``out_l[r, j]`` = time and length of the fastest
    (then shortest) path to ``targets[j]`` (inf when unreachable). When ``pred`` has one row per
    source, ``pred[r, v]`` is the node before ``v`` on that path (-1 at the source and for
    unreachable nodes)."""
    n = indptr.size - 1
    cap = indices.size + 1
    dist_t = np.empty(n)
    dist_l = np.empty(n)
    done = np.empty(n, dtype=np.bool_)
    heap_t = np.empty(cap)
    heap_l = np.empty(cap)
    heap_v = np.empty(cap, dtype=np.int64)
    want_pred = pred.shape[0] == sources.size
    for r in range(sources.size):
        src = sources[r]
        dist_t[:] = np.inf
        dist_l[:] = np.inf
        done[:] = False
        if want_pred:
            pred[r, :] = -1
        dist_t[src] = 0.0
        dist_l[src] = 0.0
        heap_t[0] = 0.0
        heap_l[0] = 0.0
        heap_v[0] = src
        size = 1
        while size > 0:
            t = heap_t[0]
            ln = heap_l[0]
            u = heap_v[0]
            size -= 1
            if size > 0:  # move the last entry to the root and sift it down
                mt = heap_t[size]
                ml = heap_l[size]
                mv = heap_v[size]
                i = 0
                while True:
                    c = 2 * i + 1
                    if c >= size:
                        break
                    if c + 1 < size and _less(heap_t[c + 1], heap_l[c + 1], heap_t[c], heap_l[c]):
                        c += 1
                    if _less(heap_t[c], heap_l[c], mt, ml):
                        heap_t[i] = heap_t[c]
                        heap_l[i] = heap_l[c]
                        heap_v[i] = heap_v[c]
                        i = c
                    else:
                        break
                heap_t[i] = mt
                heap_l[i] = ml
                heap_v[i] = mv
            if done[u]:
                continue
            done[u] = True
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if done[v]:
                    continue
                nt = t + weight_t[e]
                nl = ln + weight_l[e]
                if _less(nt, nl, dist_t[v], dist_l[v]):
                    dist_t[v] = nt
                    dist_l[v] = nl
                    if want_pred:
                        pred[r, v] = u
                    i = size  # push and sift up
                    size += 1
                    while i > 0:
                        p = (i - 1) // 2
                        if _less(nt, nl, heap_t[p], heap_l[p]):
                            heap_t[i] = heap_t[p]
                            heap_l[i] = heap_l[p]
                            heap_v[i] = heap_v[p]
                            i = p
                        else:
                            break
                    heap_t[i] = nt
                    heap_l[i] = nl
                    heap_v[i] = v
        for j in range(targets.size):
            out_t[r, j] = dist_t[targets[j]]
            out_l[r, j] = dist_l[targets[j]]
