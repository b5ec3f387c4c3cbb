"""The checker on drone flights and robot trips: hand-computed energy, each violation caught."""

from __future__ import annotations

import math

import pytest

from voltroute.energy.aerial import (
    cruise_power_w,
    drone_flight,
    hover_power_w,
    robot_power_w,
    robot_trip,
)
from voltroute.evaluate import annotate, check
from voltroute.model import (
    Depot,
    DroneFleet,
    DroneSpec,
    Location,
    Parcel,
    Problem,
    RobotFleet,
    RobotSpec,
    Route,
    Solution,
    Sortie,
    Stop,
    Travel,
    VehicleType,
)

SPEC = DroneSpec(
    max_payload_kg=2.0, max_parcel_volume_m3=0.01, empty_mass_kg=10.0, rotor_count=4,
    rotor_diameter_m=0.5, drag_area_m2=0.0, power_efficiency=0.5, battery_wh=500.0,
    reserve_fraction=0.0, cruise_speed_mps=10.0, cruise_altitude_m=0.0, climb_speed_mps=5.0,
    descent_speed_mps=5.0, launch_s=60.0, recovery_s=30.0, service_s=0.0,
)  # fmt: skip
ROBOT = RobotSpec(
    capacity_kg=10.0, capacity_m3=0.05, speed_kph=3.6, empty_mass_kg=20.0,
    rolling_resistance=0.05, drivetrain_efficiency=0.5, aux_power_w=50.0, battery_wh=200.0,
    reserve_fraction=0.0, launch_s=30.0, collection_s=30.0, service_s=60.0,
)  # fmt: skip


def _stop(sid: str, x: float, y: float, kg: float = 1.0, **kw) -> Stop:
    return Stop(
        id=sid, location=Location(x=x, y=y), service_time_s=0,
        parcels=(Parcel(id="p" + sid, weight_kg=kg, volume_m3=0.001),), **kw,
    )  # fmt: skip


def _problem(**kw) -> Problem:
    van = VehicleType(id="van", capacity_kg=500, capacity_m3=5, start_depot="D",
                      driver_cost_per_hour=36.0)  # fmt: skip
    stops = kw.pop("stops", None) or (
        _stop("a", 1000, 0),
        _stop("b", 2000, 0),
        _stop("c", 1500, 400),
    )
    return Problem(
        depots=(Depot(id="D", location=Location(x=0, y=0)),),
        stops=stops,
        vehicle_types=(van,),
        travel=Travel(model="euclidean", speed_kph=36.0),  # 10 m/s
        **kw,
    )


def _van_drones(spec: DroneSpec = SPEC) -> DroneFleet:
    return DroneFleet(id="vd", base="van", count=1, spec=spec)


def _sortie(**kw) -> Sortie:
    base = dict(kind="drone", fleet="vd", unit="vd-1", vehicle="van-1", stop="c",
                launch_at="a", recover_at="b")  # fmt: skip
    return Sortie(**{**base, **kw})


def _solution(*sorties: Sortie, stops=("a", "b")) -> Solution:
    return Solution(routes=(Route(vehicle="van-1", vehicle_type="van", stops=stops, start_s=0),),
                    sorties=sorties)  # fmt: skip


def test_hover_power_matches_hand_computation() -> None:
    # T = 10 kg * 9.80665 = 98.0665 N; A = 4 pi 0.25^2 = 0.78540 m2; rho(20 C) = 1.2041
    # P = T^1.5 / sqrt(2 rho A) / eta = 971.15 / 1.37527 / 0.5 = 1412.3 W
    assert hover_power_w(SPEC, 0.0, 1.2041) == pytest.approx(1412.3, rel=1e-3)
    # payload adds mass: (12/10)^1.5 times the hover power
    assert hover_power_w(SPEC, 2.0, 1.2041) == pytest.approx(1412.3 * 1.2**1.5, rel=1e-3)


