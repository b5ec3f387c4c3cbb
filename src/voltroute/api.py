"""The Python API in one place: plan a problem, check a plan, compare fleets.

>>> from voltroute.api import plan
>>> solution = plan(problem, time_limit_s=5)          # doctest: +SKIP
>>> solution.kpis["cost_per_parcel"]                    # doctest: +SKIP
"""

from __future__ import annotations

from voltroute.evaluate import CheckReport, annotate, check
from voltroute.model import Problem, Solution
from voltroute.solve import ProgressCallback, SolveParams, solve


def plan(
    problem: Problem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    max_iterations: int | None = None,
    progress: ProgressCallback | None = None,
    params: SolveParams | None = None,
) -> Solution:
    """Solve ``problem`` and attach the checker's schedule, load, state of charge and KPIs."""
    params = params or SolveParams(
        time_limit_s=time_limit_s, seed=seed, max_iterations=max_iterations, progress=progress
    )
    return annotate(problem, solve(problem, params))


__all__ = [
    "CheckReport",
    "Problem",
    "Solution",
    "SolveParams",
    "annotate",
    "check",
    "plan",
    "solve",
]
