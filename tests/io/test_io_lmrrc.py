"""Amazon LMRRC importer: a hand-made fixture (always) and the shared real routes (if present)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voltroute.io.lmrrc import DENSITY_KG_PER_M3, import_route, list_routes
from voltroute.model import ProblemError

SMALL = Path(__file__).resolve().parents[1] / "data" / "lmrrc_small"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "amazon-lmrrc"


def test_density_is_139_cubic_inches_per_pound():
    assert abs(DENSITY_KG_PER_M3 - 199.1) < 0.1


def test_list_routes_in_file_order():
    assert list_routes(SMALL) == ["RouteID_small-a", "RouteID_small-b"]


def test_small_route_problem():
    problem, _ = import_route(SMALL, "RouteID_small-a")
    assert problem.name == "RouteID_small-a"
    assert problem.travel.model == "haversine" and problem.matrices is None
    (depot,) = problem.depots
    assert depot.id == "DSE9"
    assert (depot.location.lat, depot.location.lon) == (47.57832, -122.30217)
    assert [s.id for s in problem.stops] == ["AA", "BD", "CF", "DQ"]  # station excluded
    by = problem.stop_by_id

    aa = by["AA"]
    assert aa.parcels[0].id == "PackageID_a1"
    assert aa.volume_m3 == pytest.approx(0.006)  # 30 x 20 x 10 cm
    assert aa.weight_kg == pytest.approx(0.006 * DENSITY_KG_PER_M3, abs=1e-3)
    assert aa.service_time_s == 60
    assert aa.time_window is None  # NaN window

    bd = by["BD"]
    assert len(bd.parcels) == 2 and bd.volume_m3 == pytest.approx(0.021)
    assert bd.service_time_s == 91  # sum over packages
    # intersection of 16:00-23:00 and 16:00-20:00 UTC, seconds from midnight UTC
    assert (bd.time_window.start_s, bd.time_window.end_s) == (57600, 72000)
    assert by["CF"].time_window is None
    # a window ending after midnight UTC runs past 86400
    assert (by["DQ"].time_window.start_s, by["DQ"].time_window.end_s) == (61200, 95400)

    (vt,) = problem.vehicle_types
    assert (vt.id, vt.count, vt.start_depot) == ("van", 1, "DSE9")
    assert vt.capacity_m3 == pytest.approx(3.313071)
    assert vt.capacity_kg == pytest.approx(3.313071 * DENSITY_KG_PER_M3, abs=0.1)
    assert vt.shift_start_s == 15 * 3600 + 30 * 60


def test_small_route_actual_sequence():
    problem, solution = import_route(SMALL, "RouteID_small-a")
    (route,) = solution.routes
    assert route.stops == ("BD", "DQ", "AA", "CF")
    assert (route.vehicle, route.vehicle_type) == ("van-1", "van")
    assert route.steps == ()
    assert route.start_s == 55800
    assert solution.problem == problem.name and not solution.unassigned


def test_repeated_package_ids_are_disambiguated():
    problem, solution = import_route(SMALL, "RouteID_small-b")
    ids = [p.id for s in problem.stops for p in s.parcels]
    assert ids == ["PackageID_r1", "PackageID_r2", "PackageID_r2@RD"]
    assert solution.routes[0].stops == ("RD", "RB", "RC")
    assert problem.vehicle_types[0].shift_start_s == 16 * 3600 + 5 * 60 + 10


def test_vehicle_type_fields_are_merged():
    problem, solution = import_route(
        SMALL, "RouteID_small-a", vehicle_type_fields={"id": "edv", "capacity_kg": 1200.0}
    )
    (vt,) = problem.vehicle_types
    assert (vt.id, vt.capacity_kg) == ("edv", 1200.0)
    assert vt.capacity_m3 == pytest.approx(3.313071)
    assert solution.routes[0].vehicle == "edv-1"
    with pytest.raises(ProblemError) as err:
        import_route(SMALL, "RouteID_small-a", vehicle_type_fields={"count": 0})
    assert err.value.field == "vehicle_type_fields.count"


def test_errors_name_the_field(tmp_path):
    with pytest.raises(ProblemError) as err:
        import_route(SMALL, "X")
    assert str(err.value) == "route: unknown route id 'X'"
    with pytest.raises(ProblemError, match="file not found"):
        list_routes(tmp_path)

    for name in ("route_data.json", "package_data.json", "actual_sequences.json"):
        (tmp_path / name).write_text((SMALL / name).read_text())
    routes = json.loads((SMALL / "route_data.json").read_text().replace("NaN", "null"))
    routes["RouteID_small-a"]["departure_time_utc"] = "quarter past nine"
    (tmp_path / "route_data.json").write_text(json.dumps(routes))
    with pytest.raises(ProblemError) as err:
        import_route(tmp_path, "RouteID_small-a")
    assert err.value.field == "route_data.RouteID_small-a.departure_time_utc"


@pytest.fixture(scope="module")
def shared_dir() -> Path:
    if not (SHARED / "route_data.json").exists():
        pytest.skip("Amazon LMRRC reference data not available (needs ../shared/data)")
    return SHARED


def test_shared_routes_actual_sequence_covers_every_dropoff(shared_dir):
    routes = json.loads((shared_dir / "route_data.json").read_text())
    ids = list_routes(shared_dir)
    assert len(ids) == 8
    for route_id in ids:
        problem, solution = import_route(shared_dir, route_id)
        dropoffs = {sid for sid, s in routes[route_id]["stops"].items() if s["type"] == "Dropoff"}
        assert {s.id for s in problem.stops} == dropoffs
        (route,) = solution.routes
        assert len(route.stops) == len(dropoffs)
        assert set(route.stops) == dropoffs
        assert not solution.unassigned
        assert problem.vehicle_types[0].capacity_m3 > 2
        windows = [s.time_window for s in problem.stops if s.time_window is not None]
        assert all(0 <= w.start_s <= w.end_s <= 2 * 86_400 for w in windows)
        assert 0 < problem.vehicle_types[0].shift_start_s < 86_400
