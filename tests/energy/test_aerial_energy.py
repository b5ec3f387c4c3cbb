"""The native drone energy is the shared power model (energy/drone.py) with derived coefficients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from voltroute.energy.aerial import (
    climb_power_w,
    descent_power_w,
    drone_flight,
    drone_spec_from_preset,
    flight_tables,
    hover_power_w,
    power_model,
)
from voltroute.energy.drone import MultirotorPowerModel
from voltroute.model import DroneSpec

MK27 = drone_spec_from_preset("prime-air-mk27-2")


def test_coefficients_map_onto_liu_model() -> None:
    rho = 1.2041
    m = power_model(MK27, loaded=False, rho=rho)
    assert isinstance(m, MultirotorPowerModel)
    area = 6 * math.pi * 0.275**2
    assert m.induced_k2 == pytest.approx(math.sqrt(2 * rho * area))
    assert m.induced_k1 == pytest.approx(1 / 0.85)
    # hover: the classical figure-of-merit result T^1.5 / sqrt(2 rho A) / power_efficiency
    t = (37.6 + 2.27) * 9.80665
    assert hover_power_w(MK27, 2.27, rho) - 100.0 == pytest.approx(
        t**1.5 / math.sqrt(2 * rho * area) / 0.6, rel=1e-9
    )
    # climb at v_c: induced k1 T (v_c/2 + sqrt((v_c/2)^2 + T/k2^2)) plus profile c2 T^1.5
    k2 = math.sqrt(2 * rho * area)
    c2 = (1 / (0.6 / 0.85) - 1) / (0.85 * k2)
    climb = t / 0.85 * (2.5 + math.sqrt(2.5**2 + t / k2**2)) + c2 * t**1.5 + 100.0
    assert climb_power_w(MK27, 2.27, rho) == pytest.approx(climb, rel=1e-9)
    descent = t / 0.85 * (1.5 + math.sqrt(1.5**2 + t / k2**2)) + c2 * t**1.5 + 100.0
    assert descent_power_w(MK27, 2.27, rho) == pytest.approx(descent, rel=1e-9)


def test_presets_reproduce_their_published_ranges() -> None:
    # aerial.toml: MK27-2 ~12 km round trip with 5 lb out; Zipline P2 ~10-mile radius with 8 lb
    for name, half_m in (("prime-air-mk27-2", 6000.0), ("zipline-p2", 16000.0)):
        s = drone_spec_from_preset(name)
        f = drone_flight(s, out_m=half_m, back_m=half_m, payload_kg=s.max_payload_kg)
        usable = s.battery_wh * (1 - s.reserve_fraction)
        assert f.energy_wh == pytest.approx(usable, rel=0.01)


def test_flight_tables_agree_with_drone_flight() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(-4000, 4000, size=(6, 2))
    line = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    kg = np.array([0.0, 0.5, 2.27, 1.0, 0.0, 2.0])
    tab = flight_tables(MK27, line, kg, ambient_temp_c=-5.0)
    e = tab.energy_j()
    for i, j, k in ((0, 1, 2), (3, 2, 0), (5, 4, 1), (2, 5, 5)):
        f = drone_flight(MK27, out_m=line[i, j], back_m=line[j, k], payload_kg=kg[j],
                         ambient_temp_c=-5.0)  # fmt: skip
        assert e[i, j, k] / 3600 == pytest.approx(f.energy_wh, rel=1e-12)
        assert tab.out_s[i, j] == pytest.approx(f.out_s) and tab.back_s[j, k] == pytest.approx(
            f.back_s
        )
    # waiting empty costs the empty hover power
    f0 = drone_flight(MK27, out_m=100, back_m=100, payload_kg=1.0, ambient_temp_c=-5.0)
    f1 = drone_flight(MK27, out_m=100, back_m=100, payload_kg=1.0, ambient_temp_c=-5.0,
                      wait_empty_s=60)  # fmt: skip
    assert (f1.energy_wh - f0.energy_wh) * 3600 == pytest.approx(60 * tab.hover_empty_w)


def test_figure_of_merit_must_be_below_one() -> None:
    fields = MK27.model_dump()
    with pytest.raises(ValidationError, match="figure of merit"):
        DroneSpec.model_validate({**fields, "power_efficiency": 0.9})
