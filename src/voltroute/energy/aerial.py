"""Energy and time of drone flights and sidewalk-robot trips, and their sourced presets.

Drones: one power model for the whole package. This module is a thin preset layer over
:class:`voltroute.energy.drone.MultirotorPowerModel` (Liu, Sengupta & Kurzhanskiy 2017, the model
Murray & Raj 2020 use for the mFSTSP instances and the sidekick engine uses), whose coefficients
are derived here from a :class:`~voltroute.model.DroneSpec`'s physical parameters, so every
formula lives in :mod:`voltroute.energy.drone` alone:

* ``induced_k1 = 1 / eta_m`` (motor and speed controller) and ``induced_k2 = sqrt(2 rho A)``
  (``A`` the total rotor disc area): Liu's induced power ``k1 T (v_c/2 + sqrt((v_c/2)^2 +
  T/k2^2))`` is then momentum theory for a climb at ``v_c``;
* ``profile_c2 = (1/FM - 1) / (eta_m k2)`` with the rotor figure of merit
  ``FM = power_efficiency / motor_efficiency``: at hover the total is
  ``T^1.5 / sqrt(2 rho A) / power_efficiency``, the classical figure-of-merit hover power;
* ``parasite_cp = rho (CdA_body [+ CdA_payload when loaded]) / 2 / eta_m``: drag force
  ``cp V^2`` and parasite power ``cp V^3`` at the motors' efficiency (so the drag inside the
  thrust is overstated by ``1/eta_m``: a few per cent of thrust at cruise, conservative);
* ``drag_kd = 0`` (no body lift); avionics add a constant ``avionics_power_w``.

As in Liu's model, forward flight keeps the hover induced power at the (drag-tilted) thrust: no
translational-lift credit, which is conservative for fast cruise. Descent is costed like a climb
at the descent speed (Murray & Raj's ``endurance_calculator.py``), again conservative.

One flight: take-off (climb to cruise height), cruise, descent at the customer, ``service_s``
hovering to lower the parcel, climb, cruise back, descent; the outbound half carries the
payload. A drone that must wait for its van or for the customer's window hovers (as in the
mFSTSP of Murray and Raj, 2020), empty on the way back or loaded on the way out.
Air density follows the day's temperature (:func:`voltroute.energy.physics.air_density_kg_m3`).

Robots: rolling resistance at constant walking pace plus the electronics,
``P = m g C_rr v / eta + P_aux``; waiting draws ``P_aux``.
"""

from __future__ import annotations

import copy
import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from voltroute.energy.drone import MultirotorPowerModel
from voltroute.energy.physics import air_density_kg_m3
from voltroute.model import DroneSpec, Problem, ProblemError, RobotSpec, as_problem_error
from voltroute.network.geo import haversine_matrix_m

G = 9.80665  # standard gravity, m/s² (CGPM 1901)
RHO_20C = 1.2041  # dry air at 20 °C and 101.325 kPa, kg/m³ (ideal gas, R = 287.05 J/(kg K))
_DATA_FILE = "aerial.toml"

__all__ = [
    "AERIAL_PRESETS",
    "AerialPreset",
    "DroneFlight",
    "FlightTables",
    "RobotTrip",
    "climb_power_w",
    "cruise_power_w",
    "descent_power_w",
    "disc_area_m2",
    "drone_flight",
    "drone_spec_from_preset",
    "flight_tables",
    "hover_power_w",
    "power_model",
    "resolve_fleet_presets",
    "robot_power_w",
    "robot_spec_from_preset",
    "robot_trip",
    "straight_line_matrix_m",
]


# ---------------------------------------------------------------- drone physics
def disc_area_m2(spec: DroneSpec) -> float:
    """Total rotor disc area, m²."""
    return spec.rotor_count * math.pi * (spec.rotor_diameter_m / 2.0) ** 2


def power_model(spec: DroneSpec, *, loaded: bool, rho: float = RHO_20C) -> MultirotorPowerModel:
    """The shared power model (:mod:`voltroute.energy.drone`) with ``spec``'s coefficients at
    air density ``rho`` (kg/m³); ``loaded`` adds the payload's drag area (module docstring)."""
    eta_m = spec.motor_efficiency
    k2 = math.sqrt(2.0 * rho * disc_area_m2(spec))
    fm = spec.power_efficiency / eta_m
    cda = spec.drag_area_m2 + (spec.payload_drag_area_m2 if loaded else 0.0)
    return MultirotorPowerModel(
        frame_mass_kg=spec.empty_mass_kg,
        gravity_m_s2=G,
        induced_k1=1.0 / eta_m,
        induced_k2=k2,
        profile_c2=(1.0 / fm - 1.0) / (eta_m * k2),
        parasite_cp=0.5 * rho * cda / eta_m,
        drag_kd=0.0,
        pitch_deg=0.0,
    )


