"""The HTML report: well-formed, self-contained, escaped, and showing the plan's numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from voltroute.model import (
    Body,
    Depot,
    DieselPowertrain,
    ElectricPowertrain,
    Location,
    Parcel,
    Problem,
    Route,
    Solution,
    Step,
    Stop,
    TimeWindow,
    Unassigned,
    VehicleType,
)
from voltroute.report import render_report, write_report

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "wbr", "source"}


def _stop(sid: str, lat: float, lon: float, n: int, **kw) -> Stop:
    parcels = tuple(Parcel(id=f"{sid}-p{i}", weight_kg=10.0, volume_m3=0.05) for i in range(n))
    return Stop(id=sid, location=Location(lat=lat, lon=lon), parcels=parcels, **kw)


@pytest.fixture(scope="module")
def problem() -> Problem:
    body = Body(empty_mass_kg=3000, drag_area_m2=3.0)
    return Problem(
        name="tiny & test",
        depots=(Depot(id="dep", location=Location(lat=40.0, lon=-75.0), name="Main depot"),),
        stops=(
            _stop("s1", 40.01, -75.01, 2, service_time_s=300),
            _stop("s2", 40.02, -74.99, 1, service_time_s=300),
            _stop("<script>x</script>", 40.015, -75.02, 1, service_time_s=300),
            _stop(
                "s4",
                39.99,
                -75.00,
                3,
                service_time_s=300,
                time_window=TimeWindow(start_s=36000, end_s=39600),
            ),
            _stop("s5", 39.98, -75.03, 2),
        ),
        vehicle_types=(
            VehicleType(
                id="ev",
                name="<b>Van</b>",
                capacity_kg=100,
                capacity_m3=10,
                start_depot="dep",
                shift_start_s=8 * 3600,
                shift_end_s=17 * 3600,
                body=body,
                powertrain=ElectricPowertrain(battery_usable_kwh=80, reserve_fraction=0.1),
            ),
            VehicleType(
                id="dv",
                name="Diesel van",
                capacity_kg=200,
                capacity_m3=12,
                start_depot="dep",
                shift_start_s=8 * 3600,
                shift_end_s=17 * 3600,
                body=body,
                powertrain=DieselPowertrain(),
            ),
        ),
    )


def _step(kind, sid, t, wait=0.0, service=0.0, dist=0.0, kg=0.0, soc=None, fuel=None) -> Step:
    return Step(
        kind=kind,
        id=sid,
        arrival_s=t,
        service_start_s=t + wait,
        departure_s=t + wait + service,
        wait_s=wait,
        distance_m=dist,
        load_kg=kg,
        load_m3=kg / 200,
        soc_kwh=soc,
        fuel_used_l=fuel,
    )


def _route_kpis(dist, dur, kwh, litres, total, co2, stops, parcels, min_soc) -> dict:
    return {
        "feasible": True,
        "distance_m": dist,
        "duration_s": dur,
        "travel_s": dur - 900,
        "service_s": 900,
        "wait_s": 0.0,
        "energy_kwh": kwh,
        "grid_energy_kwh": kwh / 0.9,
        "fuel_l": litres,
        "cost": {
            "fixed": total * 0.4,
            "driver": total * 0.4,
            "energy": total * 0.1,
            "maintenance": total * 0.1,
            "total": total,
        },
        "co2_kg": co2,
        "stops": stops,
        "parcels": parcels,
        "weight_kg": parcels * 10.0,
        "volume_m3": parcels * 0.05,
        "min_soc_kwh": min_soc,
        "cost_per_parcel": total / parcels,
        "co2_kg_per_parcel": co2 / parcels,
    }


@pytest.fixture(scope="module")
def solution() -> Solution:
    ev = Route(
        vehicle="ev-1",
        vehicle_type="ev",
        stops=("s1", "s2", "<script>x</script>"),
        start_s=8 * 3600,
        steps=(
            _step("start", "dep", 28800, kg=40, soc=80.0),
            _step("stop", "s1", 29400, service=300, dist=1500, kg=20, soc=77.5),
            _step("stop", "s2", 30300, service=300, dist=3800, kg=10, soc=74.0),
            _step("stop", "<script>x</script>", 31200, service=300, dist=5600, kg=0, soc=71.2),
            _step("end", "dep", 32400, dist=8400, kg=0, soc=67.0),
        ),
        kpis=_route_kpis(8400, 3600, 13.0, 0.0, 120.5, 4.85, 3, 4, 67.0),
    )
    dv = Route(
        vehicle="dv-1",
        vehicle_type="dv",
        stops=("s4",),
        start_s=34000,
        steps=(
            _step("start", "dep", 34000, kg=30, fuel=0.0),
            _step("stop", "s4", 35400, wait=600, service=300, dist=3300, kg=0, fuel=0.6),
            _step("end", "dep", 37800, dist=6600, kg=0, fuel=1.2),
        ),
        kpis=_route_kpis(6600, 3800, 0.0, 1.2, 95.25, 3.23, 1, 3, None),
    )
    total = 120.5 + 95.25
    return Solution(
        problem="tiny & test",
        routes=(ev, dv),
        unassigned=(
            Unassigned(
                stop="s5", parcels=("s5-p0", "s5-p1"), reason="capacity", detail="too heavy"
            ),
        ),
        kpis={
            "currency": "USD",
            "vehicles_used": 2,
            "vehicles_by_type": {"ev": 1, "dv": 1},
            "distance_m": 15000.0,
            "duration_s": 7400.0,
            "energy_kwh": 13.0,
            "grid_energy_kwh": 14.44,
            "fuel_l": 1.2,
            "cost": {
                "fixed": total * 0.4,
                "driver": total * 0.4,
                "energy": total * 0.1,
                "maintenance": total * 0.1,
                "total": total,
            },
            "unserved_penalty": 100.0,
            "co2_kg": 8.08,
            "served": 4,
            "served_parcels": 7,
            "unassigned": 1,
            "unassigned_parcels": 2,
            "unassigned_reasons": {"capacity": 1},
            "parcels_per_route": 3.5,
            "cost_per_parcel": total / 7,
            "co2_kg_per_parcel": 8.08 / 7,
            "feasible": True,
            "violations": 0,
        },
        solver={"engine": "pyvrp", "runtime_s": 1.25},
    )


COMPARISON = [
    {
        "strategy": "diesel",
        "vans": 2,
        "km": 16.2,
        "kwh": 0.0,
        "litres": 3.1,
        "cost": 230.0,
        "cost_per_parcel": 32.86,
        "co2_kg": 8.34,
        "co2_kg_per_parcel": 1.191,
        "served_parcels": 7,
        "unassigned_parcels": 2,
        "feasible": True,
    },
    {
        "strategy": "electric",
        "vans": 2,
        "km": 15.9,
        "kwh": 24.0,
        "litres": 0.0,
        "cost": 241.0,
        "cost_per_parcel": 34.43,
        "co2_kg": 8.95,
        "co2_kg_per_parcel": 1.279,
        "served_parcels": 7,
        "unassigned_parcels": 2,
        "feasible": True,
    },
]
NOTES = ["Roads from OpenStreetMap (https://www.openstreetmap.org)", "Prices: EIA 2024 <avg>"]
ROADS = [
    [(-75.03, 40.0), (-75.0, 40.0), (-74.98, 40.0)],
    [(-75.0, 39.97), (-75.0, 40.03)],
]


@pytest.fixture(scope="module")
def page(problem, solution) -> str:
    return render_report(
        problem,
        solution,
        title="Tiny <plan>",
        roads=ROADS,
        route_paths={"ev-1": [(-75.0, 40.0), (-75.01, 40.01), (-74.99, 40.02), (-75.0, 40.0)]},
        comparison=COMPARISON,
        notes=NOTES,
    )


class _Checker(HTMLParser):
    """Records the first structural error: a closing tag that doesn't match the open one."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def test_html_is_well_formed(page):
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    assert page.startswith("<!DOCTYPE html>")
    svgs = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(svgs) >= 6  # map, cost bar, timeline, 2 + 1 route charts, 2 comparison charts
    for svg in svgs:
        ET.fromstring(svg)  # each SVG block is well-formed XML


