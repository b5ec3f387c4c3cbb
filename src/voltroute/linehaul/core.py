"""The planning core shared by the MILP and the heuristic: settings, loads, trips, connections.

* A **load** is one trailer of parcels of one lane (origin -> destination), built first-fit from
  the lane's flows in order of cut-off; a flow bigger than a trailer is split over several.
* A load moves in one **trip** (direct), or, with driverless trucks, in up to three trips with the
  same trailer: human-driven drayage to the origin's transfer hub, the driverless highway leg, and
  drayage from the destination's transfer hub (the tractor is swapped at each transfer hub).
* Trips leave on a grid of ``slot_s``; a departure is a **candidate** when the origin is open for
  the hook before it and the destination for the drop after the arrival.
* Tractors run a 24 h cycle: after trip ``i`` a tractor may do trip ``j`` (possibly ``w`` days
  later) when ``dep_j - dwell + w * DAY >= arr_i + dwell + charging + deadhead``. With fixed
  departures, the cheapest cyclic chaining (capital per tractor-day x days + deadhead + crew
  pay while charging and for waits under 2 h) is an assignment problem, solved exactly
  (:func:`chain`).
* Battery trucks put back what they used at the next origin when it has chargers (the trip
  then starts full), else at the trip's destination before the deadhead (the next trip starts
  the deadhead's energy below full); no trip dips into the reserve (:func:`connection`).
* A driverless flow that misses its cut-off through the transfer hubs goes direct with a
  human-driven drayage tractor (``Settings.direct_fallback``), noted in ``Instance.notes``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from voltroute.linehaul.hos import Activity, HosRules, drive_schedule
from voltroute.linehaul.model import Flow, Hub, LinehaulNetwork
from voltroute.linehaul.trucks import (
    L_PER_GALLON,
    TruckType,
    default_driver_wage_per_h,
    defaults,
    driver_benefits_loading,
    truck_type,
)
from voltroute.model.errors import ProblemError
from voltroute.model.problem import DAY_S
from voltroute.network.geo import haversine_m

INFEASIBLE = 1e12


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every parameter of one planning run, resolved from the network, overrides and defaults."""

    truck: TruckType
    drayage: TruckType | None
    speed_kph: float
    circuity: float
    dwell_s: int
    slot_s: int
    trailer_capacity_m3: float
    trailer_capacity_kg: float
    parcel_volume_m3: float
    parcel_weight_kg: float
    ambient_temp_c: float
    diesel_price_per_l: float
    electricity_price_per_kwh: float
    driver_wage_per_h: float
    benefits_loading: float
    diesel_co2_kg_per_l: float
    grid_co2_kg_per_kwh: float
    max_drayage_km: float
    duty_split_gap_s: float
    away_per_diem: float
    direct_fallback: bool = True

    @property
    def driver_cost_per_h(self) -> float:
        return self.driver_wage_per_h * self.benefits_loading

    def rules(self, team: bool) -> HosRules:
        return HosRules.us(team=team)

    def as_dict(self) -> dict[str, float | str]:
        out: dict[str, float | str] = {
            "truck_type": self.truck.key,
            "drayage_truck_type": self.drayage.key if self.drayage else "",
        }
        for k, v in self.__dict__.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[k] = v
        return out