def hover_power_w(spec: DroneSpec, payload_kg: float, rho: float = RHO_20C) -> float:
    """Battery power to hover with ``payload_kg`` at air density ``rho`` (kg/m³), W."""
    m = power_model(spec, loaded=payload_kg > 0, rho=rho)
    return m.power_w(payload_kg, 0.0, 0.0) + spec.avionics_power_w


def climb_power_w(spec: DroneSpec, payload_kg: float, rho: float = RHO_20C) -> float:
    """Battery power in a vertical climb at ``spec.climb_speed_mps``, W."""
    m = power_model(spec, loaded=payload_kg > 0, rho=rho)
    return m.power_w(payload_kg, 0.0, spec.climb_speed_mps) + spec.avionics_power_w


def descent_power_w(spec: DroneSpec, payload_kg: float, rho: float = RHO_20C) -> float:
    """Battery power in a vertical descent at ``spec.descent_speed_mps`` (costed as a climb at
    that speed, as Murray & Raj do), W."""
    m = power_model(spec, loaded=payload_kg > 0, rho=rho)
    return m.power_w(payload_kg, 0.0, spec.descent_speed_mps) + spec.avionics_power_w


def cruise_power_w(
    spec: DroneSpec, payload_kg: float, speed_mps: float | None = None, rho: float = RHO_20C
) -> float:
    """Battery power in level forward flight at ``speed_mps`` (default: cruise speed), W."""
    v = spec.cruise_speed_mps if speed_mps is None else speed_mps
    m = power_model(spec, loaded=payload_kg > 0, rho=rho)
    return m.power_w(payload_kg, v, 0.0) + spec.avionics_power_w


@dataclass(frozen=True, slots=True)
class DroneFlight:
    """Energy (Wh) and times (s) of one flight, from take-off to landing at the recovery point."""

    out_s: float  # take-off to arrival above the customer (climb, cruise, descent)
    back_s: float  # leaving the customer to landing at the recovery point
    energy_wh: float  # whole flight incl. service hover and any waiting hover
    out_energy_wh: float
    service_energy_wh: float
    back_energy_wh: float
    wait_energy_wh: float
    distance_m: float  # horizontal distance flown


@dataclass(frozen=True, slots=True)
class _LegPowers:
    up_s: float
    down_s: float
    climb_w: float
    cruise_w: float
    descent_w: float
    hover_w: float


@functools.lru_cache(maxsize=8192)
def _leg_powers(spec: DroneSpec, payload_kg: float, rho: float) -> _LegPowers:
    """Phase powers for one payload (cached: the engine evaluates many flights per spec)."""
    return _LegPowers(
        up_s=spec.cruise_altitude_m / spec.climb_speed_mps,
        down_s=spec.cruise_altitude_m / spec.descent_speed_mps,
        climb_w=climb_power_w(spec, payload_kg, rho),
        cruise_w=cruise_power_w(spec, payload_kg, rho=rho),
        descent_w=descent_power_w(spec, payload_kg, rho),
        hover_w=hover_power_w(spec, payload_kg, rho),
    )


def _leg(spec: DroneSpec, distance_m: float, pw: _LegPowers) -> tuple[float, float]:
    """(seconds, joules) of take-off, cruise over ``distance_m`` and landing."""
    t_cruise = distance_m / spec.cruise_speed_mps
    joules = pw.climb_w * pw.up_s + pw.cruise_w * t_cruise + pw.descent_w * pw.down_s
    return pw.up_s + t_cruise + pw.down_s, joules


