"""Van + drone synchronisation (flying sidekick): instance, split DP, local search, schedule.

Public API::

    from voltroute.solve.sidekick import (
        SidekickInstance, SidekickParams, SidekickSolution, Sortie, solve_sidekick,
        plan_for_tour, schedule, warm_up,
    )
"""

from voltroute.solve.sidekick.instance import SidekickInstance
from voltroute.solve.sidekick.schedule import SidekickSolution, Sortie, schedule
from voltroute.solve.sidekick.search import (
    SidekickParams,
    plan_for_tour,
    solve_sidekick,
    warm_up,
)

__all__ = [
    "SidekickInstance",
    "SidekickParams",
    "SidekickSolution",
    "Sortie",
    "plan_for_tour",
    "schedule",
    "solve_sidekick",
    "warm_up",
]
