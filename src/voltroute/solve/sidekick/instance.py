"""Array-based instance of the van + drone synchronisation problem (flying sidekick, TSP-D, mFSTSP).

One van (truck) starts and ends at node 0 and carries ``num_drones`` identical drones. A drone
*sortie* ``(i, j, k)`` is launched from the van at node ``i``, delivers the parcel of customer
``j`` and is recovered by the van at node ``k`` (``k`` later on the van's route; ``k == i`` only
when ``allow_same_node_recovery``). Times are seconds, distances metres (or the instance's own
units for the abstract TSP-D instances, where "time" is cost-factored distance).

Timing conventions (the same in the engine and in :mod:`voltroute.evaluate.sync`):

* the van's driver does one thing at a time at a stop: serve the stop's customer
  (``truck_service_s``), launch a drone (``launch_s``) or recover one (``recovery_s``);
* a drone leaves when its launch ends, flies ``drone_time_s[i, j]``, serves for
  ``drone_service_s[j]``, flies ``drone_time_s[j, k]`` and then hovers until the van starts
  recovering it; the time from the end of the launch to the start of the recovery must not
  exceed ``endurance_s[i, j, k]`` (a negative value forbids the sortie);
* the makespan ends when the van is back at the depot and every drone has been recovered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from voltroute.model import ProblemError

Objective = Literal["makespan", "cost"]


@dataclass(frozen=True, kw_only=True, eq=False)
class SidekickInstance:
    """Validated arrays of one van-and-drones problem; node 0 is the depot.

    ``endurance_s`` is ``None`` for unlimited flight time, otherwise an ``(n, n, n)`` array of
    the longest allowed launch-end to recovery-start time of sortie ``(i, j, k)``. When the
    drone has an energy model, ``flight_energy_j[i, j, k]`` is the energy of the flight itself
    (without waiting), waiting costs ``hover_power_w`` and the battery holds ``battery_j``.
    Objective ``"cost"`` minimises ``time_weight * makespan_s + truck_cost_per_m * van metres
    + drone_cost_per_m * drone metres``; ``"makespan"`` minimises the makespan alone.
    """

    name: str = "sidekick"
    truck_time_s: NDArray[np.float64]
    truck_dist_m: NDArray[np.float64]
    drone_time_s: NDArray[np.float64]
    drone_dist_m: NDArray[np.float64]
    drone_eligible: NDArray[np.bool_]
    truck_service_s: NDArray[np.float64]
    drone_service_s: NDArray[np.float64]
    launch_s: float = 0.0
    recovery_s: float = 0.0
    num_drones: int = 1
    endurance_s: NDArray[np.float64] | None = None
    allow_same_node_recovery: bool = False
    objective: Objective = "makespan"
    time_weight: float = 1.0
    truck_cost_per_m: float = 0.0
    drone_cost_per_m: float = 0.0
    flight_energy_j: NDArray[np.float64] | None = None
    hover_power_w: float = 0.0
    battery_j: float = float("inf")
    parcel_kg: NDArray[np.float64] | None = None
    drone_payload_kg: float = float("inf")
    node_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = self.truck_time_s.shape[0]
        if n < 2:
            raise ProblemError(f"{self.name}.nodes", "needs the depot and at least one customer")
        for attr in ("truck_time_s", "truck_dist_m", "drone_time_s", "drone_dist_m"):
            arr = np.array(getattr(self, attr), dtype=np.float64, order="C", copy=True)
            if arr.shape != (n, n):
                raise ProblemError(f"{self.name}.{attr}", f"must be a {n}x{n} matrix")
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ProblemError(f"{self.name}.{attr}", "must be finite and non-negative")
            arr.setflags(write=False)
            object.__setattr__(self, attr, arr)
        for attr, dtype in (
            ("drone_eligible", np.bool_),
            ("truck_service_s", np.float64),
            ("drone_service_s", np.float64),
        ):
            arr = np.array(getattr(self, attr), dtype=dtype, order="C", copy=True)
            if arr.shape != (n,):
                raise ProblemError(f"{self.name}.{attr}", f"must have one entry per node ({n})")
            arr.setflags(write=False)
            object.__setattr__(self, attr, arr)
        if self.drone_eligible[0]:
            elig = self.drone_eligible.copy()
            elig[0] = False  # the depot is no customer
            elig.setflags(write=False)
            object.__setattr__(self, "drone_eligible", elig)
        if np.any(self.truck_service_s < 0) or np.any(self.drone_service_s < 0):
            raise ProblemError(f"{self.name}.service_s", "must be non-negative")
        if self.launch_s < 0 or self.recovery_s < 0:
            raise ProblemError(f"{self.name}.launch_s", "launch and recovery times must be >= 0")
        if self.num_drones < 0:
            raise ProblemError(f"{self.name}.num_drones", "must be >= 0")
        if self.endurance_s is not None:
            end = np.array(self.endurance_s, dtype=np.float64, order="C", copy=True)
            if end.shape != (n, n, n):
                raise ProblemError(f"{self.name}.endurance_s", f"must be an {n}x{n}x{n} array")
            end.setflags(write=False)
            object.__setattr__(self, "endurance_s", end)
        if self.flight_energy_j is not None:
            fe = np.array(self.flight_energy_j, dtype=np.float64, order="C", copy=True)
            if fe.shape != (n, n, n):
                raise ProblemError(f"{self.name}.flight_energy_j", f"must be an {n}x{n}x{n} array")
            fe.setflags(write=False)
            object.__setattr__(self, "flight_energy_j", fe)
            if self.hover_power_w <= 0 or not self.battery_j > 0:
                raise ProblemError(
                    f"{self.name}.battery_j",
                    "an energy model needs hover_power_w > 0, battery_j > 0",
                )
        if self.parcel_kg is not None:
            kg = np.array(self.parcel_kg, dtype=np.float64, order="C", copy=True)
            if kg.shape != (n,):
                raise ProblemError(f"{self.name}.parcel_kg", f"must have one entry per node ({n})")
            kg.setflags(write=False)
            object.__setattr__(self, "parcel_kg", kg)
        if self.objective not in ("makespan", "cost"):
            raise ProblemError(f"{self.name}.objective", "must be 'makespan' or 'cost'")
        if self.time_weight < 0 or self.truck_cost_per_m < 0 or self.drone_cost_per_m < 0:
            raise ProblemError(f"{self.name}.objective", "weights must be non-negative")
        if self.node_names and len(self.node_names) != n:
            raise ProblemError(f"{self.name}.node_names", f"must have {n} entries")

    @property
    def n(self) -> int:
        """Number of nodes, depot included."""
        return int(self.truck_time_s.shape[0])

    @property
    def customers(self) -> range:
        return range(1, self.n)

    def can_fly(self, j: int) -> bool:
        """True when customer ``j``'s parcel may go by drone (flag and payload)."""
        if not self.drone_eligible[j] or self.num_drones == 0:
            return False
        return self.parcel_kg is None or self.parcel_kg[j] <= self.drone_payload_kg + 1e-12

    def eligible_mask(self) -> NDArray[np.bool_]:
        """Per-node mask of drone-eligible customers (eligibility flag and payload together)."""
        mask = np.array([j > 0 and self.can_fly(j) for j in range(self.n)], dtype=np.bool_)
        return mask

    def sortie_endurance(self, i: int, j: int, k: int) -> float:
        """Allowed launch-end to recovery-start time of sortie ``(i, j, k)`` (inf = unlimited)."""
        if self.endurance_s is None:
            return float("inf")
        return float(self.endurance_s[i, j, k])

    def with_drones(self, num_drones: int) -> SidekickInstance:
        """A copy with another number of drones on the van."""
        from dataclasses import replace

        return replace(self, num_drones=num_drones)