def resolve_settings(
    network: LinehaulNetwork,
    *,
    truck_type_name: str,
    diesel_price_per_l: float | None = None,
    electricity_price_per_kwh: float | None = None,
    driver_wage_per_h: float | None = None,
    ambient_temp_c: float | None = None,
    direct_fallback: bool = True,
) -> Settings:
    """Argument > network field > sourced default, for every parameter."""
    d = defaults()
    truck = truck_type(truck_type_name)
    for name, v in (
        ("diesel_price_per_l", diesel_price_per_l),
        ("electricity_price_per_kwh", electricity_price_per_kwh),
        ("driver_wage_per_h", driver_wage_per_h),
    ):
        if v is not None and (not math.isfinite(v) or v < 0):
            raise ProblemError(name, f"must be a non-negative number (got {v})")
    if ambient_temp_c is not None and not -50 <= ambient_temp_c <= 55:
        raise ProblemError("ambient_temp_c", f"must be in [-50, 55] C (got {ambient_temp_c})")

    def pick(arg: float | None, net: float | None, default: float) -> float:
        return float(arg if arg is not None else net if net is not None else default)

    return Settings(
        truck=truck,
        drayage=truck_type(truck.drayage) if truck.drayage else None,
        speed_kph=pick(None, network.speed_kph, d["operations.speed_kph"]),
        circuity=pick(None, network.circuity, d["operations.circuity"]),
        dwell_s=int(pick(None, network.dwell_s, d["operations.dwell_s"])),
        slot_s=int(d["operations.slot_s"]),
        trailer_capacity_m3=pick(
            None, network.trailer_capacity_m3, d["operations.trailer_capacity_m3"]
        ),
        trailer_capacity_kg=pick(
            None, network.trailer_capacity_kg, d["operations.trailer_capacity_kg"]
        ),
        parcel_volume_m3=d["operations.parcel_volume_m3"],
        parcel_weight_kg=d["operations.parcel_weight_kg"],
        ambient_temp_c=pick(ambient_temp_c, network.ambient_temp_c, 15.0),
        diesel_price_per_l=pick(
            diesel_price_per_l,
            network.diesel_price_per_l,
            d["prices.diesel_per_gallon"] / L_PER_GALLON,
        ),
        electricity_price_per_kwh=pick(
            electricity_price_per_kwh,
            network.electricity_price_per_kwh,
            d["prices.electricity_per_kwh"],
        ),
        driver_wage_per_h=pick(
            driver_wage_per_h, network.driver_wage_per_h, default_driver_wage_per_h()
        ),
        benefits_loading=driver_benefits_loading(),
        diesel_co2_kg_per_l=d["prices.diesel_co2_kg_per_l"],
        grid_co2_kg_per_kwh=pick(
            None, network.grid_co2_kg_per_kwh, d["prices.grid_co2_kg_per_kwh"]
        ),
        max_drayage_km=pick(None, network.max_drayage_km, d["operations.max_drayage_km"]),
        duty_split_gap_s=d["operations.duty_split_gap_s"],
        away_per_diem=d["operations.away_per_diem"],
        direct_fallback=direct_fallback,
    )


# ---------------------------------------------------------------- geometry and energy
def road_m(a: Hub, b: Hub, s: Settings) -> float:
    """Road distance: great circle x circuity, metres."""
    if a.id == b.id:
        return 0.0
    (lon1, lat1), (lon2, lat2) = a.location.xy, b.location.xy
    d = haversine_m(lat1, lon1, lat2, lon2)
    return float(d) * s.circuity


def drive_s(distance_m: float, s: Settings) -> float:
    return distance_m / (s.speed_kph / 3.6)


def leg_energy(truck: TruckType, distance_m: float, payload_kg: float, s: Settings) -> float:
    """Litres (diesel) or battery kWh (electric) for a leg at this payload."""
    return truck.per_km(payload_kg / s.trailer_capacity_kg, s.ambient_temp_c) * distance_m / 1000.0


def charge_time_s(truck: TruckType, hub: Hub, battery_kwh: float) -> float:
    """Time to put ``battery_kwh`` into the battery at one of the hub's chargers (grid side power
    limited by the charger and the truck; the battery gains ``charging_efficiency`` of it)."""
    if battery_kwh <= 0:
        return 0.0
    p = min(hub.charger_power_kw, truck.max_charge_kw)
    return battery_kwh / (truck.charging_efficiency * p) * 3600.0


# ---------------------------------------------------------------- loads and trips
@dataclass
class Piece:
    """Part of a flow on a load."""

    flow: str
    parcels: int
    volume_m3: float
    weight_kg: float


