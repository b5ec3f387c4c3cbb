"""Plan the middle mile: loads, departures, tractors, charging, drivers' duties, cost and CO2.

>>> from voltroute.linehaul import example_network, plan
>>> p = plan(example_network(), truck_type="electric", time_limit_s=10)   # doctest: +SKIP
>>> p.kpis["cost_per_parcel"], p.cost_breakdown, p.unserved                # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from voltroute.linehaul.core import (
    Instance,
    Settings,
    Trip,
    build_instance,
    chain,
    charge_time_s,
    drop_loads,
    fleet_indices,
    fleet_table,
    resolve_settings,
)
from voltroute.linehaul.heuristic import dock_feasible_start, full_docks, solve_heuristic
from voltroute.linehaul.hos import Activity, check_duty
from voltroute.linehaul.model import LinehaulNetwork
from voltroute.linehaul.trucks import TruckType, truck_type
from voltroute.model.problem import DAY_S, Frozen

__all__ = [
    "ChargeSession",
    "Duty",
    "LinehaulPlan",
    "PlannedTrip",
    "Tractor",
    "UnservedFlow",
    "plan",
]

MILP_MAX_TRIPS = 12  # HiGHS proves these optimal in seconds; 17 trips took 14-38 s


class PieceOut(Frozen):
    flow: str
    parcels: int


class PlannedTrip(Frozen):
    """A loaded trip (``loaded``) or an empty repositioning (deadhead). Times are seconds from
    00:00 of the day the tractor's cycle is counted from; they may pass 86 400."""

    id: str
    load: str = ""
    leg: int = 0
    fleet: str
    truck_type: str
    tractor: str
    loaded: bool
    origin: str
    destination: str
    depart_s: float
    arrive_s: float
    distance_m: float
    drive_s: float
    stops: tuple[tuple[str, float, float], ...] = Field(
        default=(), description="hours-of-service stops on the way: (break|off, start_s, end_s)"
    )
    parcels: int = 0
    volume_m3: float = 0.0
    weight_kg: float = 0.0
    pieces: tuple[PieceOut, ...] = ()
    fuel_l: float = 0.0
    battery_kwh: float = 0.0


class ChargeSession(Frozen):
    tractor: str
    hub: str
    start_s: float
    end_s: float
    battery_kwh: float
    grid_kwh: float


class Tractor(Frozen):
    """One tractor cycle: ``cycle_days`` tractors run it, one day apart (a 2-day cycle needs 2)."""

    id: str
    fleet: str
    truck_type: str
    cycle_days: int
    trips: tuple[str, ...] = Field(description="loaded and empty trips in cycle order")


class Duty(Frozen):
    """One driver's (or team's) duty period on one tractor."""

    id: str
    tractor: str
    crew: int
    start_s: float
    end_s: float
    driving_s: float
    start_hub: str
    end_hub: str
    trips: tuple[str, ...]
    away: bool = Field(description="ends at another hub than it began (per diem paid)")


class UnservedFlow(Frozen):
    flow: str
    parcels: int
    reason: str


class LinehaulPlan(Frozen):
    """The day's schedule and its accounting (every figure per day)."""

    network: str
    truck_type: str
    method: Literal["milp", "heuristic"]
    optimal: bool = False
    objective: float = Field(
        description="what the solvers minimise: capital per tractor-day x tractor-days + "
        "deadhead cost + crew pay while charging and for waits under 2 h (USD/day)"
    )
    mip_gap: float | None = None
    solve_time_s: float
    settings: dict[str, float | str]
    trips: tuple[PlannedTrip, ...]
    charges: tuple[ChargeSession, ...]
    tractors: tuple[Tractor, ...]
    duties: tuple[Duty, ...]
    unserved: tuple[UnservedFlow, ...]
    kpis: dict[str, Any]
    cost_breakdown: dict[str, float]
    violations: tuple[str, ...] = Field(
        default=(), description="rules the plan breaks (empty: it holds, the checker agrees)"
    )
    notes: tuple[str, ...] = Field(
        default=(), description="flows sent direct by a human-driven tractor, and why"
    )

    @property
    def feasible(self) -> bool:
        """Every rule holds (no violations)."""
        return not self.violations

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=1)

    @classmethod
    def from_json(cls, text: str) -> LinehaulPlan:
        return cls.model_validate(json.loads(text))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")


