"""Physics-based power and endurance of a multirotor delivery drone (payload and speed dependent).

The power model is Liu, Sengupta & Kurzhanskiy (2017), "A power consumption model for multi-rotor
small unmanned aircraft systems" (ICUAS 2017), with the coefficients fitted there for a 3DR Solo
(1.5 kg frame) as used by Murray & Raj (2020) for the mFSTSP instances (their
``endurance_calculator.py``, endurance type 1 "non-linear"):

* thrust ``T = sqrt(((m_frame + m_payload) g - k_d (v cos 10deg)^2)^2 + (c_p v^2)^2)`` [N];
* induced power ``P_i = k1 T (v_vert / 2 + sqrt((v_vert / 2)^2 + T / k2^2))`` [W];
* profile power ``P_p = c2 T^1.5``; parasite power ``P_par = c_p v^3``.

A flight leg is: take off vertically to the cruise altitude (plus a worst-case 180-degree yaw),
cruise in a straight great-circle line, land vertically (Murray & Raj's
``calcMultirotorTravelTime`` with unknown headings). A sortie flies out loaded, serves the customer
on the ground, and flies back empty; time left in the battery after the minimum flight is spent
hovering empty, which gives the sortie's endurance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voltroute.model import ProblemError

EARTH_RADIUS_M = 6378100.0  # Murray & Raj (2020), distance_functions.py
LBS_TO_KG = 0.453592


@dataclass(frozen=True, kw_only=True)
class MultirotorPowerModel:
    """Coefficients of the power model (Liu, Sengupta & Kurzhanskiy 2017, 3DR Solo fit)."""

    frame_mass_kg: float = 1.5  # 3DR Solo without payload (Liu et al. 2017)
    gravity_m_s2: float = 9.8  # as in Murray & Raj's endurance_calculator.py
    induced_k1: float = 0.8554  # Liu et al. 2017, Table 2
    induced_k2: float = 0.3051  # Liu et al. 2017, Table 2
    profile_c2: float = 0.3177  # Liu et al. 2017, Table 2
    parasite_cp: float = 0.0296  # Liu et al. 2017, Table 2
    drag_kd: float = 0.0279  # Liu et al. 2017, Table 2
    pitch_deg: float = 10.0  # cruise pitch angle (Murray & Raj 2020)

    def __post_init__(self) -> None:
        for name in ("frame_mass_kg", "gravity_m_s2", "induced_k1", "induced_k2", "profile_c2"):
            if not getattr(self, name) > 0:
                raise ProblemError(f"power_model.{name}", "must be > 0")

    def thrust_n(self, payload_kg: float, airspeed_m_s: float) -> float:
        """Rotor thrust [N] with ``payload_kg`` at horizontal ``airspeed_m_s``."""
        v = airspeed_m_s * math.cos(math.radians(self.pitch_deg))
        weight = (self.frame_mass_kg + payload_kg) * self.gravity_m_s2
        return math.sqrt(
            (weight - self.drag_kd * v * v) ** 2 + (self.parasite_cp * airspeed_m_s**2) ** 2
        )

    def power_w(self, payload_kg: float, airspeed_m_s: float, vertical_m_s: float = 0.0) -> float:
        """Electric power [W]: induced + profile (+ parasite when cruising)."""
        t = self.thrust_n(payload_kg, airspeed_m_s)
        half = vertical_m_s / 2.0
        induced = self.induced_k1 * t * (half + math.sqrt(half * half + t / self.induced_k2**2))
        profile = self.profile_c2 * t**1.5
        return induced + profile + self.parasite_cp * airspeed_m_s**3

    def hover_power_w(self, payload_kg: float = 0.0) -> float:
        return self.power_w(payload_kg, 0.0, 0.0)


@dataclass(frozen=True, kw_only=True)
class MultirotorSpec:
    """A drone's flight profile and battery (SI units)."""

    takeoff_speed_m_s: float
    cruise_speed_m_s: float
    landing_speed_m_s: float
    yaw_rate_deg_s: float
    cruise_alt_m: float
    payload_kg: float
    launch_s: float
    recovery_s: float
    service_s: float
    battery_j: float

    def __post_init__(self) -> None:
        for name in (
            "takeoff_speed_m_s",
            "cruise_speed_m_s",
            "landing_speed_m_s",
            "yaw_rate_deg_s",
            "battery_j",
        ):
            if not getattr(self, name) > 0:
                raise ProblemError(f"drone.{name}", "must be > 0")
        for name in ("cruise_alt_m", "payload_kg", "launch_s", "recovery_s", "service_s"):
            if getattr(self, name) < 0:
                raise ProblemError(f"drone.{name}", "must be >= 0")

    def leg_times_s(self, ground_m: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        """(take-off incl. yaw, cruise, landing) seconds of legs of ``ground_m`` metres.

        Legs of at most 1 m are no flight at all (Murray & Raj's ``DIST_TOL``)."""
        fly = np.asarray(ground_m, dtype=np.float64) > 1.0
        up = np.where(
            fly, self.cruise_alt_m / self.takeoff_speed_m_s + 180.0 / self.yaw_rate_deg_s, 0.0
        )
        cruise = np.where(fly, ground_m / self.cruise_speed_m_s, 0.0)
        down = np.where(fly, self.cruise_alt_m / self.landing_speed_m_s, 0.0)
        return up, cruise, down


def haversine_m(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle distance matrix [m] between points given in degrees."""
    la = np.radians(lat)[:, None]
    lb = np.radians(lat)[None, :]
    dlat = lb - la
    dlon = np.radians(lon)[None, :] - np.radians(lon)[:, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(la) * np.cos(lb) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True, kw_only=True)
class SortieTables:
    """Per-node-pair leg times and per-sortie energy and endurance arrays."""

    leg_time_s: NDArray[np.float64]  # (n, n) take-off + cruise + landing
    flight_energy_j: NDArray[np.float64]  # (n, n, n) energy of sortie i -> j -> k without waiting
    endurance_s: NDArray[np.float64]  # (n, n, n) launch-end to recovery-start limit, -1 infeasible
    hover_power_w: float


def sortie_tables(
    spec: MultirotorSpec,
    ground_m: NDArray[np.float64],
    parcel_kg: NDArray[np.float64],
    model: MultirotorPowerModel | None = None,
) -> SortieTables:
    """Energy and endurance of every sortie (i, j, k): out loaded with parcel j, back empty."""
    model = model or MultirotorPowerModel()
    n = ground_m.shape[0]
    up, cruise, down = spec.leg_times_s(ground_m)
    leg = up + cruise + down
    q, p, r = spec.cruise_speed_m_s, spec.takeoff_speed_m_s, spec.landing_speed_m_s
    e_out = np.zeros((n, n))  # i -> j carrying parcel j
    for j in range(n):
        mj = float(parcel_kg[j]) if parcel_kg[j] > 0 else 0.0
        pt = model.power_w(mj, 0.0, p)
        pc = model.power_w(mj, q, 0.0)
        pl = model.power_w(mj, 0.0, r)
        e_out[:, j] = up[:, j] * pt + cruise[:, j] * pc + down[:, j] * pl
    pt0, pc0, pl0 = (
        model.power_w(0.0, 0.0, p),
        model.power_w(0.0, q, 0.0),
        model.power_w(0.0, 0.0, r),
    )
    e_back = up * pt0 + cruise * pc0 + down * pl0  # j -> k empty
    energy = e_out[:, :, None] + e_back[None, :, :]
    hover = model.hover_power_w(0.0)
    min_time = leg[:, :, None] + spec.service_s + leg[None, :, :]
    left = spec.battery_j - energy
    endurance = np.where(left >= 0, min_time + left / hover, -1.0)
    return SortieTables(
        leg_time_s=leg, flight_energy_j=energy, endurance_s=endurance, hover_power_w=hover
    )


__all__ = [
    "EARTH_RADIUS_M",
    "LBS_TO_KG",
    "MultirotorPowerModel",
    "MultirotorSpec",
    "SortieTables",
    "haversine_m",
    "sortie_tables",
]
