from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from voltroute.io import problem_from_dict
from voltroute.model import (
    Depot,
    Location,
    Parcel,
    Problem,
    ProblemError,
    Stop,
    TimeWindow,
    VehicleType,
)


def _problem(**over):
    base = dict(
        depots=[Depot(id="d", location=Location(lat=60.17, lon=24.94))],
        stops=[
            Stop(
                id="s1",
                location=Location(lat=60.18, lon=24.95),
                parcels=[Parcel(id="p1", weight_kg=2.0, volume_m3=0.01)],
            )
        ],
        vehicle_types=[VehicleType(id="v", capacity_kg=500, capacity_m3=5, start_depot="d")],
    )
    base.update(over)
    return Problem(**base)


def test_valid_problem_is_immutable():
    p = _problem()
    with pytest.raises(ValidationError, match="frozen"):
        p.name = "other"  # type: ignore[misc]
    assert p.stop_index == {"s1": 1}
    assert p.num_parcels == 1


def test_replace_revalidates():
    p = _problem()
    q = p.replace(name="renamed")
    assert q.name == "renamed" and p.name == "problem"
    with pytest.raises(ValidationError, match="vehicle_types"):
        p.replace(vehicle_types=[])


def test_time_window_order_named():
    with pytest.raises(ValueError, match=r"end_s \(5\) must not be before start_s \(10\)"):
        TimeWindow(start_s=10, end_s=5)


def test_location_needs_one_pair():
    with pytest.raises(ValueError, match="either lat/lon or x/y"):
        Location(lat=1, lon=2, x=3, y=4)
    with pytest.raises(ValueError, match="lat and lon must both"):
        Location(lat=1)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"stops": [{"id": "a b"}]}, "stops.0"),
        ({"depots": []}, "depots"),
    ],
)
def test_from_dict_errors_are_one_line_with_field(data, field):
    base = {
        "depots": [{"id": "d", "location": {"lat": 0, "lon": 0}}],
        "vehicle_types": [{"id": "v", "capacity_kg": 1, "capacity_m3": 1, "start_depot": "d"}],
    }
    base.update(data)
    with pytest.raises(ProblemError) as exc:
        problem_from_dict(base)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(field)


def test_unknown_depot_reference():
    with pytest.raises(ValueError, match="vehicle_types.0.start_depot: unknown depot id 'x'"):
        _problem(vehicle_types=[VehicleType(id="v", capacity_kg=1, capacity_m3=1, start_depot="x")])


def test_matrix_shape_checked():
    with pytest.raises(ValueError, match="must be 2x2"):
        _problem(travel={"model": "matrix"}, matrices={"distance_m": [[0]], "duration_s": [[0]]})


def test_preset_fills_and_overrides():
    p = problem_from_dict(
        {
            "depots": [{"id": "d", "location": {"lat": 60, "lon": 24}}],
            "vehicle_types": [
                {
                    "id": "e",
                    "preset": "ford-e-transit",
                    "start_depot": "d",
                    "count": 3,
                    "powertrain": {"kind": "electric", "reserve_fraction": 0.2},
                }
            ],
        }
    )
    vt = p.vehicle_types[0]
    assert vt.is_electric and vt.count == 3 and vt.capacity_kg > 0
    assert vt.powertrain.reserve_fraction == 0.2
    assert vt.powertrain.battery_usable_kwh > 0  # kept from the preset


weights = st.floats(min_value=0, max_value=1e4, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(weights, st.floats(0, 10)), min_size=1, max_size=8))
def test_stop_totals_are_sums(parcels):
    stop = Stop(
        id="s",
        location=Location(lat=0, lon=0),
        parcels=[Parcel(id=f"p{i}", weight_kg=w, volume_m3=v) for i, (w, v) in enumerate(parcels)],
    )
    assert stop.weight_kg == pytest.approx(sum(w for w, _ in parcels))
    assert stop.volume_m3 == pytest.approx(sum(v for _, v in parcels))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_time_window_accepts_exactly_ordered(a, b):
    if b >= a:
        assert TimeWindow(start_s=a, end_s=b).end_s == b
    else:
        with pytest.raises(ValueError):
            TimeWindow(start_s=a, end_s=b)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=6))
def test_duplicate_stop_ids_always_refused(ids):
    stops = [
        Stop(
            id=i,
            location=Location(lat=0, lon=0),
            parcels=[Parcel(id=f"p{k}", weight_kg=1, volume_m3=0)],
        )
        for k, i in enumerate(ids)
    ]
    if len(set(ids)) == len(ids):
        assert len(_problem(stops=stops).stops) == len(ids)
    else:
        with pytest.raises(ValueError, match="duplicate stop id"):
            _problem(stops=stops)