# ---------------------------------------------------------------- cost of the parts
def trip_costs(truck: TruckType, distance_m: float, energy: float, s: Settings) -> dict[str, float]:
    """Running cost of one trip by component, and its energy and CO2."""
    km = distance_m / 1000.0
    fuel = 0.0 if truck.electric else energy
    grid = energy / truck.charging_efficiency if truck.electric else 0.0
    return {
        "maintenance": km * truck.repair_maintenance_per_km,
        "insurance_tolls": km * (truck.insurance_per_km + truck.permits_tires_tolls_per_km),
        "energy": fuel * s.diesel_price_per_l + grid * s.electricity_price_per_kwh,
        "fuel_l": fuel,
        "grid_kwh": grid,
        "co2_kg": fuel * s.diesel_co2_kg_per_l + grid * s.grid_co2_kg_per_kwh,
    }


def account(
    trips: list[PlannedTrip],
    tractors: list[Tractor],
    duties: list[Duty],
    s: Settings,
    parcels: int,
) -> tuple[dict[str, float], dict[str, Any]]:
    """Cost breakdown and KPIs recomputed from the plan's parts (the checker calls it too)."""
    br = dict.fromkeys(
        ("driver", "energy", "maintenance", "insurance_tolls", "capital", "supervision", "lodging"),
        0.0,
    )
    fuel = grid = co2 = 0.0
    dist = loaded = 0.0
    for t in trips:
        truck = truck_type(t.truck_type)
        energy = t.battery_kwh if truck.electric else t.fuel_l
        c = trip_costs(truck, t.distance_m, energy, s)
        for k in ("maintenance", "insurance_tolls", "energy"):
            br[k] += c[k]
        fuel += c["fuel_l"]
        grid += c["grid_kwh"]
        co2 += c["co2_kg"]
        dist += t.distance_m
        loaded += t.distance_m if t.loaded else 0.0
        br["supervision"] += truck.supervision_per_h * t.drive_s / 3600.0
    for tr in tractors:
        br["capital"] += tr.cycle_days * truck_type(tr.truck_type).capital_per_day()
    for d in duties:
        br["driver"] += d.crew * (d.end_s - d.start_s) / 3600.0 * s.driver_cost_per_h
        br["lodging"] += d.crew * s.away_per_diem if d.away else 0.0
    total = sum(br.values())
    by_fleet: dict[str, int] = {}
    for tr in tractors:
        by_fleet[tr.fleet] = by_fleet.get(tr.fleet, 0) + tr.cycle_days
    kpis: dict[str, Any] = {
        "trucks": sum(tr.cycle_days for tr in tractors),
        "trucks_by_fleet": by_fleet,
        "drivers": sum(d.crew for d in duties),
        "duties": len(duties),
        "distance_m": dist,
        "loaded_distance_m": loaded,
        "deadhead_distance_m": dist - loaded,
        "energy_kwh": grid,
        "fuel_l": fuel,
        "cost_total": total,
        "cost_per_parcel": total / parcels if parcels else 0.0,
        "cost_per_km": total / (dist / 1000) if dist else 0.0,
        "co2_kg": co2,
        "co2_per_parcel_kg": co2 / parcels if parcels else 0.0,
        "parcels": parcels,
        "trips": sum(1 for t in trips if t.loaded),
        "currency": "USD",
    }
    return br, kpis


# ---------------------------------------------------------------- building the plan
def _stops(t: Trip, dep: float) -> tuple[tuple[str, float, float], ...]:
    return tuple((a.kind, dep + a.start_s, dep + a.end_s) for a in t.schedule if a.kind != "drive")


@dataclass
class _Parts:
    trips: list[PlannedTrip]
    charges: list[ChargeSession]
    tractors: list[Tractor]
    duties: list[Duty]
    problems: list[str]
    charger_failures: list[tuple[str, int, int, int, str]]  # fleet, pos a, pos b, wrap, hub
    objective: float


