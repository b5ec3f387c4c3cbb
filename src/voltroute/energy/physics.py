"""Energy use of a van driving a leg, parked at a stop, or cruising: a longitudinal-dynamics model.

A *leg* is driving from one standstill (a stop or the depot) to the next at the average speed
``distance / duration``. The model splits the work at the wheels into

* rolling resistance ``m g Crr d``;
* aerodynamic drag ``1/2 rho CdA v_aero^2 d`` at the distance-weighted speed of the leg's
  speed profile (cruise speed, lowered for the share of the leg spent accelerating and braking);
* braking: the kinetic energy ``1/2 m v_c^2`` of every start (one per leg plus the
  intermediate stops at lights and junctions), less what rolling resistance and drag absorb
  while decelerating.

Over a leg that starts and ends at rest the kinetic energy cancels, so the positive work at the
wheels is ``resistance + braking``. A battery van draws ``positive work / drivetrain
efficiency - regen_efficiency * braking`` plus its auxiliary and cabin (HVAC) power over the
leg's duration; a diesel van burns ``positive work / (drivetrain * engine efficiency)`` plus the
accessory load through the engine, divided by diesel's heating value, plus idle fuel while
stopped at lights.

The cruise speed, the number of intermediate stops and the time spent waiting at them are
functions of the leg's average speed fitted to the EPA UDDS, HWFET and US06 and the WLTC
speed traces (see docs/energy.md, "Stop-and-go model"). Every function is pure and cheap:
:func:`leg_energy` uses ``math`` only (a few microseconds a call) and
:func:`leg_energy_array` is the same model in numpy for whole matrices.

Units are SI throughout; energies are returned in kWh (battery) and litres (diesel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from voltroute.model import Body, DieselPowertrain, ElectricPowertrain, VehicleType

__all__ = [
    "DIESEL_LHV_J_PER_L",
    "LegEnergy",
    "air_density_kg_m3",
    "cruise_speed_mps",
    "dwell_energy",
    "energy_per_km",
    "hvac_power_w",
    "intermediate_stops_per_km",
    "leg_energy",
    "leg_energy_array",
    "usable_battery_kwh",
]

# ---- physical constants -------------------------------------------------------------------
G_MPS2 = 9.80665
#: Diesel lower heating value: 128,450 Btu/US gal (Argonne GREET fuel specifications; same value
#: in ORNL Transportation Energy Data Book, appendix B) = 135.5 MJ/gal = 35.8 MJ/L.
DIESEL_LHV_J_PER_L = 128_450 * 1055.056 / 3.785_411_784
J_PER_KWH = 3.6e6
_P_ATM_PA = 101_325.0
_R_AIR = 287.05  # J/(kg K), dry air

# ---- stop-and-go model (fitted to standard speed traces; docs/energy.md) -----------------
#: Intermediate stops per km = STOPS_AT_ZERO_PER_KM * exp(-v_avg / STOPS_SPEED_SCALE_KPH).
#: Two-point fit to EPA UDDS (31.5 km/h, 1.33 stops/km) and US06 (77.3 km/h, 0.31 stops/km).
STOPS_AT_ZERO_PER_KM = 3.6
STOPS_SPEED_SCALE_KPH = 31.5
#: Cruise speed = v_avg * (1 + CRUISE_EXCESS * exp(-v_avg / CRUISE_SPEED_SCALE_KPH)),
#: least-squares fit of wheel and battery energy over UDDS, HWFET, US06, FTP (ftpmc1b), NREL13
#: and the four WLTC class-3 phases for three van sizes.
CRUISE_EXCESS = 2.1
CRUISE_SPEED_SCALE_KPH = 33.0
#: Mean acceleration and deceleration while changing speed in the UDDS (0.6 and 0.7 m/s²).
ACCEL_MPS2 = 0.6
DECEL_MPS2 = 0.7
_C_ACCEL = 0.5 * (1.0 / ACCEL_MPS2 + 1.0 / DECEL_MPS2)  # s²/m: (v²/2a + v²/2b) / v²
#: Time stationary per intermediate stop (UDDS 15.2 s, FTP 16.1 s), and its cap as a share of
#: the leg's duration (UDDS idles 17.8 % of the time, the WLTC low phase 25 %).
IDLE_PER_STOP_S = 15.0
MAX_IDLE_FRACTION = 0.25
#: Average speed used when a leg has a distance but no duration, and the cap on the average
#: speed the physics will believe (matrices sometimes carry impossible speeds).
FALLBACK_SPEED_KPH = 30.0
MAX_SPEED_KPH = 130.0

# ---- battery temperature model --------------------------------------------------------------
#: Usable capacity falls linearly below REF by CAPACITY_LOSS_PER_K, floored at CAPACITY_FLOOR.
#: 0.4 %/K gives 88 % at -10 °C, inside the 85-90 % that Jaguemont, Boulon & Dubé (2016),
#: "A comprehensive review of lithium-ion batteries used in hybrid and electric vehicles at cold
#: temperatures", Applied Energy 164:99-114, summarise for moderate discharge rates.
CAPACITY_REF_TEMP_C = 20.0
CAPACITY_LOSS_PER_K = 0.004
CAPACITY_FLOOR = 0.7
#: Cabin heating below HEAT_BELOW_C and cooling above COOL_ABOVE_C (the model's field docs).
HEAT_BELOW_C = 18.0
COOL_ABOVE_C = 24.0


@dataclass(frozen=True, slots=True)
class LegEnergy:
    """Energy of a leg, a dwell or a kilometre: battery kWh (net of regeneration) and diesel litres."""

    battery_kwh: float = 0.0
    fuel_l: float = 0.0

    def __add__(self, other: LegEnergy) -> LegEnergy:
        if not isinstance(other, LegEnergy):
            return NotImplemented
        return LegEnergy(self.battery_kwh + other.battery_kwh, self.fuel_l + other.fuel_l)

    def scaled(self, factor: float) -> LegEnergy:
        return LegEnergy(self.battery_kwh * factor, self.fuel_l * factor)


ZERO = LegEnergy()


def air_density_kg_m3(ambient_temp_c: float) -> float:
    """Dry air at sea-level pressure: ``p / (R T)``; 1.204 kg/m³ at 20 °C, 1.342 at -10 °C."""
    return _P_ATM_PA / (_R_AIR * (max(ambient_temp_c, -80.0) + 273.15))


def usable_battery_kwh(powertrain: ElectricPowertrain, ambient_temp_c: float) -> float:
    """Usable battery energy at ``ambient_temp_c``: the 20 °C rating, less 0.4 %/K below 20 °C.

    Clamped to ``[CAPACITY_FLOOR, 1]`` of the rating (no gain when warm: the battery management
    system holds the same window).
    """
    loss = CAPACITY_LOSS_PER_K * max(0.0, CAPACITY_REF_TEMP_C - ambient_temp_c)
    return powertrain.battery_usable_kwh * max(CAPACITY_FLOOR, 1.0 - loss)


def hvac_power_w(powertrain: ElectricPowertrain | DieselPowertrain, ambient_temp_c: float) -> float:
    """Electrical power of auxiliaries plus cabin heating/cooling, W.

    Heating ``heating_w_per_k`` per kelvin below 18 °C, cooling ``cooling_w_per_k`` per kelvin
    above 24 °C, their sum capped at ``hvac_max_w``; ``aux_power_w`` is always drawn. A diesel
    powertrain heats its cabin with engine waste heat, so only its ``aux_power_w`` counts.
    """
    if isinstance(powertrain, DieselPowertrain):
        return powertrain.aux_power_w
    heat = powertrain.heating_w_per_k * max(0.0, HEAT_BELOW_C - ambient_temp_c)
    cool = powertrain.cooling_w_per_k * max(0.0, ambient_temp_c - COOL_ABOVE_C)
    return powertrain.aux_power_w + min(powertrain.hvac_max_w, heat + cool)


def intermediate_stops_per_km(avg_speed_kph: float) -> float:
    """Expected stops at lights/junctions per km of a leg driven at ``avg_speed_kph`` on average.

    ``3.6 exp(-v/31.5)``: 2.6/km at 10 km/h, 1.4 at 30, 0.33 at 75, 0.21 at 90.
    """
    return STOPS_AT_ZERO_PER_KM * math.exp(-avg_speed_kph / STOPS_SPEED_SCALE_KPH)


def cruise_speed_mps(avg_speed_mps: float) -> float:
    """Cruise speed between stops of a long leg with average speed ``avg_speed_mps``.

    ``v (1 + 2.1 exp(-v/33 km/h))``: 30 km/h average cruises at 55 km/h, 75 km/h at 87 km/h.
    Short legs are further capped (see :func:`leg_energy`).
    """
    v_kph = avg_speed_mps * 3.6
    return avg_speed_mps * (1.0 + CRUISE_EXCESS * math.exp(-v_kph / CRUISE_SPEED_SCALE_KPH))


def _body_powertrain(
    vehicle_type: VehicleType,
) -> tuple[Body | None, ElectricPowertrain | DieselPowertrain | None]:
    return vehicle_type.body, vehicle_type.powertrain


def _effective_speed(distance_m: float, duration_s: float) -> float:
    v = distance_m / duration_s if duration_s > 0 else FALLBACK_SPEED_KPH / 3.6
    return min(v, MAX_SPEED_KPH / 3.6)


def leg_energy(
    vehicle_type: VehicleType,
    *,
    distance_m: float,
    duration_s: float,
    payload_kg: float,
    ambient_temp_c: float,
) -> LegEnergy:
    """Energy to drive one leg from standstill to standstill.

    ``payload_kg`` is the load on board for this leg (it falls as parcels are delivered).
    Returns zeros for a vehicle type without body/powertrain. A leg of no distance stands with
    the powertrain on for its duration (auxiliaries, or idle fuel). A leg with a distance but no
    duration is driven at 30 km/h for the physics (and draws no auxiliary energy); average
    speeds above 130 km/h are treated as 130 km/h.
    """
    body, pt = _body_powertrain(vehicle_type)
    if isinstance(pt, ElectricPowertrain) and pt.fixed_kwh_per_km is not None:
        return LegEnergy(battery_kwh=pt.fixed_kwh_per_km * max(float(distance_m), 0.0) / 1000.0)
    if body is None or pt is None:
        return ZERO
    duration_s = max(0.0, float(duration_s))
    distance_m = float(distance_m)
    if distance_m <= 0.0:
        # Standing still for the duration, powertrain on: auxiliaries (electric) or idle fuel.
        if isinstance(pt, ElectricPowertrain):
            return LegEnergy(battery_kwh=hvac_power_w(pt, ambient_temp_c) * duration_s / J_PER_KWH)
        return LegEnergy(fuel_l=pt.idle_fuel_l_per_h * duration_s / 3600.0)

    mass = body.empty_mass_kg + max(0.0, float(payload_kg))
    rho = air_density_kg_m3(ambient_temp_c)
    v_avg = _effective_speed(distance_m, duration_s)
    v_kph = v_avg * 3.6
    n_int = intermediate_stops_per_km(v_kph) * distance_m / 1000.0
    n_starts = 1.0 + n_int
    v_c = v_avg * (1.0 + CRUISE_EXCESS * math.exp(-v_kph / CRUISE_SPEED_SCALE_KPH))
    # A short segment cannot reach the cruise speed: cap at the triangular-profile peak.
    v_peak = math.sqrt(distance_m / (n_starts * _C_ACCEL))
    v_c = max(min(v_c, v_peak), v_avg)
    v_c2 = v_c * v_c
    # Share of the distance spent accelerating/braking, where the mean of v² is v_c²/2.
    phi = min(1.0, n_starts * v_c2 * _C_ACCEL / distance_m)
    f_roll = mass * G_MPS2 * body.rolling_resistance
    half_rho_cda = 0.5 * rho * body.drag_area_m2
    e_res = (f_roll + half_rho_cda * v_c2 * (1.0 - 0.5 * phi)) * distance_m
    per_stop = 0.5 * mass * v_c2 - (f_roll + half_rho_cda * 0.5 * v_c2) * v_c2 / (2.0 * DECEL_MPS2)
    e_brake = n_starts * max(0.0, per_stop)
    e_pos = e_res + e_brake

    if isinstance(pt, ElectricPowertrain):
        e_batt = e_pos / pt.drivetrain_efficiency - pt.regen_efficiency * e_brake
        e_batt += hvac_power_w(pt, ambient_temp_c) * duration_s
        return LegEnergy(battery_kwh=max(0.0, e_batt) / J_PER_KWH)
    t_idle = min(n_int * IDLE_PER_STOP_S, MAX_IDLE_FRACTION * duration_s)
    t_moving = duration_s - t_idle
    e_fuel = e_pos / (pt.drivetrain_efficiency * pt.engine_efficiency)
    e_fuel += pt.aux_power_w * t_moving / pt.engine_efficiency
    fuel = e_fuel / DIESEL_LHV_J_PER_L + pt.idle_fuel_l_per_h * t_idle / 3600.0
    return LegEnergy(fuel_l=fuel)


def leg_energy_array(
    vehicle_type: VehicleType,
    distance_m: np.ndarray,
    duration_s: np.ndarray,
    payload_kg: float | np.ndarray,
    ambient_temp_c: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`leg_energy`: ``(battery_kwh, fuel_l)`` arrays of the broadcast shape.

    Same model and edge cases, element by element (zero-distance entries, such as a matrix
    diagonal, draw only standing energy over their duration, i.e. zero for zero duration).
    """
    d = np.asarray(distance_m, dtype=np.float64)
    t = np.maximum(np.asarray(duration_s, dtype=np.float64), 0.0)
    payload = np.maximum(np.asarray(payload_kg, dtype=np.float64), 0.0)
    d, t, payload = np.broadcast_arrays(d, t, payload)
    shape = d.shape
    body, pt = _body_powertrain(vehicle_type)
    zeros = np.zeros(shape)
    if isinstance(pt, ElectricPowertrain) and pt.fixed_kwh_per_km is not None:
        return pt.fixed_kwh_per_km * np.maximum(d, 0.0) / 1000.0, zeros
    if body is None or pt is None:
        return zeros, zeros.copy()

    moving = d > 0.0
    d_safe = np.where(moving, d, 1.0)
    mass = body.empty_mass_kg + payload
    rho = air_density_kg_m3(ambient_temp_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        v_avg = np.where(t > 0.0, d_safe / np.where(t > 0.0, t, 1.0), FALLBACK_SPEED_KPH / 3.6)
    v_avg = np.minimum(v_avg, MAX_SPEED_KPH / 3.6)
    v_kph = v_avg * 3.6
    n_int = STOPS_AT_ZERO_PER_KM * np.exp(-v_kph / STOPS_SPEED_SCALE_KPH) * d_safe / 1000.0
    n_starts = 1.0 + n_int
    v_c = v_avg * (1.0 + CRUISE_EXCESS * np.exp(-v_kph / CRUISE_SPEED_SCALE_KPH))
    v_peak = np.sqrt(d_safe / (n_starts * _C_ACCEL))
    v_c = np.maximum(np.minimum(v_c, v_peak), v_avg)
    v_c2 = v_c * v_c
    phi = np.minimum(1.0, n_starts * v_c2 * _C_ACCEL / d_safe)
    f_roll = mass * G_MPS2 * body.rolling_resistance
    half_rho_cda = 0.5 * rho * body.drag_area_m2
    e_res = (f_roll + half_rho_cda * v_c2 * (1.0 - 0.5 * phi)) * d_safe
    per_stop = 0.5 * mass * v_c2 - (f_roll + half_rho_cda * 0.5 * v_c2) * v_c2 / (2.0 * DECEL_MPS2)
    e_brake = n_starts * np.maximum(0.0, per_stop)
    e_pos = e_res + e_brake

    if isinstance(pt, ElectricPowertrain):
        p_aux = hvac_power_w(pt, ambient_temp_c)
        e_batt = e_pos / pt.drivetrain_efficiency - pt.regen_efficiency * e_brake + p_aux * t
        e_batt = np.where(moving, np.maximum(e_batt, 0.0), p_aux * t)
        return e_batt / J_PER_KWH, zeros
    t_idle = np.minimum(n_int * IDLE_PER_STOP_S, MAX_IDLE_FRACTION * t)
    e_fuel = e_pos / (pt.drivetrain_efficiency * pt.engine_efficiency)
    e_fuel = e_fuel + pt.aux_power_w * (t - t_idle) / pt.engine_efficiency
    fuel = e_fuel / DIESEL_LHV_J_PER_L + pt.idle_fuel_l_per_h * t_idle / 3600.0
    fuel = np.where(moving, fuel, pt.idle_fuel_l_per_h * t / 3600.0)
    return zeros, fuel


def dwell_energy(
    vehicle_type: VehicleType, *, duration_s: float, ambient_temp_c: float
) -> LegEnergy:
    """Energy while parked at a stop or waiting for ``duration_s``.

    Electric: auxiliaries plus HVAC (:func:`hvac_power_w`) keep running, or only the standby
    draw when the fleet powers vans down at stops (``aux_on_at_stops``). Diesel: idle fuel only
    if the powertrain keeps the engine on at stops (``engine_on_at_stops``), else nothing.
    """
    body, pt = _body_powertrain(vehicle_type)
    if isinstance(pt, ElectricPowertrain) and pt.fixed_kwh_per_km is not None:
        return ZERO  # literature instances: energy is distance only
    if body is None or pt is None or duration_s <= 0:
        return ZERO
    if isinstance(pt, ElectricPowertrain):
        power_w = hvac_power_w(pt, ambient_temp_c) if pt.aux_on_at_stops else pt.standby_power_w
        return LegEnergy(battery_kwh=power_w * duration_s / J_PER_KWH)
    if pt.engine_on_at_stops:
        return LegEnergy(fuel_l=pt.idle_fuel_l_per_h * duration_s / 3600.0)
    return ZERO


def energy_per_km(
    vehicle_type: VehicleType, *, payload_kg: float, speed_kph: float, ambient_temp_c: float
) -> LegEnergy:
    """Energy per km of sustained driving at average speed ``speed_kph`` (for reports).

    A 100 km leg at that average speed, divided by 100: it includes the intermediate stops
    typical of the speed and the auxiliaries, but not dwell at delivery stops.
    """
    if speed_kph <= 0:
        raise ValueError(f"speed_kph must be positive, got {speed_kph}")
    distance_m = 100_000.0
    leg = leg_energy(
        vehicle_type,
        distance_m=distance_m,
        duration_s=distance_m / (speed_kph / 3.6),
        payload_kg=payload_kg,
        ambient_temp_c=ambient_temp_c,
    )
    return leg.scaled(1000.0 / distance_m)
