"""Travel distance and time matrices for a problem: the one place both the solver and the checker
get them from, so the two can never disagree about the cost of a leg.

``haversine``
    distance = great-circle distance × ``circuity``; duration = distance / (``speed_kph`` / 3.6).
``euclidean``
    distance = planar distance between the ``x``/``y`` coordinates, rounded as PyVRP's
    ``pyvrp.read(..., round_func=...)`` does for VRPLIB instances:

    ========  ==========================================================
    none      unrounded
    round     nearest integer (numpy's round half to even)
    trunc     truncated to an integer
    dimacs    ×10, then truncated (so one unit is a tenth; DIMACS 2021)
    exact     ×1000, then rounded to the nearest integer
    ========  ==========================================================

    duration = distance if ``duration_equals_distance`` else distance / (``speed_kph`` / 3.6),
    both from the rounded distance.
``matrix``
    the explicit ``problem.matrices``.

``duration_equals_distance`` applies to ``haversine`` too; ``rounding`` only to ``euclidean``
(``Travel`` documents it for benchmark instances).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from voltroute.model.problem import Location, Matrices, Problem, Travel
from voltroute.network.geo import haversine_matrix_m

_BLOCK_ELEMENTS = 4_000_000


def travel_matrices(problem: Problem) -> Matrices:
    """Distance (m) and duration (s) between all locations of ``problem`` (depots, then stops)."""
    if problem.travel.model == "matrix":
        if problem.matrices is None:  # Problem validation forbids this; keep the error clear.
            raise ValueError("travel.model is 'matrix' but problem.matrices is missing")
        return problem.matrices
    return matrices_from_locations(problem.locations, problem.travel)


def matrices_from_locations(locations: Sequence[Location], travel: Travel) -> Matrices:
    """Distance (m) and duration (s) between ``locations`` by the rules of ``travel``.

    ``travel.model`` must be ``haversine`` or ``euclidean``: a ``matrix`` travel model has no rule
    to compute anything from locations.
    """
    n = len(locations)
    if travel.model == "matrix":
        raise ValueError("travel.model 'matrix' takes explicit matrices; nothing to compute")
    coords = np.array([loc.xy for loc in locations], dtype=np.float64).reshape(n, 2)
    geographic = [loc.is_geographic for loc in locations]
    if travel.model == "haversine":
        if not all(geographic):
            raise ValueError("travel.model 'haversine' needs lat/lon locations")
        distance = haversine_matrix_m(coords[:, 1], coords[:, 0])
        if travel.circuity != 1.0:
            distance *= travel.circuity
    elif travel.model == "euclidean":
        distance = euclidean_matrix(coords[:, 0], coords[:, 1])
        distance = apply_rounding(distance, travel.rounding)
    else:  # pragma: no cover - Literal in Travel
        raise ValueError(f"unknown travel model {travel.model!r}")
    if travel.duration_equals_distance:
        duration = distance.copy()
    else:
        duration = distance / (travel.speed_kph / 3.6)
    if travel.model == "haversine":
        # whole metres and seconds: an estimate is no finer, and the solver works in them
        distance = np.rint(distance)
        duration = np.rint(duration)
    return Matrices(distance_m=distance, duration_s=duration)


def euclidean_matrix(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Pairwise planar distances sqrt(dx² + dy²), computed in row blocks; exact zero diagonal."""
    x = np.asarray(xs, dtype=np.float64).ravel()
    y = np.asarray(ys, dtype=np.float64).ravel()
    n = x.size
    out = np.empty((n, n), dtype=np.float64)
    step = max(1, _BLOCK_ELEMENTS // max(n, 1))
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        dx = x[None, :] - x[r0:r1, None]
        dy = y[None, :] - y[r0:r1, None]
        dx *= dx
        dy *= dy
        dx += dy
        np.sqrt(dx, out=out[r0:r1])
    return out


def apply_rounding(distance: np.ndarray, rounding: str) -> np.ndarray:
    """Round a distance matrix by PyVRP's ``round_func`` conventions (see the module doc).

    Returns float64 values (integral unless ``rounding`` is ``none``); modifies in place where it
    can.
    """
    if rounding == "none":
        return distance
    if rounding == "round":
        return np.round(distance, out=distance)
    if rounding == "trunc":
        return np.trunc(distance, out=distance)
    if rounding == "dimacs":
        distance *= 10.0
        return np.trunc(distance, out=distance)
    if rounding == "exact":
        distance *= 1000.0
        return np.round(distance, out=distance)
    raise ValueError(f"unknown rounding {rounding!r}; use none, round, trunc, dimacs or exact")