def _assemble(
    inst: Instance,
    deps: dict[int, int],
    min_wrap: dict[tuple[str, str], int] | None = None,
    queue_s: dict[str, float] | None = None,
) -> _Parts:
    """Chain, charge, deadhead and cut duties for fixed departures. ``min_wrap``: days a
    connection (trip id, trip id) must at least span; ``queue_s``: per hub, time allowed to
    wait for a charger (both raised where chargers were found busy)."""
    s = inst.settings
    failures: list[tuple[str, int, int, int, str]] = []
    objective = 0.0
    trips_out: list[PlannedTrip] = []
    charges: list[ChargeSession] = []
    tractors: list[Tractor] = []
    duties: list[Duty] = []
    problems: list[str] = []
    n_tr = 0
    pending_charges: list[dict[str, Any]] = []
    cycles: list[dict[str, Any]] = []
    for fleet, idx in sorted(fleet_indices(inst).items()):
        ft = fleet_table(inst, idx, queue_s)
        if min_wrap:
            pos = {inst.trips[i].id: k for k, i in enumerate(idx)}
            mw = np.zeros((len(idx), len(idx)))
            for (ia, ib), w in min_wrap.items():
                if ia in pos and ib in pos:
                    mw[pos[ia], pos[ib]] = w
            ft.min_wrap = mw
        dep_arr = np.array([deps[i] for i in idx], dtype=float)
        succ, ws, obj = chain(ft, dep_arr, s)
        objective += obj
        # the battery deficit each trip really starts with (its predecessor's deadhead after
        # charging), so each session puts back exactly what was used
        deficit = [0.0] * len(idx)
        for pa, pb in enumerate(succ):
            deficit[pb] = ft.conns[pa][pb].deficit_out
        seen = [False] * len(idx)
        for p0 in range(len(idx)):
            if seen[p0]:
                continue
            cyc = []
            p = p0
            while not seen[p]:
                seen[p] = True
                cyc.append(p)
                p = succ[p]
            # start the cycle after its longest wait so duties are cut there
            n_tr += 1
            tid = f"{fleet[:2].upper()}{n_tr}"
            truck = inst.trips[idx[cyc[0]]].truck
            offs = [0]
            for p in cyc[:-1]:
                offs.append(offs[-1] + ws[p])
            days = offs[-1] + ws[cyc[-1]]
            names: list[str] = []
            # per trip: the block [deadhead in, charge at origin, hook, trip, drop, charge at dest]
            block_acts: dict[int, list[Activity]] = {k: [] for k in range(len(cyc))}
            block_ids: dict[int, list[str]] = {k: [] for k in range(len(cyc))}
            block_start_hub: dict[int, str] = {}
            for k, p in enumerate(cyc):
                i = idx[p]
                t = inst.trips[i]
                dep = deps[i] + offs[k] * DAY_S
                trips_out.append(
                    PlannedTrip(
                        id=t.id,
                        load=t.load,
                        leg=t.leg,
                        fleet=fleet,
                        truck_type=truck.key,
                        tractor=tid,
                        loaded=True,
                        origin=t.origin.id,
                        destination=t.destination.id,
                        depart_s=dep,
                        arrive_s=dep + t.elapsed_s,
                        distance_m=t.distance_m,
                        drive_s=t.drive_s,
                        stops=_stops(t, dep),
                        parcels=sum(x.parcels for x in t.pieces),
                        volume_m3=t.volume_m3,
                        weight_kg=t.payload_kg,
                        pieces=tuple(PieceOut(flow=x.flow, parcels=x.parcels) for x in t.pieces),
                        fuel_l=0.0 if truck.electric else t.energy,
                        battery_kwh=t.energy if truck.electric else 0.0,
                    )
                )
                names.append(t.id)
                block_ids[k].append(t.id)
                acts = block_acts[k]
                acts.append(Activity("on_duty", dep - s.dwell_s, dep))
                acts.extend(Activity(a.kind, dep + a.start_s, dep + a.end_s) for a in t.schedule)
                acts.append(Activity("on_duty", dep + t.elapsed_s, dep + t.elapsed_s + s.dwell_s))
                block_start_hub.setdefault(k, t.origin.id)
                # connection to the next trip
                q = succ[p]
                kn = (k + 1) % len(cyc)
                c = ft.conns[p][q]
                j = idx[q]
                nxt = inst.trips[j]
                end_a = dep + t.elapsed_s + s.dwell_s
                start_b = deps[j] + (offs[k] + ws[p]) * DAY_S - s.dwell_s
                # times of the block of the cycle's first trip are kept in its own frame
                shift0 = days_total(offs, ws, cyc) * DAY_S if kn == 0 else 0.0
                if c.charge_hub is not None:
                    kwh = deficit[p] + t.energy
                    if not c.charge_before_deadhead:
                        kwh += c.deadhead_energy
                    assert kwh <= c.charge_kwh + 1e-6, (kwh, c.charge_kwh)
                    dur = charge_time_s(
                        truck,
                        t.destination if c.charge_before_deadhead else nxt.origin,
                        kwh,
                    )
                    if c.charge_before_deadhead:
                        rel, ddl = end_a, start_b - c.deadhead_s
                    else:
                        rel, ddl = end_a + c.deadhead_s, start_b
                    pending_charges.append(
                        dict(
                            tractor=tid,
                            hub=c.charge_hub,
                            rel=rel,
                            ddl=ddl,
                            dur=dur,
                            kwh=kwh,
                            pair=(fleet, p, q, ws[p], c.charge_hub),
                            eta=truck.charging_efficiency,
                            before=c.charge_before_deadhead,
                            block=(k, kn),
                            acts=block_acts,
                            deadhead=None,
                            shift0=shift0,
                        )
                    )
                if c.deadhead_m > 0:
                    dh_id = f"{tid}.dh{k + 1}"
                    pending = pending_charges[-1] if c.charge_hub is not None else None
                    dh_dep = (
                        start_b
                        - c.deadhead_s
                        - (0.0 if (pending is None or pending["before"]) else pending["dur"])
                    )
                    rec = dict(
                        id=dh_id,
                        fleet=fleet,
                        truck=truck,
                        tractor=tid,
                        o=t.destination.id,
                        d=nxt.origin.id,
                        dep=dh_dep - shift0,
                        c=c,
                        block=kn,
                    )
                    if pending is not None:
                        pending["deadhead"] = rec
                    else:
                        _emit_deadhead(rec, trips_out, block_acts, block_ids)
                    block_start_hub[kn] = t.destination.id
                    if kn == 0:
                        block_start_hub[0] = t.destination.id
            tractors.append(
                Tractor(id=tid, fleet=fleet, truck_type=truck.key, cycle_days=days, trips=())
            )
            tractors[-1] = tractors[-1].model_copy(update={"trips": tuple(names)})
            cycle_info = dict(
                tid=tid,
                truck=truck,
                cyc=cyc,
                block_acts=block_acts,
                block_ids=block_ids,
                block_start_hub=block_start_hub,
                days=days,
                fleet=fleet,
                ends={k: inst.trips[idx[p]].destination.id for k, p in enumerate(cyc)},
            )
            cycles.append(cycle_info)
    # charging: each hub's chargers, sessions as early as they can, no later than their deadline
    by_hub: dict[str, list[dict[str, Any]]] = {}
    for pc in pending_charges:
        by_hub.setdefault(pc["hub"], []).append(pc)
    hubs = {t.destination.id: t.destination for t in inst.trips} | {
        t.origin.id: t.origin for t in inst.trips
    }
    for hub_id, sess in by_hub.items():
        busy: list[list[tuple[float, float]]] = [[] for _ in range(max(1, hubs[hub_id].chargers))]
        # list scheduling: sessions in order of the time of day they may start, each on the
        # charger free first (as early as possible: no fragments left between sessions)
        for pc in sorted(sess, key=lambda x: (x["rel"] % DAY_S, x["ddl"] % DAY_S, x["tractor"])):
            st = _place(busy, pc["rel"], pc["ddl"], pc["dur"], latest=False)
            if st is None:
                failures.append(pc["pair"])
                problems.append(
                    f"chargers at {hub_id}: tractor {pc['tractor']} cannot finish charging by "
                    f"{pc['ddl'] / 3600:.2f} h (all {len(busy)} busy)"
                )
                st = pc["ddl"] - pc["dur"] if not pc["before"] else pc["rel"]
                busy[0].append((st % DAY_S, st % DAY_S + pc["dur"]))
            charges.append(
                ChargeSession(
                    tractor=pc["tractor"],
                    hub=hub_id,
                    start_s=st,
                    end_s=st + pc["dur"],
                    battery_kwh=pc["kwh"],
                    grid_kwh=pc["kwh"] / pc["eta"],
                )
            )
            k_from, k_to = pc["block"]
            owner = k_from if pc["before"] else k_to
            sh = 0.0 if pc["before"] else pc["shift0"]
            pc["acts"][owner].append(Activity("on_duty", st - sh, st - sh + pc["dur"]))
            rec = pc["deadhead"]
            if rec is not None:
                if not pc["before"]:
                    rec["dep"] = st - pc["shift0"] - rec["c"].deadhead_s
                _emit_deadhead(rec, trips_out, pc["acts"], None)
    # duties
    for info in cycles:
        if info["truck"].driver == "human":
            duties.extend(_duties(info, s, trips_out))
    return _Parts(trips_out, charges, tractors, duties, problems, failures, objective)


