"""End to end: the demo on the real Helsinki extract, reduced in size and search time."""

from __future__ import annotations

import json
import re

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

    # the light-vehicle day: its files read back and pass the checker, its report is linked
    light = load_problem(out / "light-problem.json")
    light_plan = load_solution(out / "light-solution.json")
    assert [s.id for s in light.stops] == [s.id for s in problem.stops]
    assert {f.base for f in light.light_fleets} == {"hub"} and len(light.depots) == 2
    light_report = check(light, light_plan)
    assert light_report.feasible, light_report.violations
    served = {s.stop for s in light_plan.sorties} | {x for r in light_plan.routes for x in r.stops}
    assert len(served) + light_report.kpis["unassigned"] == 40
    modes = json.loads((out / "light-comparison.json").read_text())
    assert [r["mode"] for r in modes] == ["van-only", "van+drones", "van+robots"]
    light_html = (out / "light-report.html").read_text()
    assert 'id="modes"' in light_html and "Drone flights" in light_html
    assert '<a href="light-report.html">' in html and 'id="modes"' in html

    # the middle mile: a row per truck type in the main report, each linked to its Gantt page
    table = html[html.index('id="linehaul-table"') :]
    table = table[: table.index("</table>")]
    links = re.findall(r'<a href="(linehaul/gantt-[a-z-]+\.html)">', table)
    assert len(links) == 4 == table.count('<td class="l"><span class="sw"')
    for link in links:
        assert (out / link).is_file()
    summary = json.loads((out / "linehaul" / "comparison.json").read_text())
    for row in summary["rows"]:
        assert row["truck_type"] in table
        assert f"{row['cost_per_parcel']:.3f}" in table
    assert "Texas Triangle" in html  # the notes say which network it is


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

    problem, roads = build_problem(n_stops=300, seed=1)
    winter, plan = plan_winter_day(
        problem, roads, time_limit_s=120, seed=1, max_iterations=100
    )  # deterministic: the iteration cap ends the search
    report = check(winter, plan)
    assert report.feasible, report.violations
    assert report.kpis["served"] + report.kpis["unassigned"] == 300
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


def test_light_day_flies_and_drives(tmp_path):
    """On the full 300-stop day the drone port flies and the micro-hub robots drive; the plan
    passes the checker, and the written GeoJSON and light report draw both kinds of sortie."""
    from voltroute.demo import LIGHT_NO_FLY_RADIUS_M, build_problem, plan_light_day, write_light_day
    from voltroute.network.geo import haversine_m

    problem, roads = build_problem(n_stops=300, seed=1)
    day = plan_light_day(problem, roads, time_limit_s=1, seed=1, compare=False)
    k = day.solution.kpis
    assert k["flights"] > 0 and k["robot_trips"] > 0, k
    report = check(day.problem, day.solution)
    assert report.feasible, report.violations
    assert report.kpis["flights"] == k["flights"]
    # no flight into the synthetic no-fly zone around the micro-hub
    hub = day.problem.depots[1].location
    for x in day.solution.sorties:
        if x.kind == "drone":
            s = day.problem.stop_by_id[x.stop]
            d = haversine_m(s.location.lat, s.location.lon, hub.lat, hub.lon)
            assert float(d) >= LIGHT_NO_FLY_RADIUS_M and not s.no_fly

    path = write_light_day(day, roads, tmp_path)
    geo = json.loads((tmp_path / "light-solution.geojson").read_text())
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds.count("flight") == k["flights"] and kinds.count("robot_trip") == k["robot_trips"]
    assert kinds.count("launch") == kinds.count("recovery") == len(day.solution.sorties)
    html = path.read_text()
    assert html.count('class="sortie drone"') == k["flights"]
    # a line per trip, but none to the micro-hub's own building (a trip of length zero)
    robots = [x for x in day.solution.sorties if x.kind == "robot"]
    at_hub = sum(day.problem.stop_by_id[x.stop].location == hub for x in robots)
    assert html.count('class="sortie robot"') == len(robots) - at_hub
    assert html.count('class="sc"') == len(day.solution.sorties)  # a ring at every customer
    assert html.count('class="unit drone"') == k["flights"]  # a timeline bar per flight
    assert "no-fly zone" in html  # the assumptions are in the report