def test_one_route_polyline_per_vehicle(page):
    vehicles = re.findall(r'data-vehicle="([^"]*)"', page)
    assert sorted(vehicles) == ["dv-1", "ev-1"]
    svg = ET.fromstring(re.search(r'<svg id="map".*?</svg>', page, flags=re.S).group(0))
    routes = [el for el in svg.iter() if "data-vehicle" in el.attrib]
    assert all(el.tag == "path" for el in routes)
    # the road network is one path
    assert len([el for el in svg.iter("path") if el.get("class") == "roads"]) == 1
    # stops as circles (4 served), depot square, one unassigned cross
    assert len(list(svg.iter("circle"))) == 4
    assert len([el for el in svg.iter("rect") if el.get("class") == "depot"]) == 1
    assert len([el for el in svg.iter("path") if el.get("class") == "x"]) == 1


def test_kpis_appear_formatted(page):
    for text in (
        "15.0 km",  # distance
        "13.0 kWh",
        "1.2 L",
        "215.75 USD",  # total cost
        "30.82 USD",  # cost per parcel
        "8.1 kg",  # CO2
        "1.154 kg",  # CO2 per parcel
        "100.00 USD unserved penalty",
        "capacity: 1",
        "8.4",  # ev-1 km in the routes table
        "120.50",  # ev-1 cost
        "67.0 kWh (84%)",  # ev-1 min SoC
        "reserve 10%",
        "08:00",
        "32.86",  # comparison cost per parcel
        "1.279",
        "too heavy",
    ):
        assert text in page, text


