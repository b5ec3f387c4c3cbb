"""GeoJSON export of solutions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voltroute.io.geojson import solution_to_geojson
from voltroute.io.vrplib import read_vrplib
from voltroute.model import (
    Depot,
    Location,
    Parcel,
    Problem,
    ProblemError,
    Route,
    Solution,
    Step,
    Stop,
    Unassigned,
    VehicleType,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def problem() -> Problem:
    def stop(i: int, lat: float, lon: float) -> Stop:
        return Stop(
            id=f"s{i}",
            location=Location(lat=lat, lon=lon),
            parcels=(Parcel(id=f"p{i}", weight_kg=2, volume_m3=0.01),),
        )

    return Problem(
        name="lyon",
        depots=(Depot(id="hub", location=Location(lat=45.7640, lon=4.8357), name="Hub"),),
        stops=(
            stop(1, 45.7597, 4.8421),
            stop(2, 45.7702, 4.8503),
            stop(3, 45.7571, 4.8298),
            stop(4, 45.7489, 4.8366),
        ),
        vehicle_types=(
            VehicleType(id="van", count=2, capacity_kg=500, capacity_m3=5, start_depot="hub"),
        ),
    )


def solution() -> Solution:
    steps = (
        Step(kind="start", id="hub", arrival_s=28800, service_start_s=28800,
             departure_s=28800, load_kg=4, load_m3=0.02, soc_kwh=60),
        Step(kind="stop", id="s2", arrival_s=29200, service_start_s=29200,
             departure_s=29320, distance_m=1500, load_kg=2, load_m3=0.01, soc_kwh=59.4),
        Step(kind="stop", id="s1", arrival_s=29500, service_start_s=29500,
             departure_s=29620, distance_m=2700, load_kg=0, load_m3=0, soc_kwh=58.9),
        Step(kind="end", id="hub", arrival_s=29900, service_start_s=29900,
             departure_s=29900, distance_m=3600, soc_kwh=58.5),
    )  # fmt: skip
    return Solution(
        routes=(
            Route(
                vehicle="van-1",
                vehicle_type="van",
                stops=("s2", "s1"),
                steps=steps,
                kpis={"energy_kwh": 1.5, "cost": 31.2, "co2_kg": 0.56},
            ),
            Route(vehicle="van-2", vehicle_type="van", stops=("s3",)),
        ),
        unassigned=(Unassigned(stop="s4", parcels=("p4",), reason="time_window"),),
    )


def test_feature_collection_structure():
    gj = solution_to_geojson(solution(), problem())
    json.dumps(gj)
    assert gj["type"] == "FeatureCollection"
    kinds = [f["properties"]["kind"] for f in gj["features"]]
    assert kinds == ["depot", "route", "stop", "stop", "route", "stop", "unassigned"]
    lines = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == len(solution().routes)
    assert all(f["type"] == "Feature" for f in gj["features"])


def test_route_line_goes_depot_stops_depot_in_lon_lat():
    gj = solution_to_geojson(solution(), problem())
    first = next(f for f in gj["features"] if f["properties"]["kind"] == "route")
    assert first["geometry"]["coordinates"] == [
        [4.8357, 45.7640],
        [4.8503, 45.7702],
        [4.8421, 45.7597],
        [4.8357, 45.7640],
    ]
    props = first["properties"]
    assert props["vehicle"] == "van-1" and props["vehicle_type"] == "van"
    assert props["distance_m"] == 3600 and props["duration_s"] == 1100  # from steps
    assert (props["energy_kwh"], props["cost"], props["co2_kg"]) == (1.5, 31.2, 0.56)
    assert props["fuel_l"] is None
    assert props["parcels"] == 2
    assert props["colour"].startswith("#")


def test_stop_points_carry_schedule():
    gj = solution_to_geojson(solution(), problem())
    stops = [f["properties"] for f in gj["features"] if f["properties"]["kind"] == "stop"]
    assert [(s["stop"], s["vehicle"], s["sequence"]) for s in stops] == [
        ("s2", "van-1", 1),
        ("s1", "van-1", 2),
        ("s3", "van-2", 1),
    ]
    assert (stops[0]["arrival_s"], stops[0]["departure_s"]) == (29200, 29320)
    assert (stops[0]["load_kg"], stops[0]["load_m3"], stops[0]["soc_kwh"]) == (2, 0.01, 59.4)
    assert stops[2]["arrival_s"] is None  # route without schedule
    unassigned = gj["features"][-1]
    assert unassigned["properties"]["reason"] == "time_window"
    assert unassigned["geometry"]["coordinates"] == [4.8366, 45.7489]
    depot = gj["features"][0]
    assert depot["properties"]["id"] == "hub"
    assert depot["geometry"]["coordinates"] == [4.8357, 45.7640]


def test_geometry_callable_supplies_polyline():
    seen = []

    def road(points):
        seen.append(points)
        mid = ((points[0][0] + points[1][0]) / 2, points[0][1])
        return [points[0], mid, *points[1:]]

    gj = solution_to_geojson(solution(), problem(), geometry=road)
    assert seen[0][0] == (4.8357, 45.764) and len(seen) == 2
    first = next(f for f in gj["features"] if f["properties"]["kind"] == "route")
    assert len(first["geometry"]["coordinates"]) == 5


def test_planar_problems_are_refused():
    planar = read_vrplib(DATA / "vrplib_cvrp8.vrp")
    with pytest.raises(ProblemError) as err:
        solution_to_geojson(Solution(), planar)
    assert str(err.value) == "problem: GeoJSON needs lat/lon locations"


def test_cost_breakdown_kpi_gives_total():
    sol = solution()
    route = sol.routes[0].replace(kpis={"cost": {"fixed": 5.0, "driver": 7.5, "total": 12.5}})
    gj = solution_to_geojson(sol.replace(routes=[route, sol.routes[1]]), problem())
    props = gj["features"][1]["properties"]
    assert props["cost"] == 12.5 and props["cost_breakdown"]["driver"] == 7.5


def test_station_visits_are_drawn_and_marked():
    from voltroute.evaluate import annotate
    from voltroute.model import ChargingStation

    p = problem().replace(
        stations=(ChargingStation(id="ch1", location=Location(lat=45.7650, lon=4.8460)),)
    )
    sol = Solution(
        routes=(
            Route(vehicle="van-1", vehicle_type="van", stops=("s2", "ch1", "s1")),
            Route(vehicle="van-2", vehicle_type="van", stops=("s3", "s4")),
        )
    )
    gj = solution_to_geojson(annotate(p, sol), p)
    line = next(f for f in gj["features"] if f["properties"].get("vehicle") == "van-1"
                and f["properties"]["kind"] == "route")  # fmt: skip
    # depot, s2, the station, s1, depot
    assert [4.8460, 45.7650] in line["geometry"]["coordinates"]
    assert len(line["geometry"]["coordinates"]) == 5
    assert line["properties"]["stops"] == 2
    (charge,) = [f for f in gj["features"] if f["properties"]["kind"] == "charge"]
    assert charge["properties"]["station"] == "ch1"
    assert charge["geometry"]["coordinates"] == [4.8460, 45.7650]
    assert charge["properties"]["arrival_s"] is not None
    with pytest.raises(ProblemError, match="unknown stop id 'nowhere'"):
        solution_to_geojson(
            Solution(routes=(Route(vehicle="van-1", vehicle_type="van", stops=("nowhere",)),)), p
        )
