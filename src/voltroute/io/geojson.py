"""A solution as a GeoJSON FeatureCollection (RFC 7946) for maps.

Features, in this order (each with a ``kind`` property):

* ``depot`` — a Point per depot;
* ``route`` — a LineString per route, depot → stops → depot (or the road polyline that the
  optional ``geometry`` callable returns), with the route's KPIs and a ``colour``;
* ``stop`` — a Point per stop visit with its place in the route and schedule (from ``steps``);
* ``flight`` (drone) or ``robot_trip`` (sidewalk robot) — a LineString per sortie, launch point
  → customer → recovery point, drawn dashed (``stroke-dasharray``) in its van's colour (grey for
  hub units), with the unit, the stop, its times and ``energy_wh`` (from the sortie's ``steps``);
* ``launch`` and ``recovery`` — a Point per sortie where the unit leaves and rejoins its van or
  hub;
* ``unassigned`` — a Point per unserved stop with the reason.

Coordinates are ``[lon, lat]`` (RFC 7946 order). ``stroke``/``marker-color`` repeat the colour
under the simplestyle names that geojson.io and similar viewers understand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from voltroute.model import Location, Problem, ProblemError, Solution, Step

LonLat = tuple[float, float]
Geometry = Callable[[list[LonLat]], Sequence[Sequence[float]]]

PALETTE = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#1f78b4",
    "#e31a1c",
    "#6a3d9a",
)
"""Route colours in turn (ColorBrewer Dark2, then Paired), distinguishable on light base maps."""

ROUTE_KPIS = ("distance_m", "duration_s", "energy_kwh", "fuel_l", "cost", "co2_kg")
"""Route properties taken from ``Route.kpis`` (None when absent; distance and duration fall
back to the schedule in ``steps``). A cost breakdown ``{..., "total": x}`` gives ``cost`` = x
and ``cost_breakdown`` = the breakdown."""


def _lonlat(loc: Location) -> LonLat:
    return (float(loc.lon), float(loc.lat))  # type: ignore[arg-type]


def _point(lonlat: Sequence[float], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(lonlat[0]), float(lonlat[1])]},
        "properties": properties,
    }


def _route_kpis(kpis: dict[str, Any], steps: Sequence[Step]) -> dict[str, Any]:
    out = {key: kpis.get(key) for key in ROUTE_KPIS}
    if isinstance(out["cost"], dict):  # the checker's breakdown: total here, parts alongside
        out["cost_breakdown"] = out["cost"]
        out["cost"] = out["cost"].get("total")
    if steps:
        if out["distance_m"] is None:
            out["distance_m"] = steps[-1].distance_m
        if out["duration_s"] is None:
            out["duration_s"] = steps[-1].arrival_s - steps[0].departure_s
    return out


def solution_to_geojson(
    solution: Solution,
    problem: Problem,
    *,
    geometry: Geometry | None = None,
) -> dict[str, Any]:
    """The solution as a GeoJSON FeatureCollection (see the module docstring for the features).

    ``geometry`` maps a route's ``[(lon, lat), ...]`` (depot, stops, depot) to the polyline to
    draw, e.g. the road path; by default the route is drawn as straight legs.
    Only for geographic problems: planar ones raise ``ProblemError("problem", ...)``.
    """
    if not all(loc.is_geographic for loc in problem.locations):
        raise ProblemError("problem", "GeoJSON needs lat/lon locations")
    features: list[dict[str, Any]] = []
    for depot in problem.depots:
        features.append(
            _point(
                _lonlat(depot.location),
                {
                    "kind": "depot",
                    "id": depot.id,
                    "name": depot.name,
                    "open_s": depot.open_s,
                    "close_s": depot.close_s,
                },
            )
        )

    for r, route in enumerate(solution.routes):
        vt = problem.vehicle_type_by_id.get(route.vehicle_type)
        if vt is None:
            raise ProblemError(f"routes.{r}.vehicle_type", f"unknown {route.vehicle_type!r}")
        stops = []
        places = []  # stops and charging stations in driving order
        for sid in route.stops:
            stop = problem.stop_by_id.get(sid)
            if stop is not None:
                stops.append(stop)
                places.append(stop.location)
                continue
            station = problem.station_by_id.get(sid)
            if station is None:
                raise ProblemError(f"routes.{r}.stops", f"unknown stop id {sid!r}")
            places.append(station.location)
        start = problem.depots[problem.depot_index[vt.start_depot]]
        end = problem.depots[problem.depot_index[vt.end_depot_id]]
        points = [_lonlat(start.location)] + [_lonlat(loc) for loc in places]
        points.append(_lonlat(end.location))
        line = list(geometry(points)) if geometry is not None else points
        if len(line) < 2:
            raise ProblemError(f"routes.{r}", "geometry returned fewer than two points")
        colour = PALETTE[r % len(PALETTE)]
        props: dict[str, Any] = {
            "kind": "route",
            "vehicle": route.vehicle,
            "vehicle_type": route.vehicle_type,
            **_route_kpis(route.kpis, route.steps),
            "parcels": sum(len(s.parcels) for s in stops),
            "stops": len(stops),
            "colour": colour,
            "stroke": colour,
            "stroke-width": 3,
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[float(p[0]), float(p[1])] for p in line],
                },
                "properties": props,
            }
        )
        visits = [s for s in route.steps if s.kind == "stop"]
        by_id = {s.id: s for s in visits}
        for seq, stop in enumerate(stops, 1):
            step = by_id.get(stop.id)
            features.append(
                _point(
                    _lonlat(stop.location),
                    {
                        "kind": "stop",
                        "stop": stop.id,
                        "vehicle": route.vehicle,
                        "vehicle_type": route.vehicle_type,
                        "sequence": seq,
                        "parcels": len(stop.parcels),
                        "arrival_s": None if step is None else step.arrival_s,
                        "departure_s": None if step is None else step.departure_s,
                        "load_kg": None if step is None else step.load_kg,
                        "load_m3": None if step is None else step.load_m3,
                        "soc_kwh": None if step is None else step.soc_kwh,
                        "colour": colour,
                        "marker-color": colour,
                    },
                )
            )

        charge_steps = iter([x for x in route.steps if x.kind == "charge"])
        for sid in route.stops:
            station = problem.station_by_id.get(sid)
            if station is None:
                continue
            step = next(charge_steps, None)  # the n-th charge step is the n-th station visit
            features.append(
                _point(
                    _lonlat(station.location),
                    {
                        "kind": "charge",
                        "station": sid,
                        "vehicle": route.vehicle,
                        "vehicle_type": route.vehicle_type,
                        "arrival_s": None if step is None else step.arrival_s,
                        "departure_s": None if step is None else step.departure_s,
                        "charged_kwh": None if step is None else step.charged_kwh,
                        "charge_s": None if step is None else step.charge_s,
                        "colour": colour,
                        "marker-color": colour,
                        "marker-symbol": "fuel",
                    },
                )
            )

    features += _sortie_features(solution, problem)

    for u in solution.unassigned:
        stop = problem.stop_by_id.get(u.stop)
        if stop is None:
            raise ProblemError("unassigned", f"unknown stop id {u.stop!r}")
        features.append(
            _point(
                _lonlat(stop.location),
                {
                    "kind": "unassigned",
                    "stop": stop.id,
                    "parcels": len(stop.parcels),
                    "reason": u.reason,
                    "detail": u.detail,
                    "marker-color": "#000000",
                },
            )
        )
    return {"type": "FeatureCollection", "name": problem.name, "features": features}


def _sortie_features(solution: Solution, problem: Problem) -> list[dict[str, Any]]:
    """Drone flights and robot trips: a dashed line each, plus its launch and recovery points."""
    colours = {r.vehicle: PALETTE[i % len(PALETTE)] for i, r in enumerate(solution.routes)}
    out: list[dict[str, Any]] = []
    for n, s in enumerate(solution.sorties):
        where = []
        for field, ident in (("launch_at", s.launch_at), ("stop", s.stop),
                             ("recover_at", s.recover_at)):  # fmt: skip
            place = problem.stop_by_id.get(ident)
            if place is None and ident in problem.depot_index:
                loc = problem.depots[problem.depot_index[ident]].location
            elif place is not None:
                loc = place.location
            else:
                raise ProblemError(f"sorties.{n}.{field}", f"unknown stop or depot id {ident!r}")
            where.append(_lonlat(loc))
        colour = colours.get(s.vehicle or "", "#555555")
        steps: dict[str, Any] = {st.kind: st for st in s.steps}
        common = {
            "unit": s.unit, "fleet": s.fleet, "vehicle": s.vehicle, "stop": s.stop,
            "unit_kind": s.kind,
        }  # fmt: skip
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in where]},
                "properties": {
                    "kind": "flight" if s.kind == "drone" else "robot_trip",
                    **common,
                    "launch_s": steps["launch"].start_s if "launch" in steps else s.launch_s,
                    "deliver_s": steps["deliver"].start_s if "deliver" in steps else None,
                    "recover_s": steps["recover"].end_s if "recover" in steps else None,
                    "energy_wh": s.kpis.get("energy_wh"),
                    "distance_m": s.kpis.get("distance_m"),
                    "colour": colour,
                    "stroke": colour,
                    "stroke-width": 2,
                    "stroke-dasharray": "4 4" if s.kind == "drone" else "1 3",
                },
            }
        )
        for kind, lonlat, key in (
            ("launch", where[0], "launch"),
            ("recovery", where[2], "recover"),
        ):
            st = steps.get(key)
            out.append(
                _point(
                    lonlat,
                    {
                        "kind": kind,
                        **common,
                        "at": s.launch_at if kind == "launch" else s.recover_at,
                        "start_s": None if st is None else st.start_s,
                        "end_s": None if st is None else st.end_s,
                        "marker-color": colour,
                        "marker-symbol": "airport" if s.kind == "drone" else "triangle",
                    },
                )  # fmt: skip
            )
    return out


__all__ = ["PALETTE", "ROUTE_KPIS", "solution_to_geojson"]