def _overlaps(a: float, b: float, busy: list[tuple[float, float]]) -> bool:
    """Whether [a, b) meets any busy interval on a daily clock."""
    for x, y in busy:
        for k in (-DAY_S, 0, DAY_S):
            if a < y + k - 1e-6 and x + k < b - 1e-6:
                return True
    return False


def _place(
    busy: list[list[tuple[float, float]]], rel: float, ddl: float, dur: float, *, latest: bool
) -> float | None:
    """Start of a charging session on a free charger within [rel, ddl] (as late or as early as
    possible), or None; the chosen charger's interval is recorded on a daily clock (sessions
    repeat every day, so a session overlaps another when their times of day do)."""
    hi = ddl - dur
    if hi < rel - 1e-6:
        return None
    best: tuple[float, int] | None = None
    for m, iv in enumerate(busy):
        # times of day a free stretch can start at (earliest) or end at (latest)
        if latest:
            tods = [hi % DAY_S] + [(x - dur) % DAY_S for x, _ in iv]
        else:
            tods = [rel % DAY_S] + [y % DAY_S for _, y in iv]
        cands = []
        for tod in tods:
            if latest:  # the latest start <= hi with this time of day
                c = hi - ((hi - tod) % DAY_S)
                if c >= rel - 1e-6:
                    cands.append(c)
            else:  # the earliest start >= rel with this time of day
                c = rel + ((tod - rel) % DAY_S)
                if c <= hi + 1e-6:
                    cands.append(c)
        for c in sorted(cands, reverse=latest):
            a = c % DAY_S
            if not _overlaps(a, a + dur, iv):
                if best is None or (c > best[0] if latest else c < best[0]):
                    best = (c, m)
                break
    if best is None:
        return None
    busy[best[1]].append((best[0] % DAY_S, best[0] % DAY_S + dur))
    return best[0]


