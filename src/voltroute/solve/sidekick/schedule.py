"""Solution of the van + drones problem and the timing policy that schedules it.

A plan is the van's route (node ids, depot first and last) plus sorties that refer to positions
on that route. :func:`schedule` turns them into times with one fixed policy per van stop:

1. on arrival, the driver recovers drones that have already arrived (earliest first), otherwise
   serves the stop's customer, otherwise waits for the next drone due here;
2. then drone round trips from this stop (launch, wait, recover), in the given order;
3. then launches of the sorties leaving from here, longest flight first.

The independent check of any plan is :func:`voltroute.evaluate.sync.check_sync`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voltroute.model import ProblemError
from voltroute.solve.sidekick.instance import SidekickInstance


@dataclass(frozen=True, kw_only=True)
class Sortie:
    """One drone flight: launched at route index ``launch_index``, recovered at ``recovery_index``.

    Times are seconds from the start of the day's tour: ``launch_start_s`` when the driver starts
    the launch, ``recovery_start_s`` when the recovery starts. ``energy_j`` is the battery energy
    of the flight when the instance has an energy model, else ``None``.
    """

    drone: int
    launch_index: int
    customer: int
    recovery_index: int
    launch_start_s: float = 0.0
    recovery_start_s: float = 0.0
    energy_j: float | None = None


@dataclass(frozen=True, kw_only=True)
class SidekickSolution:
    """Van route, sorties and the van's schedule; objective figures are the engine's own."""

    route: tuple[int, ...]
    sorties: tuple[Sortie, ...]
    arrival_s: tuple[float, ...] = ()
    departure_s: tuple[float, ...] = ()
    service_start_s: tuple[float | None, ...] = ()
    makespan_s: float = 0.0
    cost: float = 0.0
    truck_dist_m: float = 0.0
    drone_dist_m: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def truck_customers(self) -> list[int]:
        return [v for v in self.route[1:-1]]

    @property
    def drone_customers(self) -> list[int]:
        return [s.customer for s in self.sorties]


def assign_drones(
    route_len: int, sorties: list[tuple[int, int, int]], num_drones: int
) -> list[int]:
    """Give each sortie a drone so that no drone is used twice at once (greedy by launch)."""
    order = sorted(range(len(sorties)), key=lambda s: (sorties[s][0], sorties[s][2]))
    free_at = [0] * num_drones  # route index from which the drone is on board again
    out = [-1] * len(sorties)
    for s in order:
        i, _j, k = sorties[s]
        best = -1
        for d in range(num_drones):
            if free_at[d] <= i and (best < 0 or free_at[d] > free_at[best]):
                best = d
        if best < 0:
            raise ProblemError("sorties", f"more than {num_drones} drones in the air at once")
        out[s] = best
        free_at[best] = k
    return out


def schedule(
    inst: SidekickInstance,
    route: list[int],
    sorties: list[tuple[int, int, int]],
    drones: list[int] | None = None,
) -> SidekickSolution:
    """Times of a plan under the module's timing policy (no feasibility check beyond structure)."""
    if route[0] != 0 or route[-1] != 0:
        raise ProblemError("route", "must start and end at the depot (node 0)")
    if drones is None:
        drones = assign_drones(len(route), sorties, inst.num_drones)
    nr = len(route)
    tt, dt = inst.truck_time_s, inst.drone_time_s
    by_launch: list[list[int]] = [[] for _ in range(nr)]
    by_recovery: list[list[int]] = [[] for _ in range(nr)]
    for s, (i, _j, k) in enumerate(sorties):
        if not (0 <= i <= k < nr) or (i == k and not inst.allow_same_node_recovery):
            raise ProblemError(f"sorties.{s}", "recovery must come after launch on the route")
        by_launch[i].append(s)
        if k != i:
            by_recovery[k].append(s)
    flight = [dt[route[i], j] + inst.drone_service_s[j] + dt[j, route[k]] for (i, j, k) in sorties]
    launch_start = [0.0] * len(sorties)
    launch_end = [0.0] * len(sorties)
    rec_start = [0.0] * len(sorties)
    arrival: list[float] = []
    departure: list[float] = []
    service: list[float | None] = []
    clock = 0.0
    first_visit: set[int] = set()
    for x in range(nr):
        node = route[x]
        if x > 0:
            clock += tt[route[x - 1], node]
        arrival.append(clock)
        serve = 0 < x < nr - 1 and node != 0 and node not in first_visit
        first_visit.add(node)
        serv_start: float | None = None
        pending = sorted(by_recovery[x], key=lambda s: launch_end[s] + flight[s])
        while pending or serve:
            due = launch_end[pending[0]] + flight[pending[0]] if pending else 0.0
            if pending and due <= clock + 1e-12:
                s = pending.pop(0)
                rec_start[s] = clock
                clock += inst.recovery_s
            elif serve:
                serv_start = clock
                clock += inst.truck_service_s[node]
                serve = False
            else:
                s = pending.pop(0)
                rec_start[s] = due
                clock = due + inst.recovery_s
        service.append(serv_start)
        loops = [s for s in by_launch[x] if sorties[s][2] == x]
        for s in loops:
            launch_start[s] = clock
            launch_end[s] = clock + inst.launch_s
            rec_start[s] = launch_end[s] + flight[s]
            clock = rec_start[s] + inst.recovery_s
        outs = sorted((s for s in by_launch[x] if sorties[s][2] != x), key=lambda s: -flight[s])
        for s in outs:
            launch_start[s] = clock
            clock += inst.launch_s
            launch_end[s] = clock
        departure.append(clock)
    makespan = departure[-1]
    truck_m = sum(inst.truck_dist_m[route[x - 1], route[x]] for x in range(1, nr))
    drone_m = sum(
        inst.drone_dist_m[route[i], j] + inst.drone_dist_m[j, route[k]] for (i, j, k) in sorties
    )
    out = tuple(
        Sortie(
            drone=drones[s],
            launch_index=i,
            customer=j,
            recovery_index=k,
            launch_start_s=launch_start[s],
            recovery_start_s=rec_start[s],
            energy_j=flight_energy_j(inst, route[i], j, route[k], rec_start[s] - launch_end[s]),
        )
        for s, (i, j, k) in enumerate(sorties)
    )
    return SidekickSolution(
        route=tuple(int(v) for v in route),
        sorties=out,
        arrival_s=tuple(arrival),
        departure_s=tuple(departure),
        service_start_s=tuple(service),
        makespan_s=makespan,
        cost=objective_value(inst, makespan, truck_m, drone_m),
        truck_dist_m=truck_m,
        drone_dist_m=drone_m,
    )


def objective_value(
    inst: SidekickInstance, makespan: float, truck_m: float, drone_m: float
) -> float:
    """The instance's objective for given makespan and distances."""
    if inst.objective == "makespan":
        return makespan
    return (
        inst.time_weight * makespan
        + inst.truck_cost_per_m * truck_m
        + (inst.drone_cost_per_m * drone_m)
    )


def flight_energy_j(
    inst: SidekickInstance, i: int, j: int, k: int, airborne_s: float
) -> float | None:
    """Energy of sortie (i, j, k) airborne ``airborne_s`` seconds (flight plus hover), if modelled."""
    if inst.flight_energy_j is None:
        return None
    fly = float(inst.drone_time_s[i, j] + inst.drone_time_s[j, k])
    hover = max(0.0, airborne_s - fly - float(inst.drone_service_s[j]))
    return float(inst.flight_energy_j[i, j, k]) + hover * inst.hover_power_w