@dataclass
class Trip:
    """One leg of one load, driven by one tractor of ``fleet``."""

    id: str
    load: str
    leg: int
    fleet: str
    truck: TruckType
    origin: Hub
    destination: Hub
    distance_m: float
    drive_s: float
    schedule: list[Activity]  # drive/break/off from 0 (departure), fresh crew
    elapsed_s: float  # departure -> arrival at the gate
    payload_kg: float
    volume_m3: float
    energy: float  # litres or battery kWh
    pieces: list[Piece]
    earliest_s: float = 0.0
    latest_s: float = 0.0
    candidates: list[int] = field(default_factory=list)
    dep_s: int = 0

    def occ_start(self, dep: float, s: Settings) -> float:
        return dep - s.dwell_s

    def occ_end(self, dep: float, s: Settings) -> float:
        return dep + self.elapsed_s + s.dwell_s


@dataclass
class Unserved:
    flow: str
    parcels: int
    reason: str


@dataclass
class Instance:
    """Loads as trips, grouped by fleet, with the precedence of the legs of each load."""

    settings: Settings
    trips: list[Trip]
    fleets: dict[str, TruckType]
    legs_of_load: dict[str, list[int]]  # load id -> trip indices in leg order
    unserved: list[Unserved]
    served_parcels: int
    notes: list[str] = field(default_factory=list)


def _path(
    f: Flow, net: LinehaulNetwork, s: Settings, *, direct: bool = False
) -> list[tuple[str, str, str]]:
    """Legs (origin, destination, fleet) of a flow for this truck type; ``direct``: a
    human-driven drayage tractor all the way (driverless networks only)."""
    if not s.truck.highway_only:
        return [(f.origin, f.destination, "main")]
    if direct:
        return [(f.origin, f.destination, "drayage")]
    transfers = [h for h in net.hubs if h.kind == "transfer"]

    def nearest(hid: str) -> Hub | None:
        h = net.hub(hid)
        if h.kind == "transfer":
            return h
        best = min(transfers, key=lambda t: road_m(h, t, s), default=None)
        if best is None or road_m(h, best, s) > s.max_drayage_km * 1000:
            return None
        return best

    a, b = nearest(f.origin), nearest(f.destination)
    if a is None or b is None or a.id == b.id:
        return [(f.origin, f.destination, "drayage")]  # no highway leg: human-driven all the way
    legs = []
    if f.origin != a.id:
        legs.append((f.origin, a.id, "drayage"))
    legs.append((a.id, b.id, "driverless"))
    if b.id != f.destination:
        legs.append((b.id, f.destination, "drayage"))
    return legs


def _departures(trip: Trip, lo: float, hi: float, s: Settings) -> list[int]:
    """Slot departures in [lo, hi] with the origin open for the hook and the destination for the drop."""
    first = math.ceil(lo / s.slot_s - 1e-9) * s.slot_s
    out = []
    t = first
    while t <= hi + 1e-6:
        if trip.origin.is_open(t - s.dwell_s, t) and trip.destination.is_open(
            t + trip.elapsed_s, t + trip.elapsed_s + s.dwell_s
        ):
            out.append(int(t))
        t += s.slot_s
    return out


def _make_trip(
    load: str,
    leg: int,
    o: Hub,
    d: Hub,
    fleet: str,
    truck: TruckType,
    pieces: list[Piece],
    s: Settings,
) -> Trip:
    dist = road_m(o, d, s)
    dr = drive_s(dist, s)
    sched = (
        drive_schedule(dr, rules=s.rules(truck.team))
        if truck.driver == "human"
        else ([Activity("drive", 0.0, dr)] if dr > 0 else [])
    )
    elapsed = sched[-1].end_s if sched else 0.0
    payload = sum(p.weight_kg for p in pieces)
    return Trip(
        id=f"{load}.{leg}" if leg else load,
        load=load,
        leg=leg,
        fleet=fleet,
        truck=truck,
        origin=o,
        destination=d,
        distance_m=dist,
        drive_s=dr,
        schedule=sched,
        elapsed_s=elapsed,
        payload_kg=payload,
        volume_m3=sum(p.volume_m3 for p in pieces),
        energy=leg_energy(truck, dist, payload, s),
        pieces=pieces,
    )