def test_data_strings_are_escaped(page):
    assert "<b>Van</b>" not in page
    assert "&lt;b&gt;Van&lt;/b&gt;" in page
    assert "<script>x" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert page.count("<script") == 1  # only the report's own script
    assert "Tiny &lt;plan&gt;" in page
    assert "tiny &amp; test" in page
    assert "EIA 2024 &lt;avg&gt;" in page


def test_self_contained(page):
    # notes may mention web addresses as text, but nothing is loaded from outside
    assert not re.search(r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page, re.I)
    assert "@import" not in page
    assert "<link" not in page


def test_sections_optional(problem, solution):
    plain = render_report(problem, solution)
    assert "Fleet comparison" not in plain
    assert 'class="notes"' not in plain
    assert 'class="roads"' not in plain
    # without route paths every van gets straight segments
    assert sorted(re.findall(r'data-vehicle="([^"]*)"', plain)) == ["dv-1", "ev-1"]
    assert "Fleet comparison" in render_report(problem, solution, comparison=COMPARISON)


def test_unannotated_solution_renders(problem):
    bare = Solution(routes=(Route(vehicle="ev-1", vehicle_type="ev", stops=("s1", "s2")),))
    page = render_report(problem, bare)
    assert 'data-vehicle="ev-1"' in page
    for svg in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
        ET.fromstring(svg)


def test_write_report(tmp_path, problem, solution):
    path = write_report(tmp_path / "out" / "report.html", problem, solution, notes=["n"])
    assert path.is_file()
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_of_a_planar_benchmark_plan():
    """VRPLIB plans: planar coordinates, no shift end, no energy; the report still renders."""
    from pathlib import Path

    from voltroute.api import plan
    from voltroute.io.vrplib import read_vrplib
    from voltroute.report import render_report

    problem = read_vrplib(Path(__file__).resolve().parent / "data" / "vrplib_cvrp8.vrp")
    solution = plan(problem, time_limit_s=1, max_iterations=50)
    html = render_report(problem, solution)
    assert html.count('data-vehicle="') >= len(solution.routes)


