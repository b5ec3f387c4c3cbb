"""End to end: the demo on the real Helsinki extract, reduced in size and search time."""

from __future__ import annotations

import json

from voltroute.cli.main import main
from voltroute.evaluate import check
from voltroute.io import load_problem, load_solution


def test_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["demo", "--out", str(out), "--stops", "40", "--time-limit", "2",
                 "--compare-time-limit", "2"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    for strategy in ("diesel", "electric", "mixed"):
        assert strategy in printed
    problem = load_problem(out / "problem.json")
    solution = load_solution(out / "solution.json")
    assert len(problem.stops) == 40 and problem.travel.model == "matrix"
    # the written plan passes the independent checker read back from the written files
    report = check(problem, solution)
    assert report.feasible, report.violations
    assert report.kpis["served"] + report.kpis["unassigned"] == 40
    assert solution.kpis["cost"]["total"] == report.kpis["cost"]["total"]
    types = {problem.vehicle_type_by_id[r.vehicle_type].powertrain.kind for r in solution.routes}
    assert types <= {"electric", "diesel"}

    geo = json.loads((out / "solution.geojson").read_text())
    lines = [f for f in geo["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(solution.routes)
    html = (out / "report.html").read_text()
    assert html.count('data-vehicle="') >= len(solution.routes)
    assert "Fleet comparison" in html or "fleet comparison" in html.lower()
    rows = json.loads((out / "comparison.json").read_text())
    assert [r["strategy"] for r in rows] == ["diesel", "electric", "mixed"]
    assert '<a href="winter-report.html">' in html

    # the winter day: same orders at -10 °C, stations from the extract, checked from its files
    winter = load_problem(out / "winter-problem.json")
    winter_plan = load_solution(out / "winter-solution.json")
    assert winter.conditions.ambient_temp_c == -10 and len(winter.stations) == 4
    assert [s.id for s in winter.stops] == [s.id for s in problem.stops]
    assert winter_plan.solver["engine"] == "charging"  # engine="auto" picked it
    winter_report = check(winter, winter_plan)
    assert winter_report.feasible, winter_report.violations
    assert winter_report.kpis["served"] + winter_report.kpis["unassigned"] == 40
    winter_html = (out / "winter-report.html").read_text()
    assert 'id="charging"' in winter_html and 'class="station' in winter_html
    assert 'id="depot"' in winter_html  # the overnight plan of the winter vans


def test_winter_day_charges_on_the_way():
    """The winter day's plan passes the checker with at least one en-route charge, at one of the
    extract's real charging sites; the overnight depot plan for its vans is valid."""
    from voltroute.charging import check_charging_plan
    from voltroute.demo import (
        build_problem,
        charging_sites,
        depot_charging_plan,
        helsinki_pbf,
        plan_winter_day,
    )
    from voltroute.energy import usable_battery_kwh

    problem, roads = build_problem(n_stops=150, seed=1)
    winter, plan = plan_winter_day(
        problem, roads, time_limit_s=120, seed=1, max_iterations=100
    )  # deterministic: the iteration cap ends the search
    report = check(winter, plan)
    assert report.feasible, report.violations
    assert report.kpis["served"] + report.kpis["unassigned"] == 150
    charges = [(r, s) for r in plan.routes for s in r.steps if s.kind == "charge"]
    assert charges, "no van charged on the way"
    sites = {(round(x["lat"], 7), round(x["lon"], 7)) for x in charging_sites(helsinki_pbf())}
    for route, step in charges:
        station = winter.station_by_id[step.id]
        assert (station.location.lat, station.location.lon) in sites
        assert step.charged_kwh > 0 and step.charge_s > 0
        pt = winter.vehicle_type_by_id[route.vehicle_type].powertrain
        # energy binds: the route uses more than the cold battery holds above its reserve
        usable = usable_battery_kwh(pt, -10.0)
        assert usable < pt.battery_usable_kwh
        assert route.kpis["energy_kwh"] > usable * (1 - pt.reserve_fraction)
    depot = depot_charging_plan(winter, plan, time_limit_s=10)
    assert depot is not None
    charging, overnight = depot
    assert check_charging_plan(charging, overnight) == []
    assert overnight.peak_kw <= charging.site.power_limit_kw + 1e-6
    assert not overnight.shortfalls
