"""Energy and time of drone flights and sidewalk-robot trips, and their sourced presets.

Drones: momentum (actuator-disc) theory for a multirotor, as used for delivery drones by
Dorling et al. (2017, IEEE Trans. SMC 47(1), "Vehicle routing problems for drone delivery") for
hover and by Stolaroff et al. (2018, Nature Communications 9:409) for forward flight (Glauert's
induced-velocity relation for a tilted disc):

* hover: ``P = T^1.5 / sqrt(2 rho A) / eta``, thrust ``T = (m_empty + m_payload) g``;
* forward flight at speed ``V``: drag ``D = rho V^2 (CdA_body + CdA_payload) / 2``, the disc tilts
  by ``alpha = atan(D / W)``, ``T = sqrt(W^2 + D^2)``, the induced velocity ``v_i`` solves
  ``v_i = T / (2 rho A sqrt((V cos a)^2 + (V sin a + v_i)^2))`` and
  ``P = T (V sin a + v_i) / eta`` (induced plus parasite power);
* vertical climb at ``v_c``: ``P = T (v_c / 2 + sqrt((v_c / 2)^2 + T / (2 rho A))) / eta``;
* descent is costed at hover power (momentum theory does not hold in the vortex-ring state, and
  hover power bounds the real, lower, descent power from above);
* avionics draw a constant ``avionics_power_w`` throughout.

``A`` is the total disc area of all rotors and ``eta`` the battery-to-ideal-power efficiency.
Air density follows the day's temperature (:func:`voltroute.energy.physics.air_density_kg_m3`).

One flight: take-off (climb to cruise height), cruise, descent at the customer, ``service_s``
hovering to lower the parcel, climb, cruise back, descent; the outbound half carries the
payload. A drone that must wait for its van or for the customer's window hovers (as in the
mFSTSP of Murray and Raj, 2020), empty on the way back or loaded on the way out.

Robots: rolling resistance at constant walking pace plus the electronics,
``P = m g C_rr v / eta + P_aux``; waiting draws ``P_aux``.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
from pydantic import ValidationError

from voltroute.energy.physics import air_density_kg_m3
from voltroute.model import DroneSpec, Problem, ProblemError, RobotSpec, as_problem_error
from voltroute.network.geo import haversine_matrix_m

G = 9.80665  # standard gravity, m/s² (CGPM 1901)
_DATA_FILE = "aerial.toml"

__all__ = [
    "AERIAL_PRESETS",
    "AerialPreset",
    "DroneFlight",
    "RobotTrip",
    "climb_power_w",
    "cruise_power_w",
    "disc_area_m2",
    "drone_flight",
    "drone_spec_from_preset",
    "hover_power_w",
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


def _weight_n(spec: DroneSpec, payload_kg: float) -> float:
    return (spec.empty_mass_kg + payload_kg) * G


def hover_power_w(spec: DroneSpec, payload_kg: float, rho: float = 1.204) -> float:
    """Battery power to hover with ``payload_kg`` at air density ``rho`` (kg/m³), W."""
    t = _weight_n(spec, payload_kg)
    return t**1.5 / math.sqrt(2.0 * rho * disc_area_m2(spec)) / spec.power_efficiency + (
        spec.avionics_power_w
    )


def climb_power_w(spec: DroneSpec, payload_kg: float, rho: float = 1.204) -> float:
    """Battery power in a vertical climb at ``spec.climb_speed_mps``, W."""
    t = _weight_n(spec, payload_kg)
    vc = spec.climb_speed_mps
    vh2 = t / (2.0 * rho * disc_area_m2(spec))
    return t * (vc / 2.0 + math.sqrt((vc / 2.0) ** 2 + vh2)) / spec.power_efficiency + (
        spec.avionics_power_w
    )


def cruise_power_w(
    spec: DroneSpec, payload_kg: float, speed_mps: float | None = None, rho: float = 1.204
) -> float:
    """Battery power in level forward flight (Glauert momentum theory), W."""
    v = spec.cruise_speed_mps if speed_mps is None else speed_mps
    w = _weight_n(spec, payload_kg)
    cda = spec.drag_area_m2 + (spec.payload_drag_area_m2 if payload_kg > 0 else 0.0)
    drag = 0.5 * rho * v * v * cda
    thrust = math.hypot(w, drag)
    alpha = math.atan2(drag, w)
    a = v * math.cos(alpha)
    b = v * math.sin(alpha)
    k = thrust / (2.0 * rho * disc_area_m2(spec))
    # v_i solves f(v) = v * sqrt(a^2 + (b + v)^2) - k = 0, increasing in v >= 0: Newton from the
    # hover value, which lies above the root, converges monotonically.
    vi = math.sqrt(k)
    for _ in range(50):
        r = math.sqrt(a * a + (b + vi) ** 2)
        f = vi * r - k
        df = r + vi * (b + vi) / r
        step = f / df
        vi -= step
        if abs(step) < 1e-10:
            break
    return thrust * (b + vi) / spec.power_efficiency + spec.avionics_power_w


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


def _leg(spec: DroneSpec, distance_m: float, payload_kg: float, rho: float) -> tuple[float, float]:
    """(seconds, joules) of take-off, cruise over ``distance_m`` and landing."""
    h = spec.cruise_altitude_m
    t_up = h / spec.climb_speed_mps
    t_cruise = distance_m / spec.cruise_speed_mps
    t_down = h / spec.descent_speed_mps
    joules = (
        climb_power_w(spec, payload_kg, rho) * t_up
        + cruise_power_w(spec, payload_kg, rho=rho) * t_cruise
        + hover_power_w(spec, payload_kg, rho) * t_down
    )
    return t_up + t_cruise + t_down, joules


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
    t_out, j_out = _leg(spec, out_m, payload_kg, rho)
    t_back, j_back = _leg(spec, back_m, 0.0, rho)
    j_service = hover_power_w(spec, payload_kg, rho) * spec.service_s
    j_wait = (
        hover_power_w(spec, payload_kg, rho) * wait_loaded_s
        + hover_power_w(spec, 0.0, rho) * wait_empty_s
    )
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