def days_total(offs: list[int], ws: list[int], cyc: list[int]) -> int:
    return offs[-1] + ws[cyc[-1]]


def _emit_deadhead(
    rec: dict[str, Any],
    trips_out: list[PlannedTrip],
    block_acts: dict[int, list[Activity]],
    block_ids: dict[int, list[str]] | None,
) -> None:
    c = rec["c"]
    truck: TruckType = rec["truck"]
    trips_out.append(
        PlannedTrip(
            id=rec["id"],
            fleet=rec["fleet"],
            truck_type=truck.key,
            tractor=rec["tractor"],
            loaded=False,
            origin=rec["o"],
            destination=rec["d"],
            depart_s=rec["dep"],
            arrive_s=rec["dep"] + c.deadhead_s,
            distance_m=c.deadhead_m,
            drive_s=c.deadhead_s,
            fuel_l=0.0 if truck.electric else c.deadhead_energy,
            battery_kwh=c.deadhead_energy if truck.electric else 0.0,
        )
    )
    block_acts[rec["block"]].append(Activity("drive", rec["dep"], rec["dep"] + c.deadhead_s))


def _duties(info: dict[str, Any], s: Settings, trips_out: list[PlannedTrip]) -> list[Duty]:
    """Cut the tractor's cycle into HOS-legal duties: a new crew at the longest wait, after a
    wait of ``duty_split_gap_s`` or more, and wherever the next block would break a rule."""
    truck: TruckType = info["truck"]
    rules = s.rules(truck.team)
    cyc = info["cyc"]
    n = len(cyc)
    day_len = info["days"] * DAY_S
    blocks = []
    for k in range(n):
        acts = sorted(info["block_acts"][k], key=lambda a: a.start_s)
        blocks.append(acts)
    # tripsof each block: loaded trip + deadhead into it
    loaded_ids = info["block_ids"]
    dh_by_block: dict[int, list[str]] = {}
    for t in trips_out:
        if t.tractor == info["tid"] and not t.loaded:
            # the deadhead belongs to the block whose acts contain its drive
            for k, acts in enumerate(blocks):
                if any(a.kind == "drive" and abs(a.start_s - t.depart_s) < 1e-6 for a in acts):
                    dh_by_block.setdefault(k, []).append(t.id)
                    break
    # order blocks in time (cyclic); start after the longest gap
    starts = [b[0].start_s for b in blocks]
    ends = [max(a.end_s for a in b) for b in blocks]
    gaps = []
    for k in range(n):
        prev = (k - 1) % n
        g = starts[k] - ends[prev]
        if k == 0:
            g += day_len
        gaps.append(g)
    first = int(np.argmax(gaps))
    order = [(first + m) % n for m in range(n)]
    shift = {k: (day_len if k < first else 0.0) for k in range(n)}
    out: list[Duty] = []
    cur: list[Activity] = []
    cur_ids: list[str] = []
    cur_start_hub = ""
    hub_at_end = ""

    def start_hub_of(k: int) -> str:
        return info["block_start_hub"].get(k, "")

    def close() -> None:
        nonlocal cur, cur_ids
        if not cur:
            return
        st = min(a.start_s for a in cur)
        en = max(a.end_s for a in cur)
        drive = sum(a.duration_s for a in cur if a.kind == "drive")
        out.append(
            Duty(
                id=f"{info['tid']}.d{len(out) + 1}",
                tractor=info["tid"],
                crew=truck.drivers_per_truck,
                start_s=st,
                end_s=en,
                driving_s=drive,
                start_hub=cur_start_hub,
                end_hub=hub_at_end,
                trips=tuple(cur_ids),
                away=cur_start_hub != hub_at_end,
            )
        )
        cur, cur_ids = [], []

    for k in order:
        acts = [Activity(a.kind, a.start_s + shift[k], a.end_s + shift[k]) for a in blocks[k]]
        ids = dh_by_block.get(k, []) + loaded_ids[k]
        # split the block at a 10-hour rest inside it
        pieces: list[list[Activity]] = [[]]
        last_end = None
        for a in acts:
            if a.kind == "off" or (
                last_end is not None and a.start_s - last_end >= s.duty_split_gap_s
            ):
                pieces.append([])
            if a.kind != "off":
                pieces[-1].append(a)
            last_end = a.end_s if last_end is None else max(last_end, a.end_s)
        for m, piece in enumerate(pieces):
            if not piece:
                continue
            gap = piece[0].start_s - max((a.end_s for a in cur), default=piece[0].start_s)
            if cur and (
                m > 0
                or gap >= s.duty_split_gap_s
                or check_duty([*cur, *piece], rules)
                or max(a.end_s for a in piece) - min(a.start_s for a in cur) > rules.max_window_s
            ):
                close()
            if not cur:
                cur_start_hub = start_hub_of(k) if m == 0 else info["ends"][k]
            cur.extend(piece)
            for x in ids:
                if x not in cur_ids:
                    cur_ids.append(x)
            hub_at_end = info["ends"][k]
    close()
    return out