def _schedule_legs(trips: list[Trip], release: float, cutoff: float, s: Settings) -> str | None:
    """Set each leg's window and candidates; None if the chain fits, else the reason."""
    durs = [t.elapsed_s + 2 * s.dwell_s for t in trips]
    for k, t in enumerate(trips):
        if t.truck.electric and t.energy > t.truck.usable_kwh + 1e-9:
            return (
                f"{t.origin.id}->{t.destination.id} needs {t.energy:.0f} kWh, more than the "
                f"{t.truck.usable_kwh:.0f} kWh a {t.truck.key} truck may use on one charge"
            )
        t.earliest_s = release + s.dwell_s + sum(durs[:k])
        t.latest_s = cutoff - s.dwell_s - t.elapsed_s - sum(durs[k + 1 :])
        t.candidates = _departures(t, t.earliest_s, t.latest_s, s)
    total = sum(durs)
    if total > cutoff - release + 1e-6:
        drive_h = sum(t.drive_s for t in trips) / 3600
        return (
            f"needs {total / 3600:.1f} h from release to unloaded ({drive_h:.1f} h driving plus "
            f"hours-of-service stops, hooks and drops) but only {(cutoff - release) / 3600:.1f} h "
            "lie between release and cut-off"
        )
    # forward pass: earliest consistent departures
    ready = -math.inf
    for t in trips:
        c = [x for x in t.candidates if x >= ready - 1e-6]
        if not c:
            return (
                f"no departure {t.origin.id}->{t.destination.id} on the {s.slot_s // 60}-minute "
                "grid fits the opening hours of both hubs between release and cut-off"
            )
        t.candidates = c
        ready = c[0] + t.elapsed_s + 2 * s.dwell_s
    # backward pass: drop candidates that leave no room for the later legs
    latest = math.inf
    for m in range(len(trips) - 1, -1, -1):
        t = trips[m]
        t.candidates = [x for x in t.candidates if x <= latest + 1e-6]
        if not t.candidates:
            return "the legs cannot be chained within the window (opening hours)"
        if m > 0:
            latest = t.candidates[-1] - trips[m - 1].elapsed_s - 2 * s.dwell_s
    return None


