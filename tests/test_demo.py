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
