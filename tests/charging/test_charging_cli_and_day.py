"""``voltroute charge-plan`` and building the overnight problem from a planned day."""

from __future__ import annotations

import json

import pytest

from voltroute.charging import check_charging_plan, from_solution, plan_depot_charging
from voltroute.cli.main import main
from voltroute.energy.physics import usable_battery_kwh


@pytest.fixture(scope="module")
def planned_day(small_problem):
    from voltroute.api import plan

    return small_problem, plan(small_problem, time_limit_s=1, max_iterations=100)


def test_cli_small_fixture(data_dir, tmp_path, capsys):
    out, report = tmp_path / "plan.json", tmp_path / "plan.html"
    rc = main(
        [
            "charge-plan",
            str(data_dir / "charging" / "small.json"),
            "-o",
            str(out),
            "--html",
            str(report),
            "--time-limit",
            "10",
        ]
    )
    text = capsys.readouterr().out
    assert rc == 0
    assert "van-5" in text and "saving vs greedy" in text and "violation" not in text
    data = json.loads(out.read_text())
    assert data["plan"]["method"] == "milp"
    assert data["plan"]["baseline"]["method"] == "greedy"
    assert data["plan"]["total_cost"] < data["plan"]["baseline"]["total_cost"]
    page = report.read_text()
    assert page.count("<svg") == 1 + 6
    assert "site limit" in page
    assert "src=" not in page and "href=" not in page and "<script" not in page


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("bad_tariff.json", "tariff.periods.1: overlaps"),
        ("bad_vehicle.json", "vehicles.2.departure_s: must be after arrival_s"),
        ("missing.json", "file not found"),
    ],
)
def test_cli_bad_input_one_line_exit_2(data_dir, capsys, name, expect):
    rc = main(["charge-plan", str(data_dir / "charging" / name)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("voltroute: error: ")
    assert expect in err


def test_cli_needs_plan_or_problem_and_solution(capsys):
    assert main(["charge-plan", "--problem", "p.json"]) == 2
    assert "--solution" in capsys.readouterr().err


def test_from_solution_builds_overnight_problem(planned_day):
    problem, solution = planned_day
    cp = from_solution(problem, solution)
    electric = [
        r for r in solution.routes if problem.vehicle_type_by_id[r.vehicle_type].is_electric
    ]
    assert electric and len(cp.vehicles) == len(electric)
    for route, v in zip(electric, cp.vehicles, strict=True):
        pt = problem.vehicle_type_by_id[route.vehicle_type].powertrain
        usable = usable_battery_kwh(pt, problem.conditions.ambient_temp_c)
        assert v.id == route.vehicle
        assert v.arrival_soc_kwh == pytest.approx(route.steps[-1].soc_kwh)
        assert v.arrival_s >= route.steps[-1].arrival_s
        assert v.departure_s == problem.vehicle_type_by_id[route.vehicle_type].shift_start_s + 86400
        assert v.battery_kwh == pytest.approx(usable)
        assert v.required_soc_kwh == pytest.approx(
            min(usable, route.kpis["energy_kwh"] + pt.reserve_fraction * usable)
        )
    assert cp.site.chargers[0].count == len(cp.vehicles)
    assert cp.tariff.demand_charge_per_kw > 0
    plan = plan_depot_charging(cp, time_limit_s=5)
    assert check_charging_plan(cp, plan) == []
    assert plan.shortfall_kwh == 0


def test_from_solution_heavier_next_day_needs_charging(planned_day):
    problem, solution = planned_day
    cp = from_solution(problem, solution, next_day_energy=60.0, site_limit_kw=15.0)
    plan = plan_depot_charging(cp, time_limit_s=5)
    assert check_charging_plan(cp, plan) == []
    assert plan.grid_energy_kwh > 0 and plan.shortfall_kwh == 0
    assert max(plan.site_load_kw) <= 15.0 + 1e-6
    # charging waits for the cheap night, not the 16:00-21:00 peak
    peak_slots = [t for t, s in enumerate(plan.slot_start_s) if 57600 <= s % 86400 < 75600]
    assert all(plan.site_load_kw[t] < 1e-6 for t in peak_slots)


def test_cli_from_problem_and_solution(planned_day, data_dir, tmp_path, capsys):
    from voltroute.io import dump_solution

    _, solution = planned_day
    sol = tmp_path / "s.json"
    dump_solution(solution, sol)
    rc = main(
        [
            "charge-plan",
            "--problem",
            str(data_dir / "small_problem.json"),
            "--solution",
            str(sol),
            "--time-limit",
            "5",
        ]
    )
    assert rc == 0
    assert "greedy" in capsys.readouterr().out
