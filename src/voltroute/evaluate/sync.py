"""Independent checker of van + drone plans: synchronisation, endurance, energy, parcels.

It recomputes everything from the :class:`SidekickInstance` and the plan's own times, never
trusting the engine's figures. Violation kinds (the first word of each message):

``route`` (not a depot-to-depot route), ``coverage`` (a customer served twice or never),
``travel`` (the van arrives sooner than its travel time allows), ``driver`` (two driver
activities overlap at a stop, or an activity lies outside the van's stay there: the van is absent),
``ineligible`` (the parcel may not fly), ``too_heavy`` (over the drone's payload),
``order`` (recovery before launch on the route), ``flight`` (the drone is recovered before it can
be back), ``endurance`` (airborne longer than allowed), ``energy`` (flight plus hover energy over
the battery), ``drone`` (unknown drone, or a drone launched while not on the van: more drones in
the air than carried, or one drone carrying two parcels at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from voltroute.solve.sidekick.instance import SidekickInstance
from voltroute.solve.sidekick.schedule import SidekickSolution

TOL = 1e-6


@dataclass(frozen=True, kw_only=True)
class SyncReport:
    """Outcome of a check: feasibility, violations and the recomputed figures."""

    feasible: bool
    violations: tuple[str, ...] = ()
    makespan_s: float = 0.0
    cost: float = 0.0
    truck_dist_m: float = 0.0
    drone_dist_m: float = 0.0
    energy_j: tuple[float, ...] = field(default=())


def check_sync(inst: SidekickInstance, sol: SidekickSolution) -> SyncReport:
    """Check a scheduled plan against the instance; recompute makespan, cost and energy."""
    v: list[str] = []
    route = list(sol.route)
    n = inst.n
    nr = len(route)
    if nr < 2 or route[0] != 0 or route[-1] != 0:
        return SyncReport(feasible=False, violations=("route: must start and end at node 0",))
    if any(not 0 <= x < n for x in route):
        return SyncReport(feasible=False, violations=("route: unknown node",))
    if len(sol.arrival_s) != nr or len(sol.departure_s) != nr or len(sol.service_start_s) != nr:
        return SyncReport(feasible=False, violations=("route: times missing for some stops",))
    seen: dict[int, int] = {}
    first_stop: dict[int, int] = {}  # the van serves a customer at its first visit only
    for x, c in enumerate(route):
        if c != 0 and c not in first_stop:
            first_stop[c] = x
            seen[c] = 1
    for s in sol.sorties:
        if not 0 < s.customer < n:
            v.append(f"coverage: sortie to unknown customer {s.customer}")
            continue
        seen[s.customer] = seen.get(s.customer, 0) + 1
    for c in range(1, n):
        if seen.get(c, 0) != 1:
            v.append(f"coverage: customer {c} served {seen.get(c, 0)} times")
    arr, dep = sol.arrival_s, sol.departure_s
    if arr[0] < -TOL:
        v.append("travel: the van starts before time 0")
    for x in range(nr):
        if dep[x] < arr[x] - TOL:
            v.append(f"travel: the van leaves stop {x} before arriving")
        if x > 0 and arr[x] < dep[x - 1] + inst.truck_time_s[route[x - 1], route[x]] - TOL:
            v.append(f"travel: the van reaches stop {x} (node {route[x]}) too early")
    # driver activities per stop: (start, end, label)
    acts: list[list[tuple[float, float, str]]] = [[] for _ in range(nr)]
    for x in range(1, nr - 1):
        st = sol.service_start_s[x]
        if first_stop.get(route[x]) != x:
            if st is not None:
                v.append(f"coverage: node {route[x]} served again at stop {x}")
            continue
        if st is None:
            v.append(f"driver: stop {x} (node {route[x]}) is never served")
            continue
        acts[x].append((st, st + float(inst.truck_service_s[route[x]]), "service"))
    energies: list[float] = []
    drone_m = 0.0
    for idx, s in enumerate(sol.sorties):
        i, k, j = s.launch_index, s.recovery_index, s.customer
        tag = f"sortie {idx} (customer {j})"
        if not (0 <= i < nr and 0 <= k < nr):
            v.append(f"order: {tag} refers to a stop not on the route")
            continue
        if k < i or (k == i and not inst.allow_same_node_recovery):
            v.append(f"order: {tag} is recovered at stop {k} before/at its launch stop {i}")
            continue
        if not 0 <= s.drone < inst.num_drones:
            v.append(f"drone: {tag} uses drone {s.drone}, the van carries {inst.num_drones}")
        if not (0 < j < n):
            continue
        if not inst.drone_eligible[j]:
            v.append(f"ineligible: {tag} may not go by drone")
        if inst.parcel_kg is not None and inst.parcel_kg[j] > inst.drone_payload_kg + 1e-9:
            v.append(
                f"too_heavy: {tag} parcel {inst.parcel_kg[j]:.3f} kg over payload "
                f"{inst.drone_payload_kg:.3f} kg"
            )
        a, b = route[i], route[k]
        lend = s.launch_start_s + inst.launch_s
        acts[i].append((s.launch_start_s, lend, f"launch {idx}"))
        acts[k].append((s.recovery_start_s, s.recovery_start_s + inst.recovery_s, f"recover {idx}"))
        fly = float(inst.drone_time_s[a, j] + inst.drone_time_s[j, b])
        need = fly + float(inst.drone_service_s[j])
        airborne = s.recovery_start_s - lend
        if airborne < need - TOL:
            v.append(f"flight: {tag} recovered {need - airborne:.3f} s before it can be back")
        if inst.endurance_s is not None and airborne > inst.endurance_s[a, j, b] + TOL:
            lim = float(inst.endurance_s[a, j, b])
            v.append(f"endurance: {tag} airborne {airborne:.1f} s, allowed {lim:.1f} s")
        if inst.flight_energy_j is not None:
            hover = max(0.0, airborne - need)
            e = float(inst.flight_energy_j[a, j, b]) + hover * inst.hover_power_w
            energies.append(e)
            if e > inst.battery_j * (1 + 1e-9) + TOL:
                v.append(f"energy: {tag} needs {e:.0f} J, battery {inst.battery_j:.0f} J")
        drone_m += float(inst.drone_dist_m[a, j] + inst.drone_dist_m[j, b])
    for x in range(nr):
        items = sorted(acts[x])
        for st, en, label in items:
            if st < arr[x] - TOL or en > dep[x] + TOL:
                v.append(f"driver: {label} at stop {x} (node {route[x]}) while the van is absent")
        for (_s1, e1, l1), (s2, _e2, l2) in zip(items, items[1:], strict=False):
            if s2 < e1 - TOL:
                v.append(f"driver: {l1} and {l2} overlap at stop {x}")
    by_drone: dict[int, list[int]] = {}
    for idx, s in enumerate(sol.sorties):
        by_drone.setdefault(s.drone, []).append(idx)
    for d, idxs in by_drone.items():
        idxs.sort(key=lambda t: sol.sorties[t].launch_start_s)
        for p_, q_ in zip(idxs, idxs[1:], strict=False):
            so1, so2 = sol.sorties[p_], sol.sorties[q_]
            if (
                so2.launch_start_s < so1.recovery_start_s + inst.recovery_s - TOL
                or so2.launch_index < so1.recovery_index
            ):
                v.append(
                    f"drone: drone {d} launched for sortie {q_} while still out on sortie {p_}"
                )
    makespan = max([dep[-1]] + [s.recovery_start_s + inst.recovery_s for s in sol.sorties])
    truck_m = sum(float(inst.truck_dist_m[route[x - 1], route[x]]) for x in range(1, nr))
    if inst.objective == "makespan":
        cost = makespan
    else:
        cost = (
            inst.time_weight * makespan
            + inst.truck_cost_per_m * truck_m
            + inst.drone_cost_per_m * drone_m
        )
    return SyncReport(
        feasible=not v,
        violations=tuple(v),
        makespan_s=makespan,
        cost=cost,
        truck_dist_m=truck_m,
        drone_dist_m=drone_m,
        energy_j=tuple(energies),
    )


class _Operation(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def fly(self) -> int: ...
    @property
    def internal(self) -> tuple[int, ...]: ...


def check_operations(inst: SidekickInstance, ops: Sequence[_Operation]) -> SyncReport:
    """Check TSP-D operations (one drone, no launch/recovery times); cost = sum of max(van, drone)."""
    v: list[str] = []
    if not ops or ops[0].start != 0 or ops[-1].end != 0:
        v.append("route: operations must start and end at the depot (node 0)")
    count = [0] * inst.n
    truck_seen: set[int] = set()
    total = 0.0
    truck_m = drone_m = 0.0
    for x, op in enumerate(ops):
        if x > 0 and op.start != ops[x - 1].end:
            v.append(
                f"route: operation {x} starts at {op.start}, previous ended at {ops[x - 1].end}"
            )
        path = [op.start, *op.internal, op.end]
        if any(not 0 <= p < inst.n for p in path) or (op.fly >= inst.n):
            v.append(f"route: operation {x} names an unknown node")
            continue
        truck_seen.update(path)
        t_truck = sum(float(inst.truck_time_s[a, b]) for a, b in zip(path, path[1:], strict=False))
        truck_m += sum(float(inst.truck_dist_m[a, b]) for a, b in zip(path, path[1:], strict=False))
        t_drone = 0.0
        if op.fly >= 0:
            j = op.fly
            count[j] += 1
            if j == 0 or j in path[1:-1] or j in (op.start, op.end):
                v.append(f"coverage: operation {x} flies to {j}, which the van visits")
            if not inst.drone_eligible[j]:
                v.append(f"ineligible: node {j} may not be served by the drone")
            t_drone = float(inst.drone_time_s[op.start, j] + inst.drone_time_s[j, op.end])
            drone_m += float(inst.drone_dist_m[op.start, j] + inst.drone_dist_m[j, op.end])
            if (
                inst.endurance_s is not None
                and t_drone > inst.endurance_s[op.start, j, op.end] + TOL
            ):
                v.append(f"endurance: operation {x} flight to {j} is beyond the drone's range")
        total += max(t_truck, t_drone)
    for c in range(1, inst.n):
        served = count[c] + (1 if c in truck_seen else 0)
        if served != 1:
            v.append(f"coverage: customer {c} served {served} times")
    return SyncReport(
        feasible=not v,
        violations=tuple(v),
        makespan_s=total,
        cost=total,
        truck_dist_m=truck_m,
        drone_dist_m=drone_m,
    )


__all__ = ["SyncReport", "check_operations", "check_sync"]