def build_instance(network: LinehaulNetwork, s: Settings) -> Instance:
    """Loads, their trips and windows; flows that cannot make their cut-off, with the reason."""
    lanes: dict[tuple[str, str], list[Flow]] = {}
    for f in network.flows:
        lanes.setdefault((f.origin, f.destination), []).append(f)
    trips: list[Trip] = []
    legs_of_load: dict[str, list[int]] = {}
    unserved: list[Unserved] = []
    fleets: dict[str, TruckType] = {}
    served = 0
    n_load = 0
    direct: set[str] = set()  # flows sent direct by a human-driven tractor (driverless only)
    notes: list[str] = []

    def trips_for(
        pieces: list[Piece], release: float, cutoff: float, f0: Flow
    ) -> tuple[list[Trip], str | None]:
        name = f"L{n_load + 1}"
        path = _path(f0, network, s, direct=f0.id in direct)
        out = []
        for k, (o, d, fleet) in enumerate(path):
            truck = s.drayage if fleet == "drayage" and s.drayage is not None else s.truck
            out.append(
                _make_trip(
                    name,
                    k if len(path) > 1 else 0,
                    network.hub(o),
                    network.hub(d),
                    fleet,
                    truck,
                    pieces,
                    s,
                )
            )
        for k, t in enumerate(out):
            t.id = f"{name}.{k + 1}" if len(out) > 1 else name
        return out, _schedule_legs(out, release, cutoff, s)

    for (_o, _d), flows in lanes.items():
        flows = sorted(flows, key=lambda f: (f.cutoff_s, f.release_s, f.id))
        open_load: tuple[list[Piece], float, float, Flow] | None = None

        def close(load: tuple[list[Piece], float, float, Flow]) -> None:
            nonlocal n_load, served
            pieces, rel, cut, f0 = load
            ts, why = trips_for(pieces, rel, cut, f0)
            assert why is None
            n_load += 1
            legs_of_load[ts[0].load] = []
            for t in ts:
                legs_of_load[t.load].append(len(trips))
                trips.append(t)
                fleets[t.fleet] = t.truck
            served += sum(p.parcels for p in pieces)

        for f in flows:
            vol_per = (f.volume_m3 or f.parcels * s.parcel_volume_m3) / f.parcels
            kg_per = (f.weight_kg or f.parcels * s.parcel_weight_kg) / f.parcels
            per_trailer = int(min(s.trailer_capacity_m3 / vol_per, s.trailer_capacity_kg / kg_per))
            if per_trailer < 1:
                unserved.append(Unserved(f.id, f.parcels, "one parcel is bigger than a trailer"))
                continue
            # Can this flow move at all (alone, in a trailer of its own)?
            probe = [
                Piece(f.id, min(f.parcels, per_trailer), 0.0, kg_per * min(f.parcels, per_trailer))
            ]
            _, why = trips_for(probe, f.release_s, f.cutoff_s, f)
            if why is not None and s.truck.highway_only and s.direct_fallback:
                direct.add(f.id)  # the transfer-hub chain misses the cut-off: try direct
                _, why_direct = trips_for(probe, f.release_s, f.cutoff_s, f)
                if why_direct is None:
                    notes.append(
                        f"flow {f.id} ({f.parcels} parcels) goes direct with a human-driven "
                        f"{s.drayage.key if s.drayage else s.truck.key} tractor: via the "
                        f"transfer hubs it {why}"
                    )
                    why = None
                else:
                    direct.discard(f.id)
            if why is not None:
                unserved.append(Unserved(f.id, f.parcels, why))
                continue
            left = f.parcels
            while left > 0:
                if open_load is not None:
                    pieces, rel, cut, f0 = open_load
                    room_v = s.trailer_capacity_m3 - sum(p.volume_m3 for p in pieces)
                    room_k = s.trailer_capacity_kg - sum(p.weight_kg for p in pieces)
                    fit = int(min(room_v / vol_per + 1e-9, room_k / kg_per + 1e-9, left))
                    if fit >= 1:
                        nrel, ncut = max(rel, f.release_s), min(cut, f.cutoff_s)
                        trial = [*pieces, Piece(f.id, fit, fit * vol_per, fit * kg_per)]
                        _, why = trips_for(trial, nrel, ncut, f0) if ncut > nrel else (None, "x")
                        if why is None:
                            open_load = (trial, nrel, ncut, f0)
                            left -= fit
                            continue
                    close(open_load)
                    open_load = None
                take = min(left, per_trailer)
                open_load = (
                    [Piece(f.id, take, take * vol_per, take * kg_per)],
                    f.release_s,
                    f.cutoff_s,
                    f,
                )
                left -= take
        if open_load is not None:
            close(open_load)
    # windows of the final loads (trips_for above worked on copies)
    for lid, idx in legs_of_load.items():
        ts = [trips[i] for i in idx]
        pieces = ts[0].pieces
        fl = {f.id: f for f in network.flows}
        rel = max(fl[p.flow].release_s for p in pieces)
        cut = min(fl[p.flow].cutoff_s for p in pieces)
        why = _schedule_legs(ts, rel, cut, s)
        assert why is None, (lid, why)
    return Instance(s, trips, fleets, legs_of_load, unserved, served, notes)