def test_forward_flight_uses_the_shared_power_model() -> None:
    # the shared Liu et al. (2017) model with SPEC's coefficients (energy/aerial.py docstring):
    # k1 = 1/0.85, k2 = sqrt(2 rho A), c2 = (1/FM - 1)/(0.85 k2), FM = 0.5/0.85; no drag here,
    # so cruise power equals hover power (no translational-lift credit)
    rho = 1.2041
    assert cruise_power_w(SPEC, 0.0, rho=rho) == pytest.approx(hover_power_w(SPEC, 0.0, rho))
    # with drag area 0.2 m2 at 30 m/s: cp = rho 0.2 / 2 / 0.85, T = hypot(W, cp V^2)
    draggy = SPEC.model_copy(update={"drag_area_m2": 0.2})
    cp = rho * 0.2 / 2 / 0.85
    t = math.hypot(98.0665, cp * 900)
    k2 = math.sqrt(2 * rho * math.pi * 0.25)
    fm = 0.5 / 0.85
    by_hand = t**1.5 / k2 / 0.85 + (1 / fm - 1) / (0.85 * k2) * t**1.5 + cp * 30**3
    assert cruise_power_w(draggy, 0.0, 30.0, rho=rho) == pytest.approx(by_hand, rel=1e-9)
    assert cruise_power_w(draggy, 0.0, 30.0) > cruise_power_w(SPEC, 0.0, 30.0)


def test_robot_power_and_trip_by_hand() -> None:
    # (20 + 5) kg * 9.80665 * 0.05 * 1 m/s / 0.5 + 50 W = 74.517 W
    assert robot_power_w(ROBOT, 5.0) == pytest.approx(74.517, rel=1e-4)
    trip = robot_trip(ROBOT, out_m=360.0, back_m=360.0, payload_kg=5.0)
    # 360 s out at 74.517 W, 60 s service at 50 W, 360 s back at 69.613 W
    expect = (360 * 74.517 + 60 * 50 + 360 * (20 * 9.80665 * 0.05 / 0.5 + 50)) / 3600
    assert trip.energy_wh == pytest.approx(expect, rel=1e-4)


def test_van_drone_sortie_feasible_and_synchronised() -> None:
    problem = _problem(drones=(_van_drones(),))
    report = check(problem, _solution(_sortie()))
    assert report.feasible, report.violations
    (res,) = report.sync.sorties
    # van: 100 s to a, launch 60 s -> drone takes off at 160; out 538.5 m = 53.85 s;
    # back 538.5 m; lands at 160 + 107.7 = 267.7; van reaches b at 160 + 100 = 260 and waits
    out_m = math.hypot(500, 400)
    assert res.steps[0].start_s == pytest.approx(100.0)
    assert res.steps[1].start_s == pytest.approx(160.0 + out_m / 10.0)
    land = 160.0 + 2 * out_m / 10.0
    assert res.steps[2].start_s == pytest.approx(land)
    flight = drone_flight(SPEC, out_m=out_m, back_m=out_m, payload_kg=1.0)
    assert res.energy_wh == pytest.approx(flight.energy_wh, rel=1e-9)
    # the van waits for the drone and spends 30 s recovering it, then drives 200 s home
    solved = annotate(problem, _solution(_sortie()))
    steps = solved.routes[0].steps
    assert steps[2].departure_s == pytest.approx(land + 30.0)
    assert steps[-1].arrival_s == pytest.approx(land + 30.0 + 200.0)
    assert solved.kpis["flights"] == 1 and solved.kpis["served_parcels"] == 3
    assert solved.sorties[0].kpis["energy_wh"] == pytest.approx(flight.energy_wh)
    assert solved.kpis["makespan_s"] == pytest.approx(land + 230.0)


def _kinds(problem: Problem, solution: Solution) -> set[str]:
    report = check(problem, solution)
    assert not report.feasible
    return {v.kind for v in report.violations}


def test_flight_beyond_energy_is_rejected() -> None:
    weak = SPEC.model_copy(update={"battery_wh": 20.0})
    assert "energy" in _kinds(_problem(drones=(_van_drones(weak),)), _solution(_sortie()))


