"""Matrices from locations: haversine, and Euclidean rounding exactly as PyVRP reads VRPLIB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voltroute.model import (
    Depot,
    Location,
    Matrices,
    Parcel,
    Problem,
    Stop,
    Travel,
    VehicleType,
)
from voltroute.network import haversine_matrix_m, matrices_from_locations, travel_matrices
from voltroute.network.matrices import apply_rounding, euclidean_matrix

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _problem(locs: list[Location], travel: Travel, matrices: Matrices | None = None) -> Problem:
    depot = Depot(id="d", location=locs[0])
    stops = tuple(
        Stop(id=f"s{i}", location=loc, parcels=(Parcel(id=f"p{i}", weight_kg=1, volume_m3=0.01),))
        for i, loc in enumerate(locs[1:], start=1)
    )
    vt = VehicleType(id="van", capacity_kg=100, capacity_m3=5, start_depot="d")
    return Problem(
        depots=(depot,), stops=stops, vehicle_types=(vt,), travel=travel, matrices=matrices
    )


def test_haversine_problem() -> None:
    locs = [
        Location(lat=60.17, lon=24.94),
        Location(lat=60.20, lon=24.90),
        Location(lat=60.16, lon=24.99),
    ]
    travel = Travel(model="haversine", circuity=1.4, speed_kph=36.0)
    m = travel_matrices(_problem(locs, travel))
    great = haversine_matrix_m([p.lat for p in locs], [p.lon for p in locs])
    # whole metres and seconds
    np.testing.assert_array_equal(m.distance_m, np.rint(great * 1.4))
    np.testing.assert_array_equal(m.duration_s, np.rint(great * 1.4 / 10.0))  # 36 km/h = 10 m/s
    assert np.all(np.diag(m.distance_m) == 0)


def test_haversine_duration_equals_distance() -> None:
    locs = [Location(lat=0, lon=0), Location(lat=0, lon=1)]
    m = matrices_from_locations(locs, Travel(model="haversine", duration_equals_distance=True))
    assert np.array_equal(m.distance_m, m.duration_s)


def test_haversine_needs_geographic_locations() -> None:
    with pytest.raises(ValueError, match="lat/lon"):
        matrices_from_locations([Location(x=0, y=0), Location(x=3, y=4)], Travel(model="haversine"))


def test_matrix_model_returns_the_problem_matrices() -> None:
    locs = [Location(lat=0, lon=0), Location(lat=0, lon=1)]
    given = Matrices(distance_m=[[0, 5], [7, 0]], duration_s=[[0, 1], [2, 0]])
    problem = _problem(locs, Travel(model="matrix"), given)
    assert travel_matrices(problem) is problem.matrices
    with pytest.raises(ValueError, match="explicit"):
        matrices_from_locations(locs, Travel(model="matrix"))


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        ("none", 5.385164807134504),
        ("round", 5.0),
        ("trunc", 5.0),
        ("dimacs", 53.0),
        ("exact", 5385.0),
    ],
)
def test_euclidean_rounding_rules(rounding: str, expected: float) -> None:
    locs = [Location(x=0, y=0), Location(x=2, y=5)]  # sqrt(29) = 5.385...
    travel = Travel(model="euclidean", rounding=rounding, duration_equals_distance=True)
    m = matrices_from_locations(locs, travel)
    assert m.distance_m[0, 1] == pytest.approx(expected, rel=1e-15)
    assert np.array_equal(m.distance_m, m.duration_s)


def test_euclidean_duration_from_speed() -> None:
    locs = [Location(x=0, y=0), Location(x=300, y=400)]
    m = matrices_from_locations(locs, Travel(model="euclidean", speed_kph=18.0))
    assert m.distance_m[0, 1] == 500.0
    assert m.duration_s[0, 1] == pytest.approx(100.0)  # 18 km/h = 5 m/s


def test_exact_integer_distances_are_not_truncated_down() -> None:
    # 3-4-5 triangles: a formula with cancellation could give 4.999... and truncate to 4.
    xs = np.array([0.0, 3.0, 1e4, 1e4 + 3.0])
    ys = np.array([0.0, 4.0, 1e4, 1e4 + 4.0])
    d = apply_rounding(euclidean_matrix(xs, ys), "trunc")
    assert d[0, 1] == 5.0 and d[2, 3] == 5.0


def test_unknown_rounding() -> None:
    with pytest.raises(ValueError, match="rounding"):
        apply_rounding(np.zeros((2, 2)), "ceil")


def test_large_euclidean_is_fast_and_exact() -> None:
    rng = np.random.default_rng(0)
    xy = rng.integers(0, 1000, size=(1500, 2)).astype(float)
    locs = [Location(x=x, y=y) for x, y in xy]
    m = matrices_from_locations(locs, Travel(model="euclidean", rounding="round"))
    ref = np.round(np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]))
    assert np.array_equal(m.distance_m, ref)


def _pyvrp_case(name: str, rounding: str) -> tuple[np.ndarray, np.ndarray]:
    pyvrp = pytest.importorskip("pyvrp")
    vrplib = pytest.importorskip("vrplib")
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"shared data not available: {path} (../shared/data from the project root)")
    coords = vrplib.read_instance(str(path))["node_coord"]
    locs = [Location(x=float(x), y=float(y)) for x, y in coords]
    ours = matrices_from_locations(
        locs, Travel(model="euclidean", rounding=rounding, duration_equals_distance=True)
    )
    theirs = pyvrp.read(str(path), round_func=rounding).distance_matrix(0)
    return ours.distance_m, np.asarray(theirs)


@pytest.mark.parametrize("rounding", ["round", "trunc", "exact"])
def test_euclidean_matches_pyvrp_on_x_instance(rounding: str) -> None:
    ours, theirs = _pyvrp_case("cvrp/X/X-n101-k25.vrp", rounding)
    assert ours.shape == (101, 101)
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("instance", ["C101", "R102", "RC201"])
def test_euclidean_dimacs_matches_pyvrp_on_solomon(instance: str) -> None:
    ours, theirs = _pyvrp_case(f"vrptw/solomon/{instance}.vrp", "dimacs")
    assert np.array_equal(ours, theirs)