# ---------------------------------------------------------------- charging on the way
def _charging_day():
    """A van whose 10 kWh battery cannot do both stops: it charges at ``cs1`` between them."""
    from voltroute.evaluate import annotate, check
    from voltroute.model import Charge, ChargingStation

    ev = VehicleType(
        id="ev",
        name="Small EV",
        capacity_kg=500,
        capacity_m3=5,
        start_depot="dep",
        shift_start_s=8 * 3600,
        shift_end_s=18 * 3600,
        powertrain=ElectricPowertrain(
            battery_usable_kwh=10, reserve_fraction=0.1, fixed_kwh_per_km=1.0, max_charge_kw=50
        ),
    )
    problem = Problem(
        name="charging day",
        depots=(Depot(id="dep", location=Location(lat=60.0, lon=25.0)),),
        stops=(
            _stop("s1", 60.02, 25.0, 1, service_time_s=120),
            _stop("s2", 60.0, 25.04, 1, service_time_s=120),
        ),
        stations=(
            ChargingStation(
                id="cs1",
                name="Fast <charger>",
                location=Location(lat=60.02, lon=25.04),
                power_kw=50,
                connectors=2,
                price_per_kwh=0.40,
            ),
            ChargingStation(id="cs2", location=Location(lat=59.98, lon=24.98), power_kw=22),
        ),
        vehicle_types=(ev,),
    )
    route = Route(
        vehicle="ev-1",
        vehicle_type="ev",
        stops=("s1", "cs1", "s2"),
        start_s=8 * 3600,
        charges=(Charge(position=1, energy_kwh=6.0),),
    )
    solution = annotate(problem, Solution(problem=problem.name, routes=(route,)))
    assert check(problem, solution).feasible
    return problem, solution


def test_report_shows_where_and_how_long_each_van_charged():
    problem, solution = _charging_day()
    (step,) = [s for s in solution.routes[0].steps if s.kind == "charge"]
    assert step.id == "cs1" and step.charged_kwh == pytest.approx(6.0) and step.charge_s > 0
    page = render_report(problem, solution)
    checker = _Checker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []
    for svg in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
        ET.fromstring(svg)

    # map: one used and one unused station marker (diamonds, not stop circles)
    svg = ET.fromstring(re.search(r'<svg id="map".*?</svg>', page, flags=re.S).group(0))
    stations = [el for el in svg.iter("path") if (el.get("class") or "").startswith("station")]
    assert sorted(el.get("class") for el in stations) == ["station", "station used"]
    assert len(list(svg.iter("circle"))) == 2
    tips = [t.text for t in svg.iter("title") if t.text and t.text.startswith("charging station")]
    used_tip = next(t for t in tips if "cs1" in t)
    minutes = step.charge_s / 60
    assert f"ev-1: {_hhmm_test(step.arrival_s)}, {minutes:.0f} min, +6.0 kWh" in used_tip
    assert "Fast <charger>" in used_tip  # escaped in the page, plain text once parsed
    assert "not used" in next(t for t in tips if "cs2" in t)

    # timeline: one charging bar spanning the charge
    gantt = ET.fromstring(re.search(r'<svg class="gantt".*?</svg>', page, flags=re.S).group(0))
    bars = [el for el in gantt.iter("rect") if el.get("class") == "chg"]
    assert len(bars) == 1
    assert f"({minutes:.0f} min), +6.0 kWh" in bars[0].find("title").text

    # state of charge: a shaded charging band and a straight rise from arrival to departure
    soc_svg = next(
        s for s in re.findall(r'<svg class="chart".*?</svg>', page, flags=re.S) if "State of" in s
    )
    assert "1 charging stop" in soc_svg
    chart = ET.fromstring(soc_svg)
    assert len([el for el in chart.iter("rect") if el.get("class") == "band"]) == 1
    line = next(el for el in chart.iter("path") if el.get("class") == "step")
    assert line.get("d").count("L") == 1

    # the events table: van, station, arrival, minutes, kWh, cost at the station's price
    section = re.search(r'<section id="charging">.*?</section>', page, flags=re.S).group(0)
    cost = 6.0 / 0.9 * 0.40  # grid energy at 0.40 per kWh
    for text in ("ev-1", "cs1", _hhmm_test(step.arrival_s), f"{minutes:.0f}", "6.0",
                 f"{cost:.2f}", "1 stops"):  # fmt: skip
        assert text in section, text
    assert "1 charging stop, 6.0 kWh on the way" in page


def test_report_without_charging_says_so(problem, solution):
    """Stations but no charge: the section says no van charged; no stations: no section."""
    assert 'id="charging"' not in render_report(problem, solution)
    day, sol = _charging_day()
    plain = Route(vehicle="ev-1", vehicle_type="ev", stops=("s1",), start_s=8 * 3600)
    from voltroute.evaluate import annotate

    page = render_report(day, annotate(day, Solution(routes=(plain,))))
    assert "No van charged on the way (2 charging stations available)" in page
    assert 'class="chg"' not in page


