"""voltroute hands PyVRP exactly the data plain PyVRP reads from a VRPLIB file.

This is what makes the side-by-side benchmark fair: on classic instances the only difference
between voltroute and plain PyVRP is voltroute's own layers around the search.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import pyvrp

from voltroute.io.vrplib import read_vrplib
from voltroute.solve import SolveParams
from voltroute.solve.pyvrp_engine import translate

DATA = Path(__file__).resolve().parents[1] / "data"
CLIENT = ["location", "delivery", "pickup", "service_duration", "tw_early", "tw_late",
          "release_time", "prize", "required"]  # fmt: skip
VEHICLE = ["num_available", "capacity", "start_depot", "end_depot", "fixed_cost", "tw_early",
           "tw_late", "shift_duration", "max_distance", "unit_distance_cost",
           "unit_duration_cost", "profile"]  # fmt: skip


def _fields(obj, names):
    return {n: getattr(obj, n) for n in names}


def assert_same_data(path: Path) -> None:
    problem = read_vrplib(path)
    ours = translate(problem, SolveParams()).data
    theirs = pyvrp.read(path, round_func=problem.travel.rounding)
    assert ours.num_profiles == theirs.num_profiles == 1
    assert np.array_equal(ours.distance_matrix(0), theirs.distance_matrix(0))
    assert np.array_equal(ours.duration_matrix(0), theirs.duration_matrix(0))
    assert [_fields(c, CLIENT) for c in ours.clients()] == [
        _fields(c, CLIENT) for c in theirs.clients()
    ]
    assert [_fields(ours.vehicle_type(i), VEHICLE) for i in range(ours.num_vehicle_types)] == [
        _fields(theirs.vehicle_type(i), VEHICLE) for i in range(theirs.num_vehicle_types)
    ]
    depot = ["location", "tw_early", "tw_late", "service_duration"]
    assert [_fields(d, depot) for d in ours.depots()] == [
        _fields(d, depot) for d in theirs.depots()
    ]


@pytest.mark.parametrize("name", ["vrplib_cvrp8.vrp", "vrplib_vrptw6.vrp", "vrplib_hfvrp4.vrp"])
def test_fixture_translation_equals_plain_pyvrp(name):
    assert_same_data(DATA / name)


@pytest.mark.parametrize(
    "rel",
    ["cvrp/X/X-n101-k25.vrp", "vrptw/solomon/C101.vrp", "hfvrp/X101-FSMFD.vrp",
     "vrptw/GH200/C1_2_1.vrp"],
)  # fmt: skip
def test_benchmark_translation_equals_plain_pyvrp(shared_data, rel):
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"{rel} not in the reference data")
    assert_same_data(path)
