"""Station insertion: the cheapest charging visits that make a fixed stop sequence feasible.

Given an electric vehicle's stop sequence, :meth:`StationInserter.insert` chooses where to visit
charging stations (none, one per leg, several per route, the same station more than once) and how
much to charge there, so that the battery stays above the reserve, every window, the stations'
opening hours and the shift are met, and the added distance is least.

It is a label-setting dynamic programme over the positions of the sequence. A label is the state
on leaving a position: added distance, departure time and state of charge (plus a parent pointer
for the plan). Between consecutive positions a label either drives straight on or detours via one
of the few stations with the smallest detour, charging there to one of a small set of target
levels: full, or (partial charging) just enough, with the reserve, to reach each later position
and then the nearest station from it, or the end depot. Every label is a forward replay with the
checker's rules (leg energy at the payload on board, dwell energy while serving and waiting,
charging time from the vehicle's taper at the station's power), so any plan it returns replays as
feasible; labels dominated in (distance, time, charge) are dropped and at most ``max_labels`` are
kept per position, which makes it a heuristic, exact only when the pruning never bites.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voltroute.energy import charge_time_s, dwell_energy, leg_energy, usable_battery_kwh
from voltroute.model import ChargingStation, Problem, Stop, VehicleType

EPS_KWH = 1e-9
EPS_S = 1e-6
MARGIN_KWH = 1e-7  # partial charge targets are raised by this much against rounding


@dataclass(frozen=True, slots=True)
class Insertion:
    """A feasible plan: the visit sequence (stop and station ids), charges and departure."""

    visits: tuple[str, ...]
    charges: tuple[tuple[int, float], ...]  # (position in ``visits``, kWh into the battery)
    start_s: float
    added_m: float
    holds: tuple[tuple[int, float], ...] = ()  # (position, plug-in s) where it waits to plug in


class ConnectorCalendar:
    """The charging sessions already booked at each station, for vans that share its connectors.

    A session takes one connector from plug-in to unplugging (plug-in time included); a station
    with ``connectors`` c never has more than c sessions at once.
    """

    def __init__(self, problem: Problem) -> None:
        self.connectors = {problem.station_index[c.id]: c.connectors for c in problem.stations}
        self.booked: dict[int, list[tuple[float, float]]] = {k: [] for k in self.connectors}

    def earliest(self, station: int, t_s: float, duration_s: float) -> float:
        """Earliest plug-in time at or after ``t_s`` (s) with a connector free for ``duration_s``."""
        booked = self.booked[station]
        cap = self.connectors[station]
        if len(booked) < cap or duration_s <= EPS_S:
            return t_s
        for begin in [t_s] + sorted(e for _, e in booked if e > t_s + EPS_S):
            if self._free(booked, cap, begin, begin + duration_s):
                return begin
        raise AssertionError("unreachable: every connector is free after the last session")

    @staticmethod
    def _free(booked: list[tuple[float, float]], cap: int, a: float, b: float) -> bool:
        """Fewer than ``cap`` booked sessions at every moment of [a, b)."""
        over = [(x, y) for x, y in booked if x < b - EPS_S and y > a + EPS_S]
        if len(over) < cap:
            return True
        moments = [a] + [x for x, _ in over if x > a]
        return all(
            sum(1 for x, y in over if x <= m + EPS_S and y > m + EPS_S) < cap for m in moments
        )

    def book(self, station: int, begin_s: float, end_s: float) -> None:
        if end_s > begin_s + EPS_S:
            self.booked[station].append((begin_s, end_s))


@dataclass(slots=True)
class _Label:
    cost: float  # added distance, m
    t: float  # departure time from this position
    soc: float  # kWh on departure
    parent: _Label | None
    station: int | None  # station matrix index visited on the way here, if any
    charged: float
    hold: float | None = None  # plug-in time at that station when it waits for a connector


class StationInserter:
    """Inserts charging visits into the routes of one problem (matrices in the problem's order)."""

    def __init__(
        self,
        problem: Problem,
        dist: np.ndarray,
        dur: np.ndarray,
        *,
        stations_per_leg: int = 6,
        max_labels: int = 24,
    ) -> None:
        self.problem = problem
        self.dist = dist
        self.dur = dur
        self.stations_per_leg = stations_per_leg
        self.max_labels = max_labels
        self.temp = problem.conditions.ambient_temp_c
        self.station_at = {problem.station_index[c.id]: c for c in problem.stations}
        self.station_idx = np.array(sorted(self.station_at), dtype=np.int64)
        self._energy: dict[tuple[str, int, int, float], float] = {}

    # ---- energy with the checker's model
    def leg_kwh(self, vt: VehicleType, a: int, b: int, payload: float) -> float:
        key = (vt.id, a, b, payload)
        e = self._energy.get(key)
        if e is None:
            e = leg_energy(
                vt, distance_m=float(self.dist[a, b]), duration_s=float(self.dur[a, b]),
                payload_kg=payload, ambient_temp_c=self.temp,
            ).battery_kwh  # fmt: skip
            self._energy[key] = e
        return e

    def dwell_kwh(self, vt: VehicleType, seconds: float) -> float:
        if seconds <= 0:
            return 0.0
        return dwell_energy(vt, duration_s=seconds, ambient_temp_c=self.temp).battery_kwh

    def _near_stations(self, a: int, b: int) -> list[int]:
        if not len(self.station_idx):
            return []
        s = self.station_idx
        detour = self.dist[a, s] + self.dist[s, b] - self.dist[a, b]
        order = np.argsort(detour, kind="stable")[: self.stations_per_leg]
        return [int(s[k]) for k in order if s[k] != a and s[k] != b]

    # ---- the dynamic programme
    def insert(
        self,
        vt: VehicleType,
        stop_ids: list[str],
        start_s: float | None = None,
        *,
        calendar: ConnectorCalendar | None = None,
    ) -> Insertion | None:
        """Cheapest charging plan for ``stop_ids`` on ``vt``, or None when none is found.

        ``start_s``: departure from the depot (default: the earliest allowed). ``calendar``: the
        connectors other vans already use; the van waits for a free one (a hold in the plan).
        """
        p = self.problem
        pt = vt.powertrain
        assert pt is not None and pt.kind == "electric"
        usable = usable_battery_kwh(pt, self.temp)
        reserve = usable * pt.reserve_fraction
        full_only = p.charging == "full"
        stops: list[Stop] = [p.stop_by_id[s] for s in stop_ids]
        s_idx = p.depot_index[vt.start_depot]
        e_idx = p.depot_index[vt.end_depot_id]
        seq = [s_idx] + [p.stop_index[s.id] for s in stops] + [e_idx]
        n = len(stops)
        payload = [0.0] * (n + 1)  # payload on the leg leaving position i
        payload[0] = float(sum(s.weight_kg for s in stops))
        for i, s in enumerate(stops, start=1):
            payload[i] = payload[i - 1] - s.weight_kg
        earliest = float(max(vt.shift_start_s, p.depots[s_idx].open_s))
        start = earliest if start_s is None else max(float(start_s), earliest)
        limits = [x for x in (vt.shift_end_s, p.depots[e_idx].close_s) if x is not None]
        latest_end = float(min(limits)) if limits else float("inf")
        if vt.max_shift_duration_s is not None:
            latest_end = min(latest_end, start + vt.max_shift_duration_s)
        base_m = float(sum(self.dist[a, b] for a, b in zip(seq[:-1], seq[1:], strict=True)))
        max_added = float("inf")
        if vt.max_distance_m is not None:
            max_added = vt.max_distance_m - base_m + 1e-6

        # energy (leg + service dwell) from position i to position j along the sequence, and
        # from position j to its nearest station: for the partial-charge targets
        leg = [self.leg_kwh(vt, seq[i], seq[i + 1], payload[i]) for i in range(n + 1)]
        serve = [0.0] + [self.dwell_kwh(vt, s.service_time_s) for s in stops] + [0.0]
        to_station = [0.0] * (n + 2)
        for j in range(1, n + 1):
            to_station[j] = min(
                (self.leg_kwh(vt, seq[j], int(c), payload[j]) for c in self.station_idx),
                default=0.0,
            )

        def arrive(
            lab: _Label, frm: int, t: float, soc: float, pos: int, pl: float
        ) -> _Label | None:
            """Drive from matrix index ``frm`` (departed at t with soc) to position ``pos``."""
            b = seq[pos]
            soc -= self.leg_kwh(vt, frm, b, pl)
            t += float(self.dur[frm, b])
            if soc < reserve - EPS_KWH:
                return None
            if pos == n + 1:
                if t > latest_end + EPS_S:
                    return None
                return _Label(lab.cost, t, soc, lab, None, 0.0)
            stop = stops[pos - 1]
            tw = stop.time_window
            begin = max(t, float(tw.start_s)) if tw else t
            if tw is not None and begin > tw.end_s + EPS_S:
                return None
            soc -= self.dwell_kwh(vt, begin - t + stop.service_time_s)
            if soc < reserve - EPS_KWH:
                return None
            return _Label(lab.cost, begin + stop.service_time_s, soc, lab, None, 0.0)

        labels: list[_Label] = [_Label(0.0, start, usable, None, None, 0.0)]
        for i in range(n + 1):
            a, b = seq[i], seq[i + 1]
            nxt: list[_Label] = []
            for lab in labels:
                direct = arrive(lab, a, lab.t, lab.soc, i + 1, payload[i])
                if direct is not None:
                    nxt.append(direct)
                for c in self._near_stations(a, b):
                    added = float(self.dist[a, c] + self.dist[c, b] - self.dist[a, b])
                    if lab.cost + added > max_added:
                        continue
                    st: ChargingStation = self.station_at[c]
                    soc_c = lab.soc - self.leg_kwh(vt, a, c, payload[i])
                    if soc_c < reserve - EPS_KWH:
                        continue
                    t_c = lab.t + float(self.dur[a, c])
                    begin = max(t_c, float(st.open_s))
                    targets = {usable}
                    if not full_only:
                        need = self.leg_kwh(vt, c, b, payload[i])
                        for j in range(i + 1, n + 2):
                            if j > i + 1:
                                need += leg[j - 1]
                            tail = to_station[j] if j <= n else 0.0
                            level = reserve + need + serve[j] + tail + MARGIN_KWH
                            if level >= usable:
                                break
                            targets.add(level)
                    for level in sorted(targets):
                        if level <= soc_c + EPS_KWH and level < usable:
                            continue
                        charged = max(level - soc_c, 0.0)
                        session = st.connect_s + charge_time_s(
                            vt, st, soc_c, soc_c + charged, usable
                        )
                        plug = begin
                        if calendar is not None:
                            plug = calendar.earliest(c, begin, session)
                        dep = plug + session
                        if st.close_s is not None and dep > st.close_s + EPS_S:
                            continue
                        via = _Label(
                            lab.cost + added, dep, soc_c + charged, lab, c, charged,
                            plug if plug > begin + EPS_S else None,
                        )  # fmt: skip
                        arr = arrive(via, c, dep, soc_c + charged, i + 1, payload[i])
                        if arr is not None:
                            nxt.append(arr)
            labels = _pareto(nxt, self.max_labels)
            if not labels:
                return None
        best = labels[0]
        return _plan(best, stop_ids, start, self.problem)


def _pareto(labels: list[_Label], cap: int) -> list[_Label]:
    """Labels not dominated in (less distance, earlier, more charge), cheapest first."""
    labels.sort(key=lambda x: (x.cost, x.t, -x.soc))
    kept: list[_Label] = []
    for lab in labels:
        if any(
            k.cost <= lab.cost + 1e-9 and k.t <= lab.t + EPS_S and k.soc >= lab.soc - EPS_KWH
            for k in kept
        ):
            continue
        kept.append(lab)
        if len(kept) >= cap:
            break
    return kept


def _plan(last: _Label, stop_ids: list[str], start: float, problem: Problem) -> Insertion:
    """Walk the parent pointers back into a visit sequence with its charges."""
    chain: list[_Label] = []
    lab: _Label | None = last
    while lab is not None:
        chain.append(lab)
        lab = lab.parent
    chain.reverse()
    station_ids = {v: k for k, v in problem.station_index.items()}
    visits: list[str] = []
    charges: list[tuple[int, float]] = []
    holds: list[tuple[int, float]] = []
    pos = 0  # next stop id to emit
    for lab in chain[1:]:
        if lab.station is not None:
            charges.append((len(visits), lab.charged))
            if lab.hold is not None:
                holds.append((len(visits), lab.hold))
            visits.append(station_ids[lab.station])
        elif pos < len(stop_ids):
            visits.append(stop_ids[pos])
            pos += 1
    return Insertion(tuple(visits), tuple(charges), start, last.cost, tuple(holds))