def plan(
    network: LinehaulNetwork,
    *,
    truck_type: str,
    diesel_price_per_l: float | None = None,
    electricity_price_per_kwh: float | None = None,
    driver_wage_per_h: float | None = None,
    ambient_temp_c: float | None = None,
    time_limit_s: float = 30,
    method: Literal["auto", "milp", "heuristic"] = "auto",
    seed: int = 0,
    direct_fallback: bool = True,
) -> LinehaulPlan:
    """Plan the network's flows with one truck type (``None``: network or preset default).

    ``auto`` solves the MILP when the network has at most ``MILP_MAX_TRIPS`` trips and the
    heuristic otherwise; the heuristic's plan is the MILP's first incumbent, so the MILP never
    returns a worse plan. The plan respects every hub's docks and chargers and the battery
    reserve: loads that no departure gets through the docks are reported unserved with that
    reason, and a connection whose charging finds every charger busy is pushed a day later.
    Deterministic for a given ``seed`` as long as the search ends before ``time_limit_s``
    (``kpis["search_complete"]``). ``direct_fallback`` (driverless only): a flow that misses
    its cut-off through the transfer hubs goes direct with a human-driven tractor (listed in
    ``notes``) instead of being unserved.
    """
    t0 = time.perf_counter()
    s = resolve_settings(
        network,
        truck_type_name=truck_type,
        diesel_price_per_l=diesel_price_per_l,
        electricity_price_per_kwh=electricity_price_per_kwh,
        driver_wage_per_h=driver_wage_per_h,
        ambient_temp_c=ambient_temp_c,
        direct_fallback=direct_fallback,
    )
    inst = build_instance(network, s)
    start: dict[int, int] | None = None
    if inst.trips:
        start, dropped = dock_feasible_start(inst, time_limit_s=time_limit_s / 3, seed=seed)
        if dropped:
            assert start is not None
            reasons = {}
            for lid in dropped:
                hubs = full_docks(inst, inst.legs_of_load[lid], start)
                reasons[lid] = (
                    "the docks of "
                    + (", ".join(hubs) if hubs else "its hubs")
                    + " are full at every departure between release and cut-off"
                )
            by_id = {inst.trips[i].id: d for i, d in start.items()}
            inst = drop_loads(inst, reasons)
            start = {k: by_id[t.id] for k, t in enumerate(inst.trips)}
    use_milp = method == "milp" or (method == "auto" and len(inst.trips) <= MILP_MAX_TRIPS)
    optimal, gap = False, None
    used: Literal["milp", "heuristic"] = "heuristic"
    info: dict[str, object] = {"complete": True}
    if not inst.trips:
        deps: dict[int, int] = {}
        objective = 0.0
    else:
        h_limit = max(0.5, time_limit_s - (time.perf_counter() - t0)) * (0.3 if use_milp else 1.0)
        deps, objective = solve_heuristic(
            inst, time_limit_s=h_limit, seed=seed, start=start, info=info
        )
        if use_milp:
            from voltroute.linehaul.milp import solve_milp

            left = max(1.0, time_limit_s - (time.perf_counter() - t0))
            m_deps, m_obj, optimal, gap = solve_milp(inst, time_limit_s=left, start=deps, seed=seed)
            info["complete"] = bool(info["complete"]) and optimal
            if m_obj <= objective + 1e-6:
                deps, objective = m_deps, m_obj
            used = "milp"
    return build_plan(
        network,
        inst,
        deps,
        objective,
        method=used,
        optimal=optimal,
        mip_gap=gap,
        t0=t0,
        seed=seed,
        complete=bool(info["complete"]),
    )


