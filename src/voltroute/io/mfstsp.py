"""mFSTSP problems (Murray & Raj 2020): one truck, several drones, real Seattle/Buffalo locations.

A problem directory holds ``tbl_locations.csv`` (``nodeID, nodeType, latDeg, lonDeg, altMeters,
parcelWtLbs``; node 0 the depot) and ``tbl_truck_travel_data_PG.csv`` (``from, to, time [sec],
distance [meters]`` from OpenStreetMap). The drone file ``tbl_vehicles_<ID>.csv`` lists the truck
(``vehicleType 1``, its ``serviceTime``) and the drones (``vehicleType 2``: take-off, cruise and
landing speeds m/s, yaw rate deg/s, cruise altitude m, capacity lbs, launch, recovery and service
seconds, battery J). ``%`` starts a comment line.

Mapping (the authors' settings of ``performance_summary_archive.csv``: the truck must be at the
depot for launches there, the driver launches, recovers and serves one at a time, non-linear
endurance): drone legs as in :mod:`voltroute.energy.drone`; a parcel flies only when its weight
is within the drone's capacity; a drone is never recovered where it was launched.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voltroute.energy.drone import LBS_TO_KG, MultirotorSpec, haversine_m, sortie_tables
from voltroute.model import ProblemError
from voltroute.solve.sidekick.instance import SidekickInstance


@dataclass(frozen=True, kw_only=True)
class MfstspVehicles:
    """Truck service time and the drones of one ``tbl_vehicles_*.csv``."""

    truck_service_s: float
    drones: tuple[MultirotorSpec, ...]


def _rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError(str(path), "file not found") from None
    out = []
    for row in csv.reader(text.splitlines()):
        if not row or row[0].strip().startswith("%") or not "".join(row).strip():
            continue
        out.append([c.strip() for c in row])
    return out


def read_mfstsp_vehicles(path: str | os.PathLike[str]) -> MfstspVehicles:
    """Read ``tbl_vehicles_<ID>.csv``."""
    p = Path(path)
    truck_service = None
    drones = []
    for x, row in enumerate(_rows(p)):
        try:
            vtype = int(row[1])
            vals = [float(v) for v in row[2:12]]
        except (IndexError, ValueError):
            raise ProblemError(
                f"{p.name}.{x}", "expected 13 comma-separated vehicle fields"
            ) from None
        if vtype == 1:
            truck_service = vals[8]
        elif vtype == 2:
            drones.append(
                MultirotorSpec(
                    takeoff_speed_m_s=vals[0],
                    cruise_speed_m_s=vals[1],
                    landing_speed_m_s=vals[2],
                    yaw_rate_deg_s=vals[3],
                    cruise_alt_m=vals[4],
                    payload_kg=vals[5] * LBS_TO_KG,
                    launch_s=vals[6],
                    recovery_s=vals[7],
                    service_s=vals[8],
                    battery_j=vals[9],
                )
            )
        else:
            raise ProblemError(f"{p.name}.{x}.vehicleType", "must be 1 (truck) or 2 (drone)")
    if truck_service is None:
        raise ProblemError(f"{p.name}", "has no truck (vehicleType 1)")
    if len(set(drones)) > 1:
        raise ProblemError(f"{p.name}", "drones must be identical")
    return MfstspVehicles(truck_service_s=truck_service, drones=tuple(drones))


def read_mfstsp(
    problem_dir: str | os.PathLike[str],
    vehicles: str | os.PathLike[str],
    *,
    num_drones: int,
) -> SidekickInstance:
    """Read one problem directory with a drone file as a :class:`SidekickInstance`."""
    d = Path(problem_dir)
    veh = read_mfstsp_vehicles(vehicles)
    if not 0 <= num_drones <= len(veh.drones):
        raise ProblemError("num_drones", f"must be in 0..{len(veh.drones)} (drones in the file)")
    locs = _rows(d / "tbl_locations.csv")
    try:
        ids = [int(r[0]) for r in locs]
        lat = np.array([float(r[2]) for r in locs])
        lon = np.array([float(r[3]) for r in locs])
        lbs = np.array([float(r[5]) for r in locs])
        types = [int(r[1]) for r in locs]
    except (IndexError, ValueError):
        raise ProblemError(
            "tbl_locations.csv", "expected nodeID, nodeType, lat, lon, alt, lbs"
        ) from None
    n = len(ids)
    if ids != list(range(n)) or types[0] != 0 or any(t != 1 for t in types[1:]):
        raise ProblemError(
            "tbl_locations.csv.nodeID", "must be 0..n-1 with the depot (type 0) first"
        )
    tt = np.full((n, n), np.nan)
    td = np.full((n, n), np.nan)
    for x, r in enumerate(_rows(d / "tbl_truck_travel_data_PG.csv")):
        try:
            i, j, t, m = int(r[0]), int(r[1]), float(r[2]), float(r[3])
        except (IndexError, ValueError):
            raise ProblemError(
                f"tbl_truck_travel_data_PG.csv.{x}", "expected from, to, time, distance"
            ) from None
        if not (0 <= i < n and 0 <= j < n):
            raise ProblemError(f"tbl_truck_travel_data_PG.csv.{x}", f"node out of 0..{n - 1}")
        tt[i, j], td[i, j] = t, m
    np.fill_diagonal(tt, 0.0)
    np.fill_diagonal(td, 0.0)
    if np.isnan(tt).any():
        i, j = np.argwhere(np.isnan(tt))[0]
        raise ProblemError("tbl_truck_travel_data_PG.csv", f"no entry for {i} -> {j}")
    parcel_kg = np.where(lbs > 0, lbs * LBS_TO_KG, 0.0)
    spec = veh.drones[0] if veh.drones else None
    ground = haversine_m(lat, lon)
    if spec is None:
        return SidekickInstance(
            name=d.name,
            truck_time_s=tt,
            truck_dist_m=td,
            drone_time_s=np.zeros((n, n)),
            drone_dist_m=ground,
            drone_eligible=np.zeros(n, dtype=bool),
            truck_service_s=np.r_[0.0, np.full(n - 1, veh.truck_service_s)],
            drone_service_s=np.zeros(n),
            num_drones=0,
        )
    tables = sortie_tables(spec, ground, parcel_kg)
    elig = parcel_kg <= spec.payload_kg + 1e-9
    elig[0] = False
    return SidekickInstance(
        name=d.name,
        truck_time_s=tt,
        truck_dist_m=td,
        drone_time_s=tables.leg_time_s,
        drone_dist_m=ground,
        drone_eligible=elig,
        truck_service_s=np.r_[0.0, np.full(n - 1, veh.truck_service_s)],
        drone_service_s=np.r_[0.0, np.full(n - 1, spec.service_s)],
        launch_s=spec.launch_s,
        recovery_s=spec.recovery_s,
        num_drones=num_drones,
        endurance_s=tables.endurance_s,
        flight_energy_j=tables.flight_energy_j,
        hover_power_w=tables.hover_power_w,
        battery_j=spec.battery_j,
        parcel_kg=parcel_kg,
        drone_payload_kg=spec.payload_kg,
        allow_same_node_recovery=False,
    )


def is_mfstsp_dir(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return (
        p.is_dir()
        and (p / "tbl_locations.csv").is_file()
        and (p / "tbl_truck_travel_data_PG.csv").is_file()
    )


__all__ = ["MfstspVehicles", "is_mfstsp_dir", "read_mfstsp", "read_mfstsp_vehicles"]
