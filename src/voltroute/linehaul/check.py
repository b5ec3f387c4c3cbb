"""Independent check of a linehaul plan: recomputes it from the network and the plan's trips.

It trusts none of the planner's intermediate numbers: distances and driving times come from the
hub coordinates, hours-of-service stops from the rules, every flow's parcels are counted on its
trips, tractors are followed trip by trip (place, time, battery), drivers' duties are checked
against the hours of service, and the cost is recomputed.
"""

from __future__ import annotations

import math
from typing import Any

from voltroute.linehaul.core import drive_s, resolve_settings, road_m
from voltroute.linehaul.hos import Activity, check_duty, drive_schedule
from voltroute.linehaul.model import LinehaulNetwork
from voltroute.linehaul.plan import LinehaulPlan, account
from voltroute.linehaul.trucks import truck_type
from voltroute.model.problem import DAY_S

__all__ = ["check_plan"]


def check_plan(network: LinehaulNetwork, plan: LinehaulPlan) -> list[str]:
    """Every rule the plan breaks, as one line each ([] when it holds)."""
    st = plan.settings
    s = resolve_settings(
        network,
        truck_type_name=plan.truck_type,
        diesel_price_per_l=float(st["diesel_price_per_l"]),
        electricity_price_per_kwh=float(st["electricity_price_per_kwh"]),
        driver_wage_per_h=float(st["driver_wage_per_h"]),
        ambient_temp_c=float(st["ambient_temp_c"]),
    )
    out: list[str] = []
    flows = {f.id: f for f in network.flows}
    hubs = {h.id: h for h in network.hubs}
    eps = 1e-3
    # ---- flows: every parcel on trips from its origin to its destination in time, or unserved
    carried: dict[str, int] = dict.fromkeys(flows, 0)
    loads: dict[str, list] = {}
    for t in plan.trips:
        if t.loaded:
            loads.setdefault(t.load, []).append(t)
    for lid, legs in loads.items():
        legs.sort(key=lambda t: t.leg)
        pieces = legs[0].pieces
        # each leg runs every day: take the daily copy of each leg that follows the previous one
        ready = max((flows[p.flow].release_s for p in pieces if p.flow in flows), default=0)
        shifted = []
        for leg in legs:
            k = math.floor((leg.depart_s - s.dwell_s - ready + 1e-6) / DAY_S)
            leg = leg.model_copy(
                update={"depart_s": leg.depart_s - k * DAY_S, "arrive_s": leg.arrive_s - k * DAY_S}
            )
            shifted.append(leg)
            ready = leg.arrive_s + s.dwell_s
        legs = shifted
        if any(leg.pieces != pieces for leg in legs):
            out.append(f"load {lid}: legs carry different parcels")
        for a, b in zip(legs, legs[1:], strict=False):
            if a.destination != b.origin:
                out.append(
                    f"load {lid}: leg {a.id} ends at {a.destination}, {b.id} starts at {b.origin}"
                )
            if b.depart_s - s.dwell_s < a.arrive_s + s.dwell_s - eps:
                out.append(f"load {lid}: {b.id} leaves before {a.id} has dropped the trailer")
        vol = sum(p.parcels * _per(flows[p.flow], s)[0] for p in pieces)
        kg = sum(p.parcels * _per(flows[p.flow], s)[1] for p in pieces)
        if vol > s.trailer_capacity_m3 + 1e-6 or kg > s.trailer_capacity_kg + 1e-6:
            out.append(f"load {lid}: {vol:.1f} m3 / {kg:.0f} kg above the trailer's capacity")
        for p in pieces:
            f = flows.get(p.flow)
            if f is None:
                out.append(f"load {lid}: unknown flow {p.flow}")
                continue
            carried[f.id] += p.parcels
            if legs[0].origin != f.origin or legs[-1].destination != f.destination:
                out.append(f"load {lid}: does not run {f.origin}->{f.destination} for {f.id}")
            if legs[0].depart_s - s.dwell_s < f.release_s - eps:
                out.append(f"load {lid}: hooks before {f.id} is released")
            if legs[-1].arrive_s + s.dwell_s > f.cutoff_s + eps:
                out.append(
                    f"load {lid}: {f.id} unloaded at {(legs[-1].arrive_s + s.dwell_s) / 3600:.2f} h, "
                    f"after its cut-off {f.cutoff_s / 3600:.2f} h"
                )
    for u in plan.unserved:
        if u.flow in carried:
            carried[u.flow] += u.parcels
        if not u.reason:
            out.append(f"flow {u.flow}: unserved without a reason")
    for fid, f in flows.items():
        if carried[fid] != f.parcels:
            out.append(f"flow {fid}: {carried[fid]} of {f.parcels} parcels carried or reported")
    # ---- trips: distance, time, stops, opening hours, energy
    for t in plan.trips:
        truck = truck_type(t.truck_type)
        o, d = hubs[t.origin], hubs[t.destination]
        dist = road_m(o, d, s)
        if abs(dist - t.distance_m) > 1.0:
            out.append(f"trip {t.id}: distance {t.distance_m:.0f} m, recomputed {dist:.0f} m")
        dr = drive_s(dist, s)
        if t.loaded and truck.driver == "human":
            sched = drive_schedule(dr, rules=s.rules(truck.team))
            elapsed = sched[-1].end_s if sched else 0.0
        else:
            elapsed = dr
        if abs(t.arrive_s - t.depart_s - elapsed) > 1.0:
            out.append(
                f"trip {t.id}: takes {(t.arrive_s - t.depart_s) / 3600:.2f} h, rules give {elapsed / 3600:.2f} h"
            )
        if t.loaded:
            if not o.is_open(t.depart_s - s.dwell_s, t.depart_s):
                out.append(f"trip {t.id}: hooks while {o.id} is closed")
            if not d.is_open(t.arrive_s, t.arrive_s + s.dwell_s):
                out.append(f"trip {t.id}: drops while {d.id} is closed")
            if (
                truck.highway_only
                and truck.driver == "none"
                and not (o.kind == "transfer" and d.kind == "transfer")
            ):
                out.append(f"trip {t.id}: driverless off the highway ({o.id}->{d.id})")
        payload = sum(p.parcels * _per(flows[p.flow], s)[1] for p in t.pieces if p.flow in flows)
        e = truck.per_km(payload / s.trailer_capacity_kg, s.ambient_temp_c) * dist / 1000
        got = t.battery_kwh if truck.electric else t.fuel_l
        if abs(got - e) > 1e-3 * max(1.0, e):
            out.append(f"trip {t.id}: energy {got:.2f}, recomputed {e:.2f}")
    # ---- tractors: place and time continuity, battery
    by_tr: dict[str, list] = {}
    for t in plan.trips:
        by_tr.setdefault(t.tractor, []).append(("trip", t))
    for c in plan.charges:
        by_tr.setdefault(c.tractor, []).append(("charge", c))
    for tr in plan.tractors:
        truck = truck_type(tr.truck_type)
        period = tr.cycle_days * DAY_S
        items = []
        for kind, x in by_tr.get(tr.id, []):
            if kind == "trip":
                a = x.depart_s - (s.dwell_s if x.loaded else 0)
                b = x.arrive_s + (s.dwell_s if x.loaded else 0)
                items.append((a % period, b - a, kind, x))
            else:
                items.append((x.start_s % period, x.end_s - x.start_s, kind, x))
        items.sort(key=lambda z: (z[0], z[2] != "charge"))
        trips_in = [z for z in items if z[2] == "trip"]
        if not trips_in:
            out.append(f"tractor {tr.id}: no trips")
            continue
        for k, (a, dur, _, _) in enumerate(items):
            nxt = items[(k + 1) % len(items)]
            nb = nxt[0] + (period if k + 1 == len(items) else 0)
            if len(items) > 1 and a + dur > nb + 1.0:
                out.append(f"tractor {tr.id}: overlapping activities at {a / 3600:.2f} h")
        for k, (_, _, _, x) in enumerate(trips_in):
            y = trips_in[(k + 1) % len(trips_in)][3]
            if x.destination != y.origin:
                out.append(
                    f"tractor {tr.id}: ends {x.id} at {x.destination} but starts {y.id} at {y.origin}"
                )
        if truck.electric:
            soc = truck.battery_usable_kwh
            floor = truck.battery_usable_kwh * truck.reserve_fraction
            for _ in range(2):  # twice round the cycle: the start level must come back
                for _, _, kind, x in items:
                    if kind == "charge":
                        soc = min(truck.battery_usable_kwh, soc + x.battery_kwh)
                    else:
                        soc -= x.battery_kwh
                        if soc < floor - 1e-6:
                            out.append(
                                f"tractor {tr.id}: battery below reserve after {x.id} ({soc:.0f} kWh)"
                            )
                            soc = truck.battery_usable_kwh
    # ---- chargers at once
    for hid, h in hubs.items():
        sess = [c for c in plan.charges if c.hub == hid]
        if not sess:
            continue
        if h.chargers == 0:
            out.append(f"hub {hid}: charging without chargers")
            continue
        for c in sess:
            t0 = c.start_s % DAY_S
            at = sum(
                1
                for o in sess
                if any(
                    (o.start_s % DAY_S) + k
                    <= t0 + 1e-6
                    < (o.start_s % DAY_S) + k + (o.end_s - o.start_s)
                    for k in (-DAY_S, 0)
                )
            )
            if at > h.chargers:
                out.append(
                    f"hub {hid}: {at} trucks charging at {t0 / 3600:.2f} h, {h.chargers} chargers"
                )
                break
    # ---- docks per slot of day
    use: dict[tuple[str, int], int] = {}
    for t in plan.trips:
        if not t.loaded:
            continue
        for hid, a, b in (
            (t.origin, t.depart_s - s.dwell_s, t.depart_s),
            (t.destination, t.arrive_s, t.arrive_s + s.dwell_s),
        ):
            for k in range(math.floor(a / s.slot_s + 1e-9), math.ceil(b / s.slot_s - 1e-9)):
                key = (hid, k % (DAY_S // s.slot_s))
                use[key] = use.get(key, 0) + 1
    for (hid, k), n in sorted(use.items()):
        if n > hubs[hid].docks:
            out.append(f"hub {hid}: {n} trucks at the docks in slot {k}, {hubs[hid].docks} docks")
    # ---- duties: hours of service, and every human-driven trip driven by someone
    covered: set[str] = set()
    trips_by_id = {t.id: t for t in plan.trips}
    for duty in plan.duties:
        truck = truck_type(plan.truck_type)
        acts: list[Activity] = []
        for tid in duty.trips:
            found = trips_by_id.get(tid)
            if found is None:
                out.append(f"duty {duty.id}: unknown trip {tid}")
                continue
            covered.add(tid)
            truck = truck_type(found.truck_type)
            acts.extend(_trip_acts(found, s))
        if duty.end_s - duty.start_s > s.rules(truck.team).max_window_s + 1.0:
            out.append(f"duty {duty.id}: {(duty.end_s - duty.start_s) / 3600:.2f} h long")
        inside = [a for a in acts if a.start_s >= duty.start_s - 1 and a.end_s <= duty.end_s + 1]
        for rule in check_duty(inside, s.rules(truck.team)):
            out.append(f"duty {duty.id}: {rule}")
    for t in plan.trips:
        if truck_type(t.truck_type).driver == "human" and t.id not in covered:
            out.append(f"trip {t.id}: no driver")
    # ---- cost
    br, kpis = account(
        list(plan.trips), list(plan.tractors), list(plan.duties), s, plan.kpis.get("parcels", 0)
    )
    for k, v in br.items():
        if abs(v - plan.cost_breakdown.get(k, 0.0)) > 1e-6 * max(1.0, abs(v)):
            out.append(
                f"cost {k}: plan says {plan.cost_breakdown.get(k, 0.0):.2f}, recomputed {v:.2f}"
            )
    if abs(kpis["cost_total"] - plan.kpis["cost_total"]) > 1e-6 * max(1.0, kpis["cost_total"]):
        out.append("cost_total does not add up")
    served = sum(carried.values()) - sum(u.parcels for u in plan.unserved)
    if served != plan.kpis.get("parcels"):
        out.append(f"parcels: plan says {plan.kpis.get('parcels')}, trips carry {served}")
    return out


def _per(f: Any, s: Any) -> tuple[float, float]:
    vol = (f.volume_m3 or f.parcels * s.parcel_volume_m3) / f.parcels
    kg = (f.weight_kg or f.parcels * s.parcel_weight_kg) / f.parcels
    return vol, kg


def _trip_acts(t: Any, s: Any) -> list[Activity]:
    """Driving of a trip (between its stops), with the hook and drop around a loaded one."""
    acts = []
    if t.loaded:
        acts.append(Activity("on_duty", t.depart_s - s.dwell_s, t.depart_s))
        acts.append(Activity("on_duty", t.arrive_s, t.arrive_s + s.dwell_s))
    cur = t.depart_s
    for kind, a, b in sorted(t.stops, key=lambda x: x[1]):
        if a > cur:
            acts.append(Activity("drive", cur, a))
        acts.append(Activity("break" if kind == "break" else "off", a, b))
        cur = b
    if t.arrive_s > cur:
        acts.append(Activity("drive", cur, t.arrive_s))
    return acts
