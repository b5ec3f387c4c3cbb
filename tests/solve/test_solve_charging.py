"""The charging engine: PyVRP with a relaxed battery, then station insertion and splitting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voltroute.cli.main import main
from voltroute.evaluate import check
from voltroute.io.evrp import read_evrp, read_evrp_line
from voltroute.io.evrptw import read_evrptw, routes_from_configuration
from voltroute.model import (
    Body,
    ChargingStation,
    Depot,
    ElectricPowertrain,
    Location,
    Parcel,
    Problem,
    Route,
    Solution,
    Stop,
    TimeWindow,
    VehicleType,
)
from voltroute.network import travel_matrices
from voltroute.solve import SolveParams, select_engine, solve
from voltroute.solve.stations import StationInserter

DATA = Path(__file__).resolve().parents[1] / "data" / "evrptw"
TINY_TW = DATA / "tiny.txt"
TINY_EVRP = DATA / "tiny.evrp"
FAST = SolveParams(time_limit_s=2, max_iterations=200)


def _inserter(problem: Problem) -> StationInserter:
    m = travel_matrices(problem)
    return StationInserter(problem, np.asarray(m.distance_m), np.asarray(m.duration_s))


def _assert_complete(problem: Problem, sol: Solution) -> None:
    served = [s for r in sol.routes for s in r.stops if s in problem.stop_by_id]
    assert sorted(served + [u.stop for u in sol.unassigned]) == sorted(s.id for s in problem.stops)
    assert all(u.reason and u.detail for u in sol.unassigned)


def test_auto_picks_charging_engine_only_with_stations(small_problem):
    assert select_engine(read_evrptw(TINY_TW), SolveParams()).name == "charging"
    assert select_engine(small_problem, SolveParams()).name == "pyvrp"
    diesel_only = read_evrptw(TINY_TW)
    vt = diesel_only.vehicle_types[0]
    no_ev = diesel_only.replace(vehicle_types=[vt.replace(powertrain=None, cost_per_km=1.0)])
    assert select_engine(no_ev, SolveParams()).name == "pyvrp"


def test_insertion_by_hand_partial():
    """D0 -C1 20, C1 -C2 20, C2 -D0 40 = 80 from a 60 battery. S1 (x=30) lies on the line
    C1-C2 and C2-D0, so a visit there adds no distance; it reaches S1 with 30 (or 10) left and
    needs 50 (or 30) to get home: 20 units of charge, 40 s at 1800 kW."""
    p = read_evrptw(TINY_TW)
    vt = p.vehicle_types[0]
    ins = _inserter(p)
    assert ins.insert(vt, ["C1"]) is not None and ins.insert(vt, ["C1"]).visits == ("C1",)
    res = ins.insert(vt, ["C1", "C2"])
    assert res is not None
    assert res.added_m == pytest.approx(0.0, abs=1e-9)
    assert [v for v in res.visits if v.startswith("S")] == ["S1"]
    assert [v for v in res.visits if v.startswith("C")] == ["C1", "C2"]
    ((pos, kwh),) = res.charges
    assert res.visits[pos] == "S1" and kwh == pytest.approx(20.0, abs=1e-6)
    route = Route(vehicle="ev-1", vehicle_type="ev", stops=res.visits, start_s=res.start_s)
    rep = check(p, Solution(routes=(route,), unassigned=()))
    assert not [v for v in rep.violations if v.kind != "missing"]
    assert rep.routes[0].charge_s == pytest.approx(40.0, abs=1e-3)
    # C3 (40,30) is 31.6 from the nearest station: unreachable with 60, whatever is inserted
    assert ins.insert(vt, ["C3"]) is None


def test_insertion_by_hand_full_charging_and_windows():
    p = read_evrptw(TINY_TW).replace(charging="full")
    vt = p.vehicle_types[0]
    res = _inserter(p).insert(vt, ["C1", "C2"])
    assert res is not None and res.added_m == pytest.approx(0.0, abs=1e-9)
    # Back by t=150. Partial: C1 done 30, C2 done 60, S1 at 70 with 10 left, +20 in 40 s, home
    # at 140. Full: S1 after C2 charges 50 in 100 s (home 200); S1 between C1 and C2 charges
    # 30 in 60 s (home 160). So only partial charging fits.
    short = p.replace(vehicle_types=[vt.replace(shift_end_s=150)])
    assert _inserter(short).insert(short.vehicle_types[0], ["C1", "C2"]) is None
    partial = short.replace(charging="partial")
    res = _inserter(partial).insert(partial.vehicle_types[0], ["C1", "C2"])
    assert res is not None and res.visits == ("C1", "C2", "S1")
    assert res.charges[0][1] == pytest.approx(20.0, abs=1e-6)
    route = Route(vehicle="ev-1", vehicle_type="ev", stops=res.visits, start_s=res.start_s,
                  charges=[{"position": 2, "energy_kwh": res.charges[0][1]}])  # fmt: skip
    rep = check(partial, Solution(routes=(route,)))
    assert not [v for v in rep.violations if v.kind != "missing"]
    assert rep.routes[0].steps[-1].arrival_s == pytest.approx(140.0)


def test_tiny_evrptw_solution_is_feasible_and_charges():
    p = read_evrptw(TINY_TW)
    sol = solve(p, FAST)
    rep = check(p, sol)
    assert rep.feasible, rep.violations
    _assert_complete(p, sol)
    assert {u.stop: u.reason for u in sol.unassigned} == {"C3": "energy"}
    assert any(s in p.station_by_id for r in sol.routes for s in r.stops)


def test_tiny_evrp_solution_is_feasible_and_charges():
    p = read_evrp(TINY_EVRP)
    sol = solve(p, FAST)
    rep = check(p, sol)
    assert rep.feasible, rep.violations
    _assert_complete(p, sol)
    assert {u.stop: u.reason for u in sol.unassigned} == {"4": "energy"}
    # node 3 (30,40) needs 50 out and 50 back from a 50 battery: it goes via station 5
    (route,) = [r for r in sol.routes if "3" in r.stops]
    assert "5" in route.stops


def _geo_problem(with_stations: bool = True) -> Problem:
    """A van with a 12 kWh battery and stops 10-25 km out around a depot in Lyon."""
    lat0, lon0 = 45.76, 4.84
    stops = []
    for k, (dlat, dlon) in enumerate(
        [(0.20, 0.0), (0.18, 0.12), (0.0, 0.25), (-0.15, 0.15), (-0.2, -0.05), (0.05, -0.22)]
    ):
        stops.append(
            Stop(
                id=f"s{k}",
                location=Location(lat=lat0 + dlat, lon=lon0 + dlon),
                parcels=(Parcel(id=f"p{k}", weight_kg=30.0, volume_m3=0.1),),
                service_time_s=300,
                time_window=TimeWindow(start_s=8 * 3600, end_s=18 * 3600),
            )
        )
    stations = [
        ChargingStation(id="hub-n", location=Location(lat=lat0 + 0.12, lon=lon0 + 0.08),
                        power_kw=50.0),
        ChargingStation(id="hub-s", location=Location(lat=lat0 - 0.1, lon=lon0 + 0.05),
                        power_kw=50.0, open_s=7 * 3600, close_s=20 * 3600),
    ]  # fmt: skip
    vt = VehicleType(
        id="evan",
        count=2,
        capacity_kg=500,
        capacity_m3=5,
        start_depot="dep",
        shift_start_s=7 * 3600,
        shift_end_s=20 * 3600,
        cost_per_km=0.1,
        driver_cost_per_hour=20.0,
        body=Body(empty_mass_kg=2000, drag_area_m2=1.0),
        powertrain=ElectricPowertrain(battery_usable_kwh=12.0),
    )
    return Problem(
        name="geo",
        depots=(Depot(id="dep", location=Location(lat=lat0, lon=lon0)),),
        stops=tuple(stops),
        vehicle_types=(vt,),
        stations=tuple(stations) if with_stations else (),
    )


def test_geographic_problem_needs_and_gets_charging():
    p = _geo_problem()
    sol = solve(p, FAST)
    rep = check(p, sol)
    assert rep.feasible, rep.violations
    _assert_complete(p, sol)
    assert sol.solver["engine"] == "charging"
    for r in sol.routes:
        customers = tuple(s for s in r.stops if s in p.stop_by_id)
        without = check(p, Solution(routes=(r.replace(stops=customers, charges=()),)))
        if "energy" in {v.kind for v in without.violations}:  # needs charging: visits a station
            assert any(s in p.station_by_id for s in r.stops)
    assert rep.kpis["station_visits"] > 0
    # without stations the PyVRP engine must leave stops out for energy
    plain = solve(_geo_problem(with_stations=False), FAST)
    assert any(u.reason == "energy" for u in plain.unassigned)


@pytest.mark.parametrize(
    ("path", "fmt", "reader"),
    [(TINY_TW, "evrptw", routes_from_configuration), (TINY_EVRP, "evrp", read_evrp_line)],
)
def test_cli_benchmark_formats(path, fmt, reader, capsys, tmp_path):
    args = ["solve", str(path), "--format", fmt, "--time-limit", "1", "--max-iterations", "100"]
    assert main([*args, "-q"]) == 0
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    problem = read_evrptw(path) if fmt == "evrptw" else read_evrp(path)
    sol = reader(line, problem)
    assert sol.routes and any(s in problem.station_by_id for r in sol.routes for s in r.stops)
    depot = problem.depots[0].id
    assert line.startswith(depot) and line.endswith(depot)
    if fmt == "evrptw":
        assert ";" in line
    out = tmp_path / "sol.txt"
    assert main([*args, "-q", "-o", str(out)]) == 0
    assert out.read_text().strip() == line