def drone_flight(
    spec: DroneSpec,
    *,
    out_m: float,
    back_m: float,
    payload_kg: float,
    ambient_temp_c: float = 20.0,
    wait_loaded_s: float = 0.0,
    wait_empty_s: float = 0.0,
) -> DroneFlight:
    """One delivery flight: ``out_m`` loaded, ``service_s`` hovering loaded, ``back_m`` empty;
    ``wait_loaded_s`` hovering before the customer's window opens and ``wait_empty_s`` hovering
    before the van is there to recover it."""
    rho = air_density_kg_m3(ambient_temp_c)
    loaded = _leg_powers(spec, payload_kg, rho)
    empty = _leg_powers(spec, 0.0, rho)
    t_out, j_out = _leg(spec, out_m, loaded)
    t_back, j_back = _leg(spec, back_m, empty)
    j_service = loaded.hover_w * spec.service_s
    j_wait = loaded.hover_w * wait_loaded_s + empty.hover_w * wait_empty_s
    total = j_out + j_service + j_back + j_wait
    return DroneFlight(
        out_s=t_out,
        back_s=t_back,
        energy_wh=total / 3600.0,
        out_energy_wh=j_out / 3600.0,
        service_energy_wh=j_service / 3600.0,
        back_energy_wh=j_back / 3600.0,
        wait_energy_wh=j_wait / 3600.0,
        distance_m=out_m + back_m,
    )


@dataclass(frozen=True, kw_only=True)
class FlightTables:
    """Times and energies of every flight between ``n`` points (for the sidekick engine).

    ``out_s[i, j]``/``out_j[i, j]``: take-off at ``i``, cruise, landing at ``j`` carrying ``j``'s
    consignment; ``back_s``/``back_j``: the same empty; ``service_j[j]``: hovering loaded for
    ``service_s`` at ``j``; ``hover_empty_w``: waiting empty. Seconds and joules; the same
    numbers :func:`drone_flight` gives for one flight."""

    out_s: NDArray[np.float64]
    out_j: NDArray[np.float64]
    back_s: NDArray[np.float64]
    back_j: NDArray[np.float64]
    service_j: NDArray[np.float64]
    hover_empty_w: float

    def energy_j(self) -> NDArray[np.float64]:
        """``(n, n, n)`` energy of flight ``i -> j -> k`` without waiting, J."""
        return self.out_j[:, :, None] + self.service_j[None, :, None] + self.back_j[None, :, :]


def flight_tables(
    spec: DroneSpec,
    line_m: NDArray[np.float64],
    payload_kg: NDArray[np.float64],
    *,
    ambient_temp_c: float = 20.0,
) -> FlightTables:
    """:class:`FlightTables` for straight-line distances ``line_m`` (n x n, m) and the
    consignment mass delivered at each point (``payload_kg``, n)."""
    rho = air_density_kg_m3(ambient_temp_c)
    d = np.asarray(line_m, dtype=np.float64)
    n = d.shape[0]
    cruise_s = d / spec.cruise_speed_mps
    empty = _leg_powers(spec, 0.0, rho)
    vert_s = empty.up_s + empty.down_s
    back_j = empty.climb_w * empty.up_s + empty.cruise_w * cruise_s + empty.descent_w * empty.down_s
    out_j = np.empty((n, n))
    service_j = np.empty(n)
    for j in range(n):
        pw = _leg_powers(spec, float(payload_kg[j]), rho)
        out_j[:, j] = pw.climb_w * pw.up_s + pw.cruise_w * cruise_s[:, j] + pw.descent_w * pw.down_s
        service_j[j] = pw.hover_w * spec.service_s
    t = cruise_s + vert_s
    return FlightTables(
        out_s=t, out_j=out_j, back_s=t, back_j=back_j, service_j=service_j,
        hover_empty_w=empty.hover_w,
    )  # fmt: skip


# ---------------------------------------------------------------- robot physics
def robot_power_w(spec: RobotSpec, payload_kg: float) -> float:
    """Battery power while driving at ``spec.speed_kph`` with ``payload_kg`` on board, W."""
    v = spec.speed_kph / 3.6
    return (spec.empty_mass_kg + payload_kg) * G * spec.rolling_resistance * v / (
        spec.drivetrain_efficiency
    ) + spec.aux_power_w


@dataclass(frozen=True, slots=True)
class RobotTrip:
    """Energy (Wh), times (s) and distance (m) of one robot trip."""

    out_s: float
    back_s: float
    energy_wh: float
    distance_m: float


