"""The study's inputs: the last mile's order set (a problem file, or a built-in demo-like day)
and the middle mile's network (a network JSON file, or the built-in example).

The built-in day uses the order assumptions of ``voltroute demo``
(:data:`voltroute.demo.ORDER_ASSUMPTIONS`: parcel masses, densities, parcels per stop, service
times and time windows) through :func:`voltroute.demo.generate_orders`. Only the addresses
differ: the demo uses buildings of a real road network, here they are points drawn uniformly in
a disk around the depot (30 % businesses, 40 % apartment blocks; engineering assumptions for a
mixed urban area), with great-circle travel times the road-circuity factor of
:class:`voltroute.model.Travel`, so a study needs no map download and each plan takes seconds.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voltroute.model import Depot, Location, Problem, ProblemError, Travel

if TYPE_CHECKING:
    from voltroute.linehaul import LinehaulNetwork

#: Share of businesses and of apartment blocks among the generated addresses (assumption).
BUSINESS_SHARE = 0.3
APARTMENT_SHARE = 0.4
H = 3600
EARTH_RADIUS_M = 6_371_000.0


def _addresses(
    *, n: int, seed: int, lat: float, lon: float, radius_km: float
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        r = radius_km * 1000.0 * math.sqrt(float(rng.random()))
        a = 2 * math.pi * float(rng.random())
        dlat = math.degrees(r * math.cos(a) / EARTH_RADIUS_M)
        dlon = math.degrees(r * math.sin(a) / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
        u = float(rng.random())
        business = u < BUSINESS_SHARE
        kind = (
            "commercial"
            if business
            else ("apartments" if u < BUSINESS_SHARE + APARTMENT_SHARE else "house")
        )
        out.append(
            {
                "osm_id": k + 1,  # no OSM object: a running number for the address text
                "kind": kind,
                "lat": lat + dlat,
                "lon": lon + dlon,
                "business": business,
                "address": "",
            }
        )
    return out


def generated_problem(
    *,
    stops: int,
    seed: int,
    depot_lat: float,
    depot_lon: float,
    radius_km: float,
    vans: int,
) -> Problem:
    """A demo-like day of ``stops`` addresses served by ``vans`` Ford E-Transits from one depot.

    The fleet is a placeholder of the right size class: each study fleet replaces it (see
    :mod:`voltroute.study.fleets`). Shifts 08:00-18:00 as in the demo.
    """
    from voltroute.demo import generate_orders
    from voltroute.energy.catalogue import vehicle_type_from_preset

    addresses = _addresses(n=stops, seed=seed, lat=depot_lat, lon=depot_lon, radius_km=radius_km)
    orders = generate_orders(addresses, n_stops=stops, seed=seed)
    orders = [s.replace(address=f"generated address {k + 1}") for k, s in enumerate(orders)]
    depot = Depot(
        id="DS1",
        name="delivery station",
        location=Location(lat=depot_lat, lon=depot_lon),
        open_s=6 * H,
        close_s=21 * H,
    )
    fleet = vehicle_type_from_preset(
        "ford-e-transit",
        id="van",
        start_depot="DS1",
        count=vans,
        shift_start_s=8 * H,
        shift_end_s=18 * H,
    )
    return Problem(
        name=f"generated-{stops}-{seed}",
        depots=(depot,),
        stops=tuple(orders),
        vehicle_types=(fleet,),
        travel=Travel(model="haversine"),
    )


def problem_digest(problem: Problem) -> str:
    """A stable hash of a problem's content (its canonical JSON)."""
    data = problem.model_dump(mode="json")
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_order_set(spec: Any) -> Problem:
    """The last-mile problem a study names: its problem file or its generated day."""
    lm = spec.last_mile
    path: Path | None = spec.problem_path()
    if path is not None:
        from voltroute.io import read_problem

        return read_problem(path)
    g = lm.generated
    return generated_problem(
        stops=g.stops,
        seed=g.seed,
        depot_lat=g.depot_lat,
        depot_lon=g.depot_lon,
        radius_km=g.radius_km,
        vans=g.vans,
    )


def load_network(spec: Any) -> LinehaulNetwork:
    """The middle-mile network a study names: ``"example"`` or its network JSON file.

    A missing or malformed file raises one :class:`ProblemError` on ``linehaul.network`` whose
    rule names the file and, for a bad network, the field inside it
    (``linehaul.network: flows.0.origin: unknown hub 'X' (in net.json)``).
    """
    from voltroute.linehaul import example_network, read_network

    path: Path | None = spec.network_path()
    if path is None:
        return example_network()
    if not path.is_file():
        raise ProblemError("linehaul.network", f"file not found: {path}")
    try:
        return read_network(path)
    except ProblemError as exc:
        # read_network names the file itself for I/O and JSON errors, else the network field
        inner = exc.rule if exc.field in ("", str(path), "network") else str(exc)
        raise ProblemError("linehaul.network", f"{inner} (in {path})") from None


def network_digest(network: LinehaulNetwork) -> str:
    """A stable hash of a middle-mile network's content (its canonical JSON)."""
    text = json.dumps(network.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
