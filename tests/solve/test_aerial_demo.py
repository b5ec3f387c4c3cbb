"""The drone-and-robot demo function returns a checked plan and the mode comparison."""

from __future__ import annotations

from pathlib import Path

from voltroute.aerial_demo import light_demo
from voltroute.io.native import load_problem

SMALL = Path(__file__).resolve().parents[1] / "data" / "small_problem.json"


def test_light_demo_adds_fleets_plans_and_compares() -> None:
    plain = load_problem(SMALL)
    demo = light_demo(plain, time_limit_s=0.3, seed=1)
    assert demo.problem.drones and demo.problem.robots  # add_light_fleets was applied
    assert demo.solution.kpis["feasible"]
    assert demo.solution.solver["engine"] == "aerial"
    assert [r["mode"] for r in demo.comparison] == ["van-only", "van+drones", "van+robots"]
    assert all(r["served_parcels"] + r["unassigned_parcels"] == plain.num_parcels
               for r in demo.comparison)  # fmt: skip
    assert "van+robots" in demo.table
    quick = light_demo(demo.problem, time_limit_s=0.3, seed=1, compare=False)
    assert quick.problem is demo.problem and quick.comparison == [] and quick.table == ""
