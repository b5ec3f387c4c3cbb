"""Small combinatorial kernels shared by the search engines (compiled with numba)."""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def next_combination(idx, t, n):
    """Advance ``idx[:t]`` (increasing indices in ``range(n)``) to the next ``t``-subset in
    lexicographic order, in place; ``False`` after the last one (and always for ``t == 0``)."""
    u = t - 1
    while u >= 0 and idx[u] == n - t + u:
        u -= 1
    if u < 0:
        return False
    idx[u] += 1
    for v in range(u + 1, t):
        idx[v] = idx[v - 1] + 1
    return True