def robot_trip(
    spec: RobotSpec,
    *,
    out_m: float,
    back_m: float,
    payload_kg: float,
    wait_s: float = 0.0,
) -> RobotTrip:
    """A trip: ``out_m`` loaded (sidewalk metres), ``service_s`` at the door, ``back_m`` empty,
    ``wait_s`` standing (for the window or the van); distances already include the detour."""
    v = spec.speed_kph / 3.6
    t_out = out_m / v
    t_back = back_m / v
    joules = (
        robot_power_w(spec, payload_kg) * t_out
        + robot_power_w(spec, 0.0) * t_back
        + spec.aux_power_w * (spec.service_s + wait_s)
    )
    return RobotTrip(
        out_s=t_out, back_s=t_back, energy_wh=joules / 3600.0, distance_m=out_m + back_m
    )


# ---------------------------------------------------------------- presets
@dataclass(frozen=True)
class AerialPreset:
    """One catalogue entry: spec field values and the source of each."""

    key: str
    name: str
    kind: str  # "drone" or "robot"
    fields: Mapping[str, Any]
    sources: Mapping[str, str]


def _load(text: str) -> dict[str, AerialPreset]:
    out: dict[str, AerialPreset] = {}
    for key, raw in tomllib.loads(text).items():
        fields: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for name, entry in raw.items():
            if name in ("name", "kind"):
                continue
            if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
                raise ValueError(f"{_DATA_FILE}: {key}.{name} needs {{value = ..., source = ...}}")
            fields[name] = entry["value"]
            sources[name] = str(entry["source"])
        kind = str(raw["kind"])
        spec_cls = DroneSpec if kind == "drone" else RobotSpec
        spec_cls.model_validate(fields)  # every preset must be a valid spec
        out[key] = AerialPreset(
            key, str(raw["name"]), kind, MappingProxyType(fields), MappingProxyType(sources)
        )
    return out


AERIAL_PRESETS: Mapping[str, AerialPreset] = MappingProxyType(
    _load(resources.files("voltroute.energy").joinpath("data", _DATA_FILE).read_text("utf-8"))
)


def _preset(name: str, kind: str) -> AerialPreset:
    p = AERIAL_PRESETS.get(name)
    if p is None or p.kind != kind:
        known = sorted(k for k, v in AERIAL_PRESETS.items() if v.kind == kind)
        raise ProblemError("preset", f"unknown {kind} preset {name!r}; known: {known}")
    return p


def drone_spec_from_preset(name: str, **overrides: Any) -> DroneSpec:
    """A :class:`DroneSpec` from the catalogue, with ``overrides`` applied."""
    try:
        return DroneSpec.model_validate({**_preset(name, "drone").fields, **overrides})
    except ValidationError as exc:
        raise as_problem_error(exc, "spec") from None


def robot_spec_from_preset(name: str, **overrides: Any) -> RobotSpec:
    """A :class:`RobotSpec` from the catalogue, with ``overrides`` applied."""
    try:
        return RobotSpec.model_validate({**_preset(name, "robot").fields, **overrides})
    except ValidationError as exc:
        raise as_problem_error(exc, "spec") from None


def resolve_fleet_presets(data: dict[str, Any]) -> dict[str, Any]:
    """Fill the ``spec`` of drone and robot fleets that name a ``preset`` (problem JSON dict);
    fields given in the file's ``spec`` override the preset's."""
    out = dict(data)
    for group, kind in (("drones", "drone"), ("robots", "robot")):
        fleets = data.get(group)
        if not isinstance(fleets, list):
            continue
        resolved = []
        for i, fleet in enumerate(fleets):
            if isinstance(fleet, dict) and fleet.get("preset"):
                try:
                    base = dict(_preset(str(fleet["preset"]), kind).fields)
                except ProblemError as exc:
                    raise ProblemError(f"{group}.{i}.preset", exc.rule) from None
                spec = fleet.get("spec")
                if spec is not None and not isinstance(spec, dict):
                    raise ProblemError(f"{group}.{i}.spec", "must be an object")
                fleet = {**fleet, "spec": {**copy.deepcopy(base), **(spec or {})}}
            resolved.append(fleet)
        out[group] = resolved
    return out


# ---------------------------------------------------------------- distances
def straight_line_matrix_m(problem: Problem) -> np.ndarray:
    """Flight distances between all locations of ``problem`` (matrix order: depots, stops,
    stations): great-circle for lat/lon, Euclidean for planar x/y; drones fly straight."""
    locs = problem.locations
    if all(loc.is_geographic for loc in locs):
        lats = [float(loc.lat or 0.0) for loc in locs]
        lons = [float(loc.lon or 0.0) for loc in locs]
        return haversine_matrix_m(lats, lons)
    xy = np.array([loc.xy for loc in locs], dtype=np.float64)
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
