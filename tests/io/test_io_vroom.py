"""VROOM JSON input → Problem, Solution → VROOM output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voltroute.io.vroom import is_vroom_input, problem_from_vroom, solution_to_vroom, vroom_id
from voltroute.model import ProblemError, Route, Solution, Step, Unassigned

DATA = Path(__file__).resolve().parents[1] / "data"


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def test_recognition_by_content():
    assert is_vroom_input(load("vroom_small.json"))
    assert is_vroom_input(load("vroom_shipments.json"))
    assert not is_vroom_input({"depots": [], "stops": [], "vehicle_types": []})
    assert not is_vroom_input([1, 2])
    assert not is_vroom_input({"jobs": [], "vehicles": {}})


def test_small_input_mapping():
    p = problem_from_vroom(load("vroom_small.json"), name="berlin")
    assert p.name == "berlin"
    assert p.travel.model == "haversine" and p.matrices is None
    # depots: distinct start/end points in order of appearance
    assert [d.id for d in p.depots] == ["depot1", "depot2"]
    assert (p.depots[0].location.lon, p.depots[0].location.lat) == (13.40325, 52.49766)
    van, bike = p.vehicle_types
    assert (van.id, van.count, van.name) == ("1", 1, "e-van Kreuzberg")
    assert (van.capacity_kg, van.capacity_m3) == (800, 6.0)  # [kg, litres]
    assert (van.shift_start_s, van.shift_end_s) == (28800, 61200)
    assert (van.fixed_cost_per_day, van.driver_cost_per_hour, van.cost_per_km) == (120, 30, 0)
    assert (van.start_depot, van.end_depot_id) == ("depot1", "depot1")
    assert (bike.start_depot, bike.end_depot_id) == ("depot1", "depot2")
    assert (bike.capacity_kg, bike.capacity_m3) == (150, 1.2)

    stops = p.stop_by_id
    assert [s.id for s in p.stops] == ["11", "12", "13", "14", "15", "16"]
    s11 = stops["11"]
    assert (s11.location.lon, s11.location.lat) == (13.41874, 52.50118)
    assert s11.parcels[0].id == "p11"
    assert (s11.weight_kg, s11.volume_m3) == (12, pytest.approx(0.04))
    assert s11.address == "Oranienstr. 25"
    assert s11.vehicle_types is None  # no skills: any vehicle
    assert stops["12"].service_time_s == 150  # setup + service
    assert (stops["12"].time_window.start_s, stops["12"].time_window.end_s) == (36000, 43200)
    assert stops["13"].vehicle_types == ("2",)  # skill 1: only the bike has it
    assert stops["14"].vehicle_types == ()  # skills 7 and 9: nobody has 9
    assert stops["15"].weight_kg == 20  # deprecated "amount" read as delivery
    assert stops["16"].weight_kg == 0 and stops["16"].time_window is None
    # depots close when the last shift can end
    assert all(d.close_s is None for d in p.depots)  # VROOM: no window means no limit


def test_default_preset_fields_fill_and_are_overridden():
    obj = load("vroom_small.json")
    fields = {"capacity_kg": 999, "capacity_m3": 1.0, "driver_cost_per_hour": 22.5, "name": "x"}
    van, bike = problem_from_vroom(obj, default_preset_fields=fields).vehicle_types
    assert van.capacity_kg == 800 and van.driver_cost_per_hour == 30  # VROOM wins
    assert bike.driver_cost_per_hour == 22.5  # no costs in VROOM: preset's
    assert bike.name == "cargo bike"
    with pytest.raises(ProblemError) as err:
        problem_from_vroom(obj, default_preset_fields={"wheels": 4})
    assert str(err.value) == "vehicles.0.wheels: is not a known field"


def test_one_dimensional_amounts_keep_volume_free():
    obj = load("vroom_matrix.json")
    p = problem_from_vroom(obj)
    (vt,) = p.vehicle_types
    assert (vt.capacity_kg, vt.capacity_m3) == (10, 0)
    assert all(s.volume_m3 == 0 for s in p.stops)


def test_custom_matrices_follow_problem_order():
    obj = load("vroom_matrix.json")
    p = problem_from_vroom(obj)
    assert p.travel.model == "matrix"
    # problem order: depot (index 0), jobs 1, 2, 3 (indices 2, 3, 1)
    order = [0, 2, 3, 1]
    dur = obj["matrices"]["car"]["durations"]
    dist = obj["matrices"]["car"]["distances"]
    for a, ia in enumerate(order):
        for b, ib in enumerate(order):
            assert p.matrices.duration_s[a, b] == dur[ia][ib]
            assert p.matrices.distance_m[a, b] == dist[ia][ib]


def test_legacy_matrix_estimates_distances():
    obj = load("vroom_matrix.json")
    obj["matrix"] = obj.pop("matrices")["car"]["durations"]
    p = problem_from_vroom(obj)
    assert p.matrices.duration_s[0, 1] == 600
    assert p.matrices.distance_m[0, 1] == pytest.approx(600 * 30 / 3.6)
    assert "estimated" in p.travel.source


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "vroom_bad_tw.json",
            "jobs.1.time_windows.0: end (39600) must not be before start (43200)",
        ),
        ("vroom_missing_location.json", "jobs.1.location: is required"),
        ("vroom_multi_tw.json", "jobs.3.time_windows: only one time window per job is supported"),
        ("vroom_shipments.json", "shipments: not supported yet"),
    ],
)
def test_malformed_files_give_one_line_errors(name, message):
    with pytest.raises(ProblemError) as err:
        problem_from_vroom(load(name))
    assert str(err.value) == message
    assert "\n" not in str(err.value)


def mutate(change) -> dict:
    obj = load("vroom_small.json")
    change(obj)
    return obj


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda o: o["jobs"][2].update(location=[52.49, 13.42]), None),  # fine: lat 13.42 valid
        (lambda o: o["jobs"][2].update(location=[13.42, 152.49]), "jobs.2.location"),
        (lambda o: o["jobs"][2].update(location="13.4,52.5"), "jobs.2.location"),
        (lambda o: o["jobs"][1].update(id=11), "jobs.1.id"),
        (lambda o: o["jobs"][1].update(id="a"), "jobs.1.id"),
        (lambda o: o["jobs"][0].update(delivery=[1, 2, 3]), "jobs.0.delivery"),
        (lambda o: o["jobs"][0].update(delivery=[1]), "jobs.0.delivery"),
        (lambda o: o["jobs"][0].update(delivery=[-1, 2]), "jobs.0.delivery.0"),
        (lambda o: o["jobs"][0].update(pickup=[1, 0]), "jobs.0.pickup"),
        (lambda o: o["jobs"][0].update(service=-5), "jobs.0.service"),
        (lambda o: o["vehicles"][0].pop("end"), "vehicles.0.end"),
        (lambda o: o["vehicles"][1].pop("start"), "vehicles.1.start"),
        (lambda o: o["vehicles"][1].update(id=1), "vehicles.1.id"),
        (lambda o: o["vehicles"][1].update(profile="bike"), "vehicles.1.profile"),
        (lambda o: o["vehicles"][0].update(breaks=[{"id": 1}]), "vehicles.0.breaks"),
        (lambda o: o["vehicles"][0].update(time_window=[5, 1]), "vehicles.0.time_window"),
        (lambda o: o["vehicles"][0].pop("capacity"), "vehicles.0.capacity"),
        (lambda o: o.update(vehicles=[]), "vehicles"),
        (lambda o: o.update(matrix=[[0, 1], [1, 0]]), "vehicles.0.start_index"),
    ],
)
def test_invalid_fields_are_named(change, field):
    obj = mutate(change)
    if field is None:
        problem_from_vroom(obj)
        return
    with pytest.raises(ProblemError) as err:
        problem_from_vroom(obj)
    assert err.value.field == field, str(err.value)
    assert "\n" not in str(err.value)


def test_matrix_index_out_of_range():
    obj = load("vroom_matrix.json")
    obj["jobs"][0]["location_index"] = 9
    with pytest.raises(ProblemError) as err:
        problem_from_vroom(obj)
    assert err.value.field == "matrices.car.durations" and "jobs.0" in err.value.rule


def matrix_solution() -> Solution:
    """Vehicle 7 serves jobs 1 then 2 (waiting for 2's window); job 3 is left out."""
    steps = (
        Step(kind="start", id="depot1", arrival_s=28800, service_start_s=28800,
             departure_s=28800, load_kg=5),
        Step(kind="stop", id="1", arrival_s=29400, service_start_s=29400, departure_s=29700,
             distance_m=5000, load_kg=3),
        Step(kind="stop", id="2", arrival_s=30600, service_start_s=31000, departure_s=31300,
             wait_s=400, distance_m=12200, load_kg=0),
        Step(kind="end", id="depot1", arrival_s=32000, service_start_s=32000,
             departure_s=32000, distance_m=18200),
    )  # fmt: skip
    return Solution(
        routes=(Route(vehicle="7-1", vehicle_type="7", stops=("1", "2"), steps=steps),),
        unassigned=(Unassigned(stop="3", parcels=("p3",), reason="capacity"),),
        solver={"runtime_s": 0.25},
    )


def test_solution_output_shape_and_totals():
    p = problem_from_vroom(load("vroom_matrix.json"))
    out = solution_to_vroom(matrix_solution(), p)
    assert out["code"] == 0
    assert out["unassigned"] == [{"id": 3, "location": [2.3748, 48.71002], "type": "job"}]
    (route,) = out["routes"]
    assert route["vehicle"] == 7
    assert route["delivery"] == route["amount"] == [5]
    assert (route["service"], route["duration"], route["waiting_time"]) == (600, 2200, 400)
    assert route["distance"] == 18200
    assert [s["type"] for s in route["steps"]] == ["start", "job", "job", "end"]
    assert [s.get("id") for s in route["steps"]] == [None, 1, 2, None]
    assert [s["arrival"] for s in route["steps"]] == [28800, 29400, 30600, 32000]
    assert [s["duration"] for s in route["steps"]] == [0, 600, 1500, 2200]
    assert [s["load"] for s in route["steps"]] == [[5], [3], [0], [0]]
    assert [s["distance"] for s in route["steps"]] == [0, 5000, 12200, 18200]
    assert route["steps"][2]["waiting_time"] == 400 and route["steps"][2]["service"] == 300
    assert route["steps"][0]["location"] == [2.35044, 48.71764]
    assert route["cost"] == 0  # no costs in the input and no kpis
    s = out["summary"]
    assert (s["routes"], s["unassigned"], s["delivery"]) == (1, 1, [5])
    assert (s["service"], s["duration"], s["waiting_time"], s["distance"]) == (
        600,
        2200,
        400,
        18200,
    )
    assert s["computing_times"] == {"loading": 0, "solving": 250, "routing": 0}
    json.dumps(out)  # plain JSON types only


def test_solution_cost_from_kpis_or_vehicle_costs_and_two_dims():
    p = problem_from_vroom(load("vroom_matrix.json"))
    sol = matrix_solution()
    with_kpi = sol.replace(routes=[sol.routes[0].replace(kpis={"cost": 41.6})])
    out = solution_to_vroom(with_kpi, p, computing_times_ms={"loading": 3, "solving": 7})
    assert out["routes"][0]["cost"] == 42 and out["summary"]["cost"] == 42
    assert out["summary"]["computing_times"] == {"loading": 3, "solving": 7, "routing": 0}
    breakdown = {"fixed": 10.0, "driver": 20.0, "total": 30.4}  # the checker's cost KPI
    with_kpi = sol.replace(routes=[sol.routes[0].replace(kpis={"cost": breakdown})])
    assert solution_to_vroom(with_kpi, p)["routes"][0]["cost"] == 30
    costly = p.replace(
        vehicle_types=[
            p.vehicle_types[0].replace(
                fixed_cost_per_day=100, driver_cost_per_hour=36, cost_per_km=2
            )
        ]
    )
    out = solution_to_vroom(sol, costly, computing_times_ms=12)
    # 100 + 36 * 2200 s / 3600 + 2 * 18.2 km
    assert out["routes"][0]["cost"] == round(100 + 22 + 36.4)
    assert out["summary"]["computing_times"]["solving"] == 12

    small = problem_from_vroom(load("vroom_small.json"))
    steps = (
        Step(kind="start", id="depot1", arrival_s=30000, service_start_s=30000,
             departure_s=30000, load_kg=12, load_m3=0.04),
        Step(kind="stop", id="11", arrival_s=30300, service_start_s=30300, departure_s=30480,
             distance_m=1500),
        Step(kind="end", id="depot1", arrival_s=30800, service_start_s=30800,
             departure_s=30800, distance_m=3000),
    )  # fmt: skip
    sol2 = Solution(routes=(Route(vehicle="1-1", vehicle_type="1", stops=("11",), steps=steps),))
    out = solution_to_vroom(sol2, small)
    route = out["routes"][0]
    assert route["delivery"] == [12, 40] and route["steps"][0]["load"] == [12, 40]
    assert route["description"] == "e-van Kreuzberg"
    assert route["steps"][1]["description"] == "Oranienstr. 25"


def test_solution_without_schedule_is_refused():
    p = problem_from_vroom(load("vroom_matrix.json"))
    sol = Solution(routes=(Route(vehicle="7-1", vehicle_type="7", stops=("1",)),))
    with pytest.raises(ProblemError) as err:
        solution_to_vroom(sol, p)
    assert err.value.field == "routes.0.steps"


def test_vroom_id():
    assert vroom_id("17") == 17
    assert vroom_id("0") == 0
    assert vroom_id("017") == "017"
    assert vroom_id("edv-2") == "edv-2"
