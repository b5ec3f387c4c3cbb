"""Instances shared by the sidekick search tests."""

from __future__ import annotations

import numpy as np
import pytest

from voltroute.evaluate.sync import check_sync
from voltroute.solve.sidekick import SidekickInstance
from voltroute.solve.sidekick.plans import Plan
from voltroute.solve.sidekick.search import plan_solution


def grid(points: list[tuple[float, float]], drones: int = 2) -> SidekickInstance:
    """Euclidean times (van 1 unit/s, drone 2 units/s); van service 5 s, drone service 2 s,
    launch 1 s, recovery 3 s, no endurance limit, no same-node recovery (mFSTSP)."""
    xy = np.array(points, dtype=float)
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    n = len(points)
    return SidekickInstance(
        truck_time_s=d,
        truck_dist_m=d,
        drone_time_s=d / 2,
        drone_dist_m=d,
        drone_eligible=np.ones(n, dtype=bool),
        truck_service_s=np.r_[0.0, np.full(n - 1, 5.0)],
        drone_service_s=np.r_[0.0, np.full(n - 1, 2.0)],
        launch_s=1.0,
        recovery_s=3.0,
        num_drones=drones,
    )


def checked(inst: SidekickInstance, plan: Plan) -> float:
    """The plan's makespan, after ``check_sync`` found it feasible and agreeing with it."""
    sol = plan_solution(inst, plan)
    rep = check_sync(inst, sol)
    assert rep.feasible, rep.violations
    assert rep.makespan_s == pytest.approx(sol.makespan_s)
    return rep.makespan_s
