"""GeoJSON carries drone flights, launches and recoveries apart from van legs."""

from __future__ import annotations

from voltroute.api import plan
from voltroute.energy.aerial import drone_spec_from_preset
from voltroute.io.geojson import solution_to_geojson
from voltroute.model import Depot, DroneFleet, Location, Parcel, Problem, Stop, VehicleType


def test_geojson_has_flight_launch_and_recovery_features() -> None:
    spec = drone_spec_from_preset("zipline-p2", fixed_cost_per_day=0.0, cost_per_hour=0.0)
    stops = tuple(
        Stop(id=f"s{i}", location=Location(lat=60.17 + 0.004 * i, lon=24.94 + 0.003 * (i % 3)),
             service_time_s=120, parcels=(Parcel(id=f"p{i}", weight_kg=1.0, volume_m3=0.003),))
        for i in range(5)
    )  # fmt: skip
    problem = Problem(
        depots=(Depot(id="D", location=Location(lat=60.1662, lon=24.936)),), stops=stops,
        vehicle_types=(VehicleType(id="van", capacity_kg=500, capacity_m3=5, start_depot="D",
                                   driver_cost_per_hour=30, fixed_cost_per_day=50),),
        drones=(DroneFleet(id="dp", base="hub", hub="D", count=2, spec=spec),),
    )  # fmt: skip
    sol = plan(problem, time_limit_s=0.3, seed=1, max_iterations=200)
    assert sol.sorties
    geo = solution_to_geojson(sol, problem)
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds.count("flight") == len(sol.sorties)
    assert kinds.count("launch") == kinds.count("recovery") == len(sol.sorties)
    flight = next(f for f in geo["features"] if f["properties"]["kind"] == "flight")
    assert len(flight["geometry"]["coordinates"]) == 3
    assert flight["properties"]["energy_wh"] > 0
    assert flight["properties"]["stroke-dasharray"]