def drop_loads(inst: Instance, dropped: dict[str, str]) -> Instance:
    """The instance without the loads ``dropped`` (load id -> reason); their parcels are
    reported unserved with that reason (never lost)."""
    keep = [i for i, t in enumerate(inst.trips) if t.load not in dropped]
    new_index = {old: new for new, old in enumerate(keep)}
    trips = [inst.trips[i] for i in keep]
    legs = {
        lid: [new_index[i] for i in ix]
        for lid, ix in inst.legs_of_load.items()
        if lid not in dropped
    }
    unserved = list(inst.unserved)
    lost = 0
    for lid, reason in dropped.items():
        for piece in inst.trips[inst.legs_of_load[lid][0]].pieces:
            unserved.append(Unserved(piece.flow, piece.parcels, reason))
            lost += piece.parcels
    fleets = {t.fleet: t.truck for t in trips}
    return Instance(
        inst.settings, trips, fleets, legs, unserved, inst.served_parcels - lost, list(inst.notes)
    )


# ---------------------------------------------------------------- connections and chaining
@dataclass(frozen=True)
class Connection:
    """What a tractor does between trip ``i`` and trip ``j``: charge, deadhead.

    Battery trucks: ``charge_kwh`` is planned for the largest deficit the tractor can bring into
    trip ``i`` (``deficit_in`` of the fleet table); the assembly charges the actual amount, which
    is never more, so the time reserved here always suffices. ``deficit_out`` is what trip ``j``
    then starts below a full battery (the deadhead driven after charging at ``i``'s end).
    """

    need_s: float  # charging + deadhead time
    deadhead_m: float
    deadhead_s: float
    deadhead_energy: float  # litres or battery kWh
    charge_hub: str | None
    charge_kwh: float  # into the battery (planned, an upper bound)
    charge_s: float
    charge_before_deadhead: bool
    cost: float  # deadhead running cost (distance, energy, crew time)
    feasible: bool
    deficit_out: float = 0.0  # kWh below full at the start of the next trip


def hourly_cost(truck: TruckType, s: Settings) -> float:
    """Crew cost per hour the truck is driven: drivers' pay, or remote supervision."""
    return truck.drivers_per_truck * s.driver_cost_per_h + truck.supervision_per_h


def energy_cost(truck: TruckType, energy: float, s: Settings) -> float:
    if truck.electric:
        return energy / truck.charging_efficiency * s.electricity_price_per_kwh
    return energy * s.diesel_price_per_l


def _deadhead(a: Trip, b: Trip, s: Settings) -> tuple[float, float, float, float]:
    truck = a.truck
    dh = road_m(a.destination, b.origin, s)
    dh_s = drive_s(dh, s)
    e_dh = leg_energy(truck, dh, 0.0, s)
    cost = (
        dh / 1000 * truck.distance_cost_per_km
        + energy_cost(truck, e_dh, s)
        + hourly_cost(truck, s) * dh_s / 3600
    )
    return dh, dh_s, e_dh, cost


def deficit_after(a: Trip, b: Trip, s: Settings) -> float | None:
    """kWh below full that ``b`` starts with when it follows ``a`` (None: that pair needs no
    deficit, 0 or more otherwise). Non-zero only when ``b``'s origin has no chargers: the tractor
    charges full at ``a``'s destination and the deadhead to ``b`` is not put back before ``b``."""
    if not a.truck.electric or b.origin.chargers > 0 or a.destination.chargers == 0:
        return None
    _, _, e_dh, _ = _deadhead(a, b, s)
    if e_dh + b.energy > a.truck.usable_kwh + 1e-9:
        return None
    return e_dh