def test_reserve_counts_against_the_battery() -> None:
    need = drone_flight(SPEC, out_m=math.hypot(500, 400), back_m=math.hypot(500, 400),
                        payload_kg=1.0, wait_empty_s=0.0).energy_wh  # fmt: skip
    # the van is at b before the drone lands, so no hover wait: exactly `need` Wh
    tight = SPEC.model_copy(update={"battery_wh": need / 0.5 * 1.001, "reserve_fraction": 0.5})
    assert check(_problem(drones=(_van_drones(tight),)), _solution(_sortie())).feasible
    short = SPEC.model_copy(update={"battery_wh": need / 0.5 * 0.99, "reserve_fraction": 0.5})
    assert "energy" in _kinds(_problem(drones=(_van_drones(short),)), _solution(_sortie()))


def test_parcel_too_heavy_is_rejected() -> None:
    stops = (_stop("a", 1000, 0), _stop("b", 2000, 0), _stop("c", 1500, 400, kg=2.5))
    assert "payload" in _kinds(_problem(stops=stops, drones=(_van_drones(),)),
                               _solution(_sortie()))  # fmt: skip


def test_recovery_before_launch_is_rejected() -> None:
    sol = _solution(_sortie(launch_at="b", recover_at="a"))
    assert "sync" in _kinds(_problem(drones=(_van_drones(),)), sol)


def test_van_absent_is_rejected() -> None:
    problem = _problem(drones=(_van_drones(),))
    # launch at a stop the van does not visit
    stops = (_stop("a", 1000, 0), _stop("b", 2000, 0), _stop("c", 1500, 400),
             _stop("d", 500, 500))  # fmt: skip
    problem = _problem(stops=stops, drones=(_van_drones(),))
    sol = Solution(
        routes=(Route(vehicle="van-1", vehicle_type="van", stops=("a", "b", "d"), start_s=0),),
        sorties=(_sortie(launch_at="a", recover_at="x"),),
    )
    assert "sync" in _kinds(problem, sol)
    # a van with no route at all
    sol2 = _solution(_sortie(vehicle="van-2"))
    assert "sync" in _kinds(_problem(drones=(_van_drones(),)), sol2)


@pytest.mark.parametrize(
    ("flags", "parcel_ok"),
    [({"no_fly": True}, True), ({"drone_opt_in": False}, True), ({}, False)],
)
def test_ineligible_stop_is_rejected(flags: dict, parcel_ok: bool) -> None:
    c = Stop(id="c", location=Location(x=1500, y=400),
             parcels=(Parcel(id="pc", weight_kg=1, volume_m3=0.001, drone_ok=parcel_ok),),
             **flags)  # fmt: skip
    problem = _problem(stops=(_stop("a", 1000, 0), _stop("b", 2000, 0), c),
                       drones=(_van_drones(),))  # fmt: skip
    assert "eligibility" in _kinds(problem, _solution(_sortie()))


def test_unit_double_booked_and_duplicates_are_rejected() -> None:
    stops = (_stop("a", 1000, 0), _stop("b", 2000, 0), _stop("c", 1500, 400),
             _stop("d", 1500, -400))  # fmt: skip
    problem = _problem(stops=stops, drones=(_van_drones(),))
    both = _solution(_sortie(), _sortie(stop="d"))  # one drone, two flights in the air at a
    assert "sync" in _kinds(problem, both)
    dup = Solution(
        routes=(Route(vehicle="van-1", vehicle_type="van", stops=("a", "b", "c", "d"),
                      start_s=0),),
        sorties=(_sortie(),),
    )  # fmt: skip
    assert "duplicate" in _kinds(problem, dup)


def test_hub_robot_trip_and_range() -> None:
    fleet = RobotFleet(id="bot", base="hub", hub="D", count=1, spec=ROBOT)
    problem = _problem(robots=(fleet,))
    sol = Solution(
        routes=(Route(vehicle="van-1", vehicle_type="van", stops=("a", "b"), start_s=0),),
        sorties=(Sortie(kind="robot", fleet="bot", unit="bot-1", stop="c", launch_at="D",
                        recover_at="D"),),
    )  # fmt: skip
    report = check(problem, sol)
    assert report.feasible, report.violations
    d = math.hypot(1500, 400)  # euclidean travel distance, detour 1
    assert report.sync.sorties[0].distance_m == pytest.approx(2 * d)
    short = fleet.model_copy(
        update={"spec": ROBOT.model_copy(update={"max_trip_distance_m": 2000.0})}
    )
    assert "range" in _kinds(_problem(robots=(short,)), sol)
