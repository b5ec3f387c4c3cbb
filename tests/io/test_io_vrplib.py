"""VRPLIB reader and CVRPLIB solution reader/writer, checked field by field against pyvrp.read."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

pyvrp = pytest.importorskip("pyvrp")

from voltroute.io.vrplib import (  # noqa: E402
    default_rounding,
    euclidean_distance,
    read_vrplib,
    read_vrplib_solution,
    scale_values,
    solution_to_vrplib_text,
    write_vrplib_solution,
)
from voltroute.model import Problem, ProblemError, Route, Solution  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
INT_MAX = np.iinfo(np.int64).max


def shared(rel: str) -> Path:
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"reference data {rel} not available (needs ../shared/data)")
    return path


def assert_matches_pyvrp(path: Path, round_func: str | None = None) -> Problem:
    """read_vrplib(path) and pyvrp.read(path) agree on every field voltroute represents."""
    problem = read_vrplib(path, round_func=round_func)
    how = problem.travel.rounding
    data = pyvrp.read(path, round_func=how)
    nd = len(problem.depots)

    assert data.num_depots == nd
    assert data.num_clients == len(problem.stops)
    assert data.num_locations == problem.num_locations

    # Same location order; pyvrp stores coordinates scaled by the rounding convention.
    locs = problem.locations
    for i, loc in enumerate(locs):
        assert data.locations()[i].x == scale_values(loc.x, how)
        assert data.locations()[i].y == scale_values(loc.y, how)

    # Travel: pyvrp's distance matrix is the rounded Euclidean distance, duration equals it.
    assert problem.travel.model == "euclidean"
    assert problem.travel.duration_equals_distance
    xy = np.array([loc.xy for loc in locs])
    ours = scale_values(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)), how)
    np.testing.assert_array_equal(np.asarray(data.distance_matrix(0)), ours)
    np.testing.assert_array_equal(np.asarray(data.duration_matrix(0)), ours)
    assert euclidean_distance(locs[0].xy, locs[1].xy, how) == ours[0, 1]

    has_tw = any(s.time_window is not None for s in problem.stops)
    for client, stop in zip(data.clients(), problem.stops, strict=True):
        assert client.location == problem.stop_index[stop.id]
        assert len(stop.parcels) == 1 and stop.parcels[0].volume_m3 == 0
        assert list(client.delivery) == [scale_values(stop.weight_kg, how)]
        assert client.service_duration == stop.service_time_s
        if stop.time_window is None:
            assert (client.tw_early, client.tw_late) == (0, INT_MAX)
        else:
            assert client.tw_early == stop.time_window.start_s
            assert client.tw_late == stop.time_window.end_s
        assert client.required == stop.required

    assert len(data.vehicle_types()) == len(problem.vehicle_types)
    total = 0
    for pv, vt in zip(data.vehicle_types(), problem.vehicle_types, strict=True):
        total += vt.count
        assert pv.num_available == vt.count
        assert list(pv.capacity) == [scale_values(vt.capacity_kg, how)]
        assert vt.capacity_m3 == 0
        assert pv.fixed_cost == vt.fixed_cost_per_day
        assert pv.unit_distance_cost == pytest.approx(vt.cost_per_km / 1000)
        assert pv.start_depot == problem.depot_index[vt.start_depot]
        assert pv.end_depot == problem.depot_index[vt.end_depot_id]
        if has_tw:
            assert (pv.tw_early, pv.tw_late) == (vt.shift_start_s, vt.shift_end_s)
            depot = problem.depots[problem.depot_index[vt.start_depot]]
            assert (depot.open_s, depot.close_s) == (0, None)  # the shift carries the window
    assert total == data.num_vehicles
    return problem


# ---- fixtures shipped with the project (always run) ----


def test_cvrp_fixture_matches_pyvrp():
    problem = assert_matches_pyvrp(DATA / "vrplib_cvrp8.vrp")
    assert problem.name == "vrplib_cvrp8"
    assert problem.travel.rounding == "round"
    assert [d.id for d in problem.depots] == ["1"]
    assert [s.id for s in problem.stops] == [str(n) for n in range(2, 10)]
    assert [s.parcels[0].id for s in problem.stops][:2] == ["p2", "p3"]
    assert problem.stops[0].weight_kg == 4
    (vt,) = problem.vehicle_types
    assert (vt.count, vt.capacity_kg, vt.cost_per_km) == (8, 16, 1000)  # count = clients
    # no time windows: no limit on the day, as in PyVRP
    assert problem.stops[0].time_window is None
    assert vt.shift_end_s is None and problem.depots[0].close_s is None


def test_vrptw_fixture_matches_pyvrp_with_dimacs_scaling():
    problem = assert_matches_pyvrp(DATA / "vrplib_vrptw6.vrp")
    assert problem.travel.rounding == "dimacs"
    first = problem.stops[0]
    assert first.service_time_s == 100  # SERVICE_TIME 10, x10
    assert (first.time_window.start_s, first.time_window.end_s) == (100, 600)
    assert (problem.depots[0].open_s, problem.depots[0].close_s) == (0, None)
    (vt,) = problem.vehicle_types
    assert (vt.count, vt.capacity_kg, vt.shift_start_s, vt.shift_end_s) == (3, 50, 0, 2300)


@pytest.mark.parametrize("how", ["round", "trunc", "exact", "none"])
def test_vrptw_fixture_other_roundings(how):
    problem = read_vrplib(DATA / "vrplib_vrptw6.vrp", round_func=how)
    assert problem.travel.rounding == how
    factor = {"round": 1, "trunc": 1, "exact": 1000, "none": 1}[how]
    assert problem.stops[0].service_time_s == 10 * factor
    if how != "none":
        assert_matches_pyvrp(DATA / "vrplib_vrptw6.vrp", how)


def test_hfvrp_fixture_vehicle_types():
    problem = assert_matches_pyvrp(DATA / "vrplib_hfvrp4.vrp")
    assert problem.travel.rounding == "exact"
    small, big = problem.vehicle_types
    assert (small.id, small.count, small.capacity_kg) == ("type1", 2, 10)
    assert (big.id, big.count, big.capacity_kg) == ("type2", 1, 20)
    # fixed costs scaled like PyVRP (exact: x1000), unit costs not: cost per metre = unit cost
    assert (small.fixed_cost_per_day, small.cost_per_km) == (100_000, 1000)
    assert (big.fixed_cost_per_day, big.cost_per_km) == (150_000, 2000)


def test_default_rounding_rules():
    assert default_rounding({"time_window": 1}) == "dimacs"
    assert default_rounding({"type": "HFVRP"}) == "exact"
    assert default_rounding({"vehicles_unit_distance_cost": 1}) == "exact"
    assert default_rounding({"type": "CVRP"}) == "round"


def test_fixture_solution_cost_and_round_trip(tmp_path):
    problem = read_vrplib(DATA / "vrplib_cvrp8.vrp")
    sol = read_vrplib_solution(DATA / "vrplib_cvrp8.sol", problem)
    assert [r.stops for r in sol.routes] == [("2", "3", "4"), ("5", "6", "7"), ("8", "9")]
    assert [r.vehicle for r in sol.routes] == ["type1-1", "type1-2", "type1-3"]
    assert sol.solver["reported_cost"] == 399
    assert route_distance_cost(problem, sol) == 399
    assert not sol.unassigned

    out = tmp_path / "out.sol"
    write_vrplib_solution(sol, problem, 399, out)
    assert out.read_text() == (DATA / "vrplib_cvrp8.sol").read_text()
    again = read_vrplib_solution(out, problem)
    assert again.routes == sol.routes


def test_hfvrp_writer_aligns_routes_with_vehicles():
    problem = read_vrplib(DATA / "vrplib_hfvrp4.vrp")
    sol = Solution(
        routes=(
            Route(vehicle="type2-1", vehicle_type="type2", stops=("3", "2")),
            Route(vehicle="type1-2", vehicle_type="type1", stops=("4",)),
        ),
    )
    buf = io.StringIO()
    write_vrplib_solution(sol, problem, 3524.26, buf)
    assert buf.getvalue() == "Route #1:\nRoute #2: 3\nRoute #3: 2 1\nCost 3524.26\n"
    path = DATA / "vrplib_hfvrp4.sol"
    back = read_vrplib_solution(path, problem)
    assert [(r.vehicle, r.vehicle_type, r.stops) for r in back.routes] == [
        ("type1-2", "type1", ("4",)),
        ("type2-1", "type2", ("3", "2")),
    ]
    assert back.unassigned[0].stop == "5"


def test_writer_without_cost_and_unknown_stop():
    problem = read_vrplib(DATA / "vrplib_cvrp8.vrp")
    sol = Solution(routes=(Route(vehicle="type1-1", vehicle_type="type1", stops=("9", "2")),))
    assert solution_to_vrplib_text(sol, problem, None) == "Route #1: 8 1\n"
    bad = Solution(routes=(Route(vehicle="type1-1", vehicle_type="type1", stops=("x",)),))
    with pytest.raises(ProblemError) as err:
        solution_to_vrplib_text(bad, problem, None)
    assert err.value.field == "routes.0.stops" and "\n" not in str(err.value)


def test_errors_are_one_line_problem_errors(tmp_path):
    with pytest.raises(ProblemError) as err:
        read_vrplib(DATA / "vrplib_cvrp8.vrp", round_func="ceil")
    assert err.value.field == "round_func"
    with pytest.raises(ProblemError) as err:
        read_vrplib(tmp_path / "missing.vrp")
    assert "file not found" in str(err.value)

    backhaul = tmp_path / "vrpb.vrp"
    text = (
        (DATA / "vrplib_cvrp8.vrp")
        .read_text()
        .replace(
            "DEPOT_SECTION",
            "BACKHAUL_SECTION\n" + "".join(f"{i} 0\n" for i in range(1, 10)) + "DEPOT_SECTION",
        )
    )
    backhaul.write_text(text)
    with pytest.raises(ProblemError) as err:
        read_vrplib(backhaul)
    assert str(err.value) == "BACKHAUL_SECTION: backhauls are not supported yet"

    geo = tmp_path / "geo.vrp"
    geo.write_text((DATA / "vrplib_cvrp8.vrp").read_text().replace("EUC_2D", "GEO"))
    with pytest.raises(ProblemError) as err:
        read_vrplib(geo)
    assert err.value.field == "EDGE_WEIGHT_TYPE"

    problem = read_vrplib(DATA / "vrplib_cvrp8.vrp")
    bad_sol = tmp_path / "bad.sol"
    bad_sol.write_text("Route #1: 1 42\nCost 1\n")
    with pytest.raises(ProblemError) as err:
        read_vrplib_solution(bad_sol, problem)
    assert err.value.field == "Route #1" and "42" in err.value.rule
    twice = tmp_path / "twice.sol"
    twice.write_text("Route #1: 1 2\nRoute #2: 2\n")
    with pytest.raises(ProblemError, match="visited twice"):
        read_vrplib_solution(twice, problem)


def route_distance_cost(problem: Problem, sol: Solution) -> float:
    """Sum of rounded Euclidean legs over routes, depot legs included (single depot)."""
    depot = problem.depots[0].location.xy
    total = 0.0
    for route in sol.routes:
        pts = [depot] + [problem.stop_by_id[s].location.xy for s in route.stops] + [depot]
        total += sum(
            euclidean_distance(a, b, problem.travel.rounding)
            for a, b in zip(pts, pts[1:], strict=False)
        )
    return total


# ---- reference data (skipped when ../shared/data is absent) ----


@pytest.mark.parametrize(
    "rel",
    [
        "cvrp/X/X-n101-k25.vrp",
        "vrptw/solomon/C101.vrp",
        "vrptw/solomon/R102.vrp",
        "hfvrp/X101-FSMFD.vrp",
        "hfvrp/X110-HD.vrp",
    ],
)
def test_reference_instances_match_pyvrp(rel):
    assert_matches_pyvrp(shared(rel))


def test_x_instance_bks_cost_recomputed():
    path = shared("cvrp/X/X-n101-k25.vrp")
    problem = read_vrplib(path)
    sol = read_vrplib_solution(path.with_suffix(".sol"), problem)
    assert sol.solver["reported_cost"] == 27591
    assert not sol.unassigned
    assert sum(len(r.stops) for r in sol.routes) == 100
    assert route_distance_cost(problem, sol) == 27591
    assert problem.vehicle_types[0].count == 100  # X instances give no fleet size


def test_solomon_bks_cost_recomputed_with_dimacs():
    path = shared("vrptw/solomon/C101.vrp")
    problem = read_vrplib(path)
    sol = read_vrplib_solution(path.with_suffix(".sol"), problem)
    assert route_distance_cost(problem, sol) / 10 == pytest.approx(sol.solver["reported_cost"])


def test_hfvrp_bks_cost_recomputed_per_vehicle():
    """HFVRP BKS: route k is vehicle k; cost = (fixed + unit x unrounded distance) / 100."""
    path = shared("hfvrp/X101-FSMFD.vrp")
    problem = read_vrplib(path)  # exact: distances and fixed costs x1000
    sol = read_vrplib_solution(path.with_suffix(".sol"), problem)
    assert {r.vehicle_type for r in sol.routes} == {"type1", "type2", "type3", "type5"}
    depot = problem.depots[0].location.xy
    total = 0.0
    for route in sol.routes:
        vt = problem.vehicle_type_by_id[route.vehicle_type]
        pts = [depot] + [problem.stop_by_id[s].location.xy for s in route.stops] + [depot]
        dist = sum(math.dist(a, b) for a, b in zip(pts, pts[1:], strict=False))
        total += vt.fixed_cost_per_day / 1000 + vt.cost_per_km / 1000 * dist
    assert total / 100 == pytest.approx(sol.solver["reported_cost"], abs=0.01)
    # the writer reproduces the file's alignment (500 vehicle lines)
    text = solution_to_vrplib_text(sol, problem, sol.solver["reported_cost"])
    lines = text.splitlines()
    assert len(lines) == 501 and lines[400] == "Route #401: 81 83 52 91"