def connection(
    a: Trip,
    b: Trip,
    s: Settings,
    deficit_in: float = 0.0,
    queue_s: Mapping[str, float] | None = None,
) -> Connection:
    """The connection ``a -> b`` when ``a`` may start up to ``deficit_in`` kWh below full.

    Charging policy (battery trucks), chosen so that no trip ever dips into the reserve: when
    ``b``'s origin has chargers the tractor drives the deadhead first and puts back everything
    there (``b`` starts full); otherwise it charges full at ``a``'s destination before the
    deadhead (``b`` starts the deadhead's energy below full); with chargers at neither end the
    pair is not allowed. ``queue_s``: time allowed per hub to wait for a free charger.
    """
    truck = a.truck
    dh, dh_s, e_dh, cost = _deadhead(a, b, s)
    if not truck.electric:
        return Connection(dh_s, dh, dh_s, e_dh, None, 0.0, 0.0, False, cost, True)
    bad = Connection(INFEASIBLE, dh, dh_s, e_dh, None, 0.0, 0.0, False, cost, False)
    used = deficit_in + a.energy
    if b.origin.chargers > 0:
        need = used + e_dh
        if need > truck.usable_kwh + 1e-9:
            return bad
        hub, before, out = b.origin, dh <= 0, 0.0
    elif a.destination.chargers > 0:
        if e_dh + b.energy > truck.usable_kwh + 1e-9:
            return bad
        need, hub, before, out = used, a.destination, True, e_dh
    else:
        return bad
    ct = charge_time_s(truck, hub, need)
    wait = (queue_s or {}).get(hub.id, 0.0)
    return Connection(dh_s + ct + wait, dh, dh_s, e_dh, hub.id, need, ct, before, cost, True, out)


def wraps(a: Trip, dep_a: float, b: Trip, dep_b: float, c: Connection, s: Settings) -> int:
    """Fewest days ``w`` so that ``b`` (``w`` days later) follows ``a``."""
    gap = a.occ_end(dep_a, s) + c.need_s - b.occ_start(dep_b, s)
    w = max(0, math.ceil(gap / DAY_S - 1e-9))
    return w


def fleet_indices(inst: Instance) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, t in enumerate(inst.trips):
        out.setdefault(t.fleet, []).append(i)
    return out


def deficits_in(inst: Instance, idx: list[int]) -> list[float]:
    """Per trip of the fleet, the largest deficit any allowed predecessor leaves it, kWh."""
    s = inst.settings
    out = []
    for j in idx:
        worst = 0.0
        for i in idx:
            d = deficit_after(inst.trips[i], inst.trips[j], s)
            if d is not None:
                worst = max(worst, d)
        out.append(worst)
    return out


def connection_table(
    inst: Instance, idx: list[int], queue_s: Mapping[str, float] | None = None
) -> list[list[Connection]]:
    din = deficits_in(inst, idx)
    return [
        [connection(inst.trips[i], inst.trips[j], inst.settings, din[p], queue_s) for j in idx]
        for p, i in enumerate(idx)
    ]


@dataclass
class FleetTable:
    """Departure-independent data of one fleet's connections (positions in ``idx``).

    ``dhcost``: the connection's fixed cost, deadhead running cost plus the crew's pay while
    the tractor charges. ``wait_cost_per_s`` and ``split_s``: a wait between two trips shorter
    than ``split_s`` keeps the crew on duty and is paid; a longer one ends the duty.
    """

    idx: list[int]
    truck: TruckType
    need: np.ndarray  # s, inf when infeasible
    dhcost: np.ndarray
    elapsed: np.ndarray  # s, departure to arrival
    conns: list[list[Connection]]
    min_wrap: np.ndarray | None = None  # days a pair must at least wrap (charger repairs)
    wait_cost_per_s: float = 0.0
    split_s: float = 0.0


def fleet_table(
    inst: Instance, idx: list[int], queue_s: Mapping[str, float] | None = None
) -> FleetTable:
    """The fleet's connections; ``queue_s``: per hub, time allowed to wait for a charger."""
    conns = connection_table(inst, idx, queue_s)
    n = len(idx)
    need = np.array([[c.need_s if c.feasible else np.inf for c in row] for row in conns]).reshape(
        n, n
    )
    truck = inst.trips[idx[0]].truck
    s = inst.settings
    crew_per_s = truck.drivers_per_truck * s.driver_cost_per_h / 3600.0
    dhc = np.array([[c.cost + crew_per_s * c.charge_s for c in row] for row in conns]).reshape(n, n)
    el = np.array([inst.trips[i].elapsed_s for i in idx])
    return FleetTable(
        idx, truck, need, dhc, el, conns, wait_cost_per_s=crew_per_s, split_s=s.duty_split_gap_s
    )