def test_report_shows_the_depot_charging_plan():
    from voltroute.charging import check_charging_plan, from_solution, plan_depot_charging

    problem, solution = _charging_day()
    charging = from_solution(problem, solution)
    plan = plan_depot_charging(charging, time_limit_s=10)
    assert check_charging_plan(charging, plan) == []
    page = render_report(problem, solution, depot_charging=(charging, plan),
                         links=[("Other <day>", "other.html")])  # fmt: skip
    section = re.search(r'<section id="depot">.*?</section>', page, flags=re.S).group(0)
    svgs = re.findall(r"<svg\b.*?</svg>", section, flags=re.S)
    assert len(svgs) == 1 + len(plan.vehicles)  # site load, then one profile per van
    for svg in svgs:
        ET.fromstring(svg)
    assert "site limit" in svgs[0]
    assert f"{plan.total_cost:,.2f} USD" in section
    assert f"peak {plan.peak_kw:,.1f} kW" in section
    assert "ev-1" in section
    assert '<a href="other.html">Other &lt;day&gt;</a>' in page
    checker = _Checker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []


def _hhmm_test(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------- drones and robots
def _light_case():
    """A van that launches a drone at s1 for s4 and recovers it at s3, and a hub robot that
    serves s5 from the depot and comes back; annotated by the checker (sortie steps)."""
    from voltroute.energy.aerial import drone_spec_from_preset, robot_spec_from_preset
    from voltroute.energy.catalogue import vehicle_type_from_preset
    from voltroute.evaluate import annotate
    from voltroute.model import DroneFleet, RobotFleet, Sortie

    def stop(sid: str, lat: float, lon: float) -> Stop:
        p = (Parcel(id=f"{sid}-p", weight_kg=1.0, volume_m3=0.004),)
        return Stop(id=sid, location=Location(lat=lat, lon=lon), parcels=p, service_time_s=120)

    problem = Problem(
        name="light",
        depots=(Depot(id="D", location=Location(lat=60.170, lon=24.940)),),
        stops=(
            stop("s1", 60.175, 24.940),
            stop("s2", 60.180, 24.950),
            stop("s3", 60.175, 24.960),
            stop("s4", 60.185, 24.935),
            stop("s5", 60.171, 24.943),
        ),
        vehicle_types=(
            vehicle_type_from_preset(
                "ford-e-transit", id="ev", start_depot="D", shift_start_s=8 * 3600
            ),
        ),
        drones=(
            DroneFleet(
                id="dr", base="van", preset="zipline-p2", spec=drone_spec_from_preset("zipline-p2")
            ),
        ),
        robots=(
            RobotFleet(
                id="bot",
                base="hub",
                hub="D",
                preset="starship-robot",
                spec=robot_spec_from_preset("starship-robot"),
            ),
        ),  # fmt: skip
    )
    plan = Solution(
        problem="light",
        routes=(Route(vehicle="ev-1", vehicle_type="ev", stops=("s1", "s2", "s3")),),
        sorties=(
            Sortie(
                kind="drone",
                fleet="dr",
                unit="dr-1",
                vehicle="ev-1",
                stop="s4",
                launch_at="s1",
                recover_at="s3",
            ),
            Sortie(
                kind="robot",
                fleet="bot",
                unit="bot-1",
                stop="s5",
                launch_at="D",
                recover_at="D",
                launch_s=8 * 3600 + 600,
            ),
        ),  # fmt: skip
    )
    return problem, annotate(problem, plan)


def test_report_draws_flights_and_robot_trips():
    problem, plan = _light_case()
    assert plan.kpis["feasible"], plan.kpis
    assert all(x.steps for x in plan.sorties)  # the checker scheduled both
    page = render_report(problem, plan, modes=[])
    svg = ET.fromstring(re.search(r'<svg id="map".*?</svg>', page, flags=re.S).group(0))
    sorties = [el for el in svg.iter("path") if "sortie" in (el.get("class") or "")]
    assert [el.get("class") for el in sorties] == ["sortie robot", "sortie drone"]
    van = next(el for el in svg.iter("path") if el.get("data-vehicle") == "ev-1")
    drone = next(el for el in sorties if "drone" in el.get("class"))
    robot = next(el for el in sorties if "robot" in el.get("class"))
    # distinct from van legs: dashed and dotted, van legs solid
    assert van.get("stroke-dasharray") is None
    assert drone.get("stroke-dasharray") and robot.get("stroke-dasharray")
    assert drone.get("stroke-dasharray") != robot.get("stroke-dasharray")
    # the van's drone in the van's colour, launch s1 -> s4 -> recovery s3: three points
    assert drone.get("stroke") == van.get("stroke")
    assert len(drone.get("d").split()) == 6
    # the hub robot out and back from the depot: one line of two points, in the robot colour
    assert robot.get("stroke") != van.get("stroke")
    assert len(robot.get("d").split()) == 4
    # launch (up) and recovery (down) markers: the drone's at s1 and s3, the robot's at D
    marks = [el.get("class") for el in svg.iter("path") if el.get("class") in ("ln", "rc")]
    assert sorted(marks) == ["ln", "ln", "rc", "rc"]
    rings = [el for el in svg.iter("circle") if el.get("class") == "sc"]
    assert len(rings) == 2  # s4 and s5, served by units
    tips = " ".join(t.text or "" for t in svg.iter("title"))
    assert "s4: drone flight by ev-1 / dr-1" in tips and "launch at s1" in tips
    assert "recovered at s3" in tips and "s5: robot trip by bot-1" in tips
    # legend, tiles and timeline
    assert "drone flight" in page and "robot trip" in page and "recovery" in page
    for label in ("Drone flights", "Robot trips", "Drone energy", "Robot energy", "Makespan"):
        assert label in page, label
    gantt = re.search(r'<svg class="gantt".*?</svg>', page, flags=re.S).group(0)
    assert 'class="unit drone"' in gantt and 'class="unit robot"' in gantt
    assert "ev-1 / dr-1" in gantt and "bot-1" in gantt
    checker = _Checker()
    checker.feed(page)
    assert checker.errors == [] and checker.stack == []
    for block in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
        ET.fromstring(block)


def test_report_mode_comparison_and_middle_mile():
    problem, plan = _light_case()
    modes = [
        {"strategy": "van-only", "vans": 1, "cost_per_parcel": 5.0, "co2_kg_per_parcel": 0.1,
         "flights": 0, "robot_trips": 0, "makespan_s": 7200.0, "feasible": True},
        {"strategy": "van+drones", "vans": 1, "cost_per_parcel": 4.5, "co2_kg_per_parcel": 0.12,
         "flights": 3, "robot_trips": 0, "makespan_s": 5400.0, "feasible": True},
    ]  # fmt: skip
    linehaul = {
        "network": "tiny <net>", "hubs": 3, "flows": 2, "parcels": 1000,
        "rows": [
            {"truck_type": "diesel", "method": "milp", "trucks": 2, "drivers": 3, "km": 812.3,
             "kwh": 0.0, "litres": 260.1, "cost_per_day_usd": 1300.0, "cost_per_parcel": 1.3,
             "co2_per_parcel_g": 699.4, "parcels_unserved": 0},
            {"truck_type": "electric", "method": "milp", "trucks": 2, "drivers": 3, "km": 812.3,
             "kwh": 900.7, "litres": 0.0, "cost_per_day_usd": 1200.0, "cost_per_parcel": 1.2,
             "co2_per_parcel_g": 353.9, "parcels_unserved": 40},
        ],
        "files": {"diesel": "gantt-diesel.html", "electric": "gantt-electric.html"},
    }  # fmt: skip
    page = render_report(problem, plan, modes=modes, linehaul=linehaul, linehaul_dir="lh")
    assert 'id="modes"' in page and "Makespan h" in page and "1.50" in page  # 5400 s
    table = re.search(r'<table class="data" id="linehaul-table">.*?</table>', page, re.S).group(0)
    assert table.count("<tr>") == 3  # head + one row per truck type
    for text in ("diesel", "electric", "1.300", "699.4", "353.9", "260", "901"):
        assert text in table, text
    assert '<a href="lh/gantt-diesel.html">' in table
    assert '<a href="lh/gantt-electric.html">' in table
    assert '<td class="warn">40</td>' in table  # unserved parcels flagged
    assert "tiny &lt;net&gt;" in page
    assert 'id="linehaul"' not in render_report(problem, plan)