MAX_CHARGER_REPAIRS = 8
CHARGER_QUEUE_STEP_S = 900.0  # charger wait allowed per repair round, s (shared by the hubs)


def build_plan(
    network: LinehaulNetwork,
    inst: Instance,
    deps: dict[int, int],
    objective: float,
    *,
    method: Literal["milp", "heuristic"],
    optimal: bool = False,
    mip_gap: float | None = None,
    t0: float | None = None,
    seed: int = 0,
    complete: bool = True,
) -> LinehaulPlan:
    """The plan for given departures: chaining, charging, duties and the accounting.

    Charger repair: where a charging session finds every charger of its hub busy until the
    next trip, that connection is made to wrap one more day (the tractor waits, another tractor
    takes over), the hub's connections are allowed more time to wait for a charger, and the
    chaining is solved again. If sessions still do not fit after ``MAX_CHARGER_REPAIRS``
    rounds (the hub's chargers cannot put back the day's energy), the failing load that uses
    the most energy is reported unserved with that reason, and so on until every session fits.
    """
    s = inst.settings
    min_wrap: dict[tuple[str, str], int] = {}
    queue_s: dict[str, float] = {}
    repairs = 0
    rounds = 0
    while inst.trips:
        parts = _assemble(inst, deps, min_wrap, queue_s)
        if not parts.charger_failures:
            break
        repairs += 1
        optimal = False
        idx_of = fleet_indices(inst)
        if rounds < MAX_CHARGER_REPAIRS:
            rounds += 1
            share = CHARGER_QUEUE_STEP_S / len(parts.charger_failures)
            for fleet, pa, pb, w, hub in parts.charger_failures:
                queue_s[hub] = queue_s.get(hub, 0.0) + share
                key = (inst.trips[idx_of[fleet][pa]].id, inst.trips[idx_of[fleet][pb]].id)
                min_wrap[key] = max(min_wrap.get(key, 0), w + 1)
            continue
        # the chargers cannot put back the day's energy: leave out the failing load that uses
        # the most, then try again (two more rounds of repairs before the next one goes)
        fleet, pa, _pb, _w, hub = max(
            parts.charger_failures, key=lambda f: inst.trips[idx_of[f[0]][f[1]]].energy
        )
        t = inst.trips[idx_of[fleet][pa]]
        reason = (
            f"the chargers of {hub} are busy all day: they cannot also put back the "
            f"{t.energy:.0f} kWh of its {t.origin.id}->{t.destination.id} trip"
        )
        by_id = {x.id: deps[i] for i, x in enumerate(inst.trips)}
        inst = drop_loads(inst, {t.load: reason})
        deps = {k: by_id[x.id] for k, x in enumerate(inst.trips)}
        rounds = MAX_CHARGER_REPAIRS - 2
    if inst.trips:
        if repairs:
            objective = parts.objective
    else:
        parts = _Parts([], [], [], [], [], [], 0.0)
        objective = 0.0
    trips, charges, tractors, duties = parts.trips, parts.charges, parts.tractors, parts.duties
    breakdown, kpis = account(trips, tractors, duties, s, inst.served_parcels)
    kpis.update(
        {
            "parcels_unserved": sum(u.parcels for u in inst.unserved),
            "flows_unserved": len({u.flow for u in inst.unserved}),
            "flows_direct": len(inst.notes),
            "loads": len(inst.legs_of_load),
            "method": method,
            "objective": objective,
            "charging_sessions": len(charges),
            "charger_repairs": repairs,
            "search_complete": complete,
            "seed": seed,
        }
    )
    out = LinehaulPlan(
        network=network.name,
        truck_type=s.truck.key,
        method=method,
        optimal=optimal,
        objective=objective,
        mip_gap=mip_gap,
        solve_time_s=0.0,
        settings=s.as_dict(),
        trips=tuple(sorted(trips, key=lambda t: (t.tractor, t.depart_s))),
        charges=tuple(sorted(charges, key=lambda c: (c.tractor, c.start_s))),
        tractors=tuple(tractors),
        duties=tuple(duties),
        unserved=tuple(
            UnservedFlow(flow=u.flow, parcels=u.parcels, reason=u.reason) for u in inst.unserved
        ),
        kpis=kpis,
        cost_breakdown=breakdown,
        violations=tuple(parts.problems),
        notes=tuple(inst.notes),
    )
    # last line of defence: a plan never claims to hold while the independent checker
    # disagrees; whatever it finds is listed as the plan's violations
    from voltroute.linehaul.check import check_plan

    found = [v for v in check_plan(network, out) if v not in out.violations]
    update: dict[str, Any] = {"solve_time_s": time.perf_counter() - t0 if t0 is not None else 0.0}
    if found:
        update["violations"] = (*out.violations, *found)
    return out.model_copy(update=update)


def objective_of(inst: Instance, deps: dict[int, int]) -> float:
    """The chaining objective of given departures (what the MILP and heuristic minimise)."""
    total = 0.0
    for _, idx in fleet_indices(inst).items():
        ft = fleet_table(inst, idx)
        total += chain(ft, np.array([deps[i] for i in idx], dtype=float), inst.settings)[2]
    return total