def _gap(ft: FleetTable, deps: np.ndarray, s: Settings) -> np.ndarray:
    """Per ordered pair: from ``a``'s departure to ``b``'s hook, time needed beyond
    ``b``'s departure on the same day (s); the wait is ``w * DAY - gap``."""
    return (deps + ft.elapsed + 2 * s.dwell_s)[:, None] + ft.need - deps[None, :]


def wrap_matrix(ft: FleetTable, deps: np.ndarray, s: Settings) -> np.ndarray:
    """Fewest days between each ordered pair (diagonal at least 1); huge when infeasible."""
    gap = _gap(ft, deps, s)
    with np.errstate(invalid="ignore"):
        w = np.ceil(gap / DAY_S - 1e-9)
    w = np.where(np.isfinite(w), np.maximum(w, 0), 1e6)
    np.fill_diagonal(w, np.maximum(np.diag(w), 1))
    if ft.min_wrap is not None:
        w = np.maximum(w, ft.min_wrap)
    return w


def connection_costs(
    ft: FleetTable, deps: np.ndarray, s: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """Wraps and cost of every ordered pair at fixed departures: capital per tractor-day x
    days + deadhead + crew pay while charging + crew pay for a wait that keeps them on duty."""
    w = wrap_matrix(ft, deps, s)
    cost = ft.truck.capital_per_day() * w + ft.dhcost
    if ft.wait_cost_per_s > 0:
        gap = _gap(ft, deps, s)

        def paid(days: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore"):
                wait = days * DAY_S - gap
            keep = np.isfinite(wait) & (wait < ft.split_s)
            return ft.wait_cost_per_s * np.where(keep, np.maximum(wait, 0.0), 0.0)

        cost = cost + paid(w)
        # a day more ends the duty (no paid wait) but costs a tractor-day: take the cheaper
        later = cost + ft.truck.capital_per_day() - paid(w) + paid(w + 1)
        use = later < cost - 1e-9
        w = np.where(use, w + 1, w)
        cost = np.where(use, later, cost)
    return w, cost


def chain(ft: FleetTable, deps: np.ndarray, s: Settings) -> tuple[list[int], list[int], float]:
    """Cheapest cyclic chaining at fixed departures (``deps`` by position): successor, wraps and
    the objective (:func:`connection_costs`). Exact: an assignment problem."""
    from scipy.optimize import linear_sum_assignment

    w, cost = connection_costs(ft, deps, s)
    cost = np.where(np.isfinite(ft.need), cost, INFEASIBLE)
    rows, cols = linear_sum_assignment(cost)
    succ = [0] * len(rows)
    for r, c in zip(rows, cols, strict=True):
        succ[int(r)] = int(c)
    return succ, [int(w[a, succ[a]]) for a in range(len(succ))], float(cost[rows, cols].sum())


# ---------------------------------------------------------------- docks
def dock_slots(t: Trip, dep: float, s: Settings) -> list[tuple[str, int]]:
    """(hub, slot of day) pairs the trip's hook (before ``dep``) and drop (after arrival) use."""
    per_day = DAY_S // s.slot_s
    out = []
    for hub, a, b in (
        (t.origin.id, dep - s.dwell_s, dep),
        (t.destination.id, dep + t.elapsed_s, dep + t.elapsed_s + s.dwell_s),
    ):
        if b <= a:
            continue
        k0 = math.floor(a / s.slot_s + 1e-9)
        k1 = math.ceil(b / s.slot_s - 1e-9)
        for k in range(k0, k1):
            out.append((hub, k % per_day))
    return out
