"""Unit and property tests of voltroute.energy.physics."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voltroute.energy import (
    DIESEL_LHV_J_PER_L,
    LegEnergy,
    air_density_kg_m3,
    dwell_energy,
    energy_per_km,
    hvac_power_w,
    leg_energy,
    leg_energy_array,
    usable_battery_kwh,
    vehicle_type_from_preset,
)
from voltroute.energy.physics import cruise_speed_mps, intermediate_stops_per_km
from voltroute.model import Body, DieselPowertrain, ElectricPowertrain, VehicleType


def ev(**body_overrides) -> VehicleType:
    body = {"empty_mass_kg": 2700.0, "drag_area_m2": 1.4, "rolling_resistance": 0.009}
    body.update(body_overrides)
    return VehicleType(
        id="ev",
        capacity_kg=1500,
        capacity_m3=10,
        start_depot="d",
        body=Body(**body),
        powertrain=ElectricPowertrain(battery_usable_kwh=68.0),
    )


def diesel(**pt) -> VehicleType:
    return VehicleType(
        id="dv",
        capacity_kg=1500,
        capacity_m3=10,
        start_depot="d",
        body=Body(empty_mass_kg=2600.0, drag_area_m2=1.7),
        powertrain=DieselPowertrain(**pt),
    )


def kwh(vt, d=1000.0, t=120.0, payload=0.0, temp=20.0) -> float:
    return leg_energy(
        vt, distance_m=d, duration_s=t, payload_kg=payload, ambient_temp_c=temp
    ).battery_kwh


def litres(vt, d=1000.0, t=120.0, payload=0.0, temp=20.0) -> float:
    return leg_energy(
        vt, distance_m=d, duration_s=t, payload_kg=payload, ambient_temp_c=temp
    ).fuel_l


# ---- basic physics ------------------------------------------------------------------------


def test_air_density_is_ideal_gas_at_sea_level():
    assert air_density_kg_m3(20.0) == pytest.approx(1.204, abs=0.001)
    assert air_density_kg_m3(-10.0) > air_density_kg_m3(30.0)


def test_diesel_heating_value_is_35_8_mj_per_litre():
    lhv_mj_per_l = DIESEL_LHV_J_PER_L / 1e6
    assert lhv_mj_per_l == pytest.approx(35.8, abs=0.05)


def test_energy_grows_with_mass():
    vt = ev()
    assert kwh(vt, payload=0) < kwh(vt, payload=500) < kwh(vt, payload=1500)
    dv = diesel()
    assert litres(dv, payload=0) < litres(dv, payload=1500)


def test_energy_grows_with_distance_at_fixed_speed():
    vt = ev()
    values = [kwh(vt, d=d, t=d / (40 / 3.6)) for d in (200, 1000, 5000, 20000)]
    assert values == sorted(values)


def test_drag_energy_scales_with_speed_squared():
    """With a lossless drivetrain and full regeneration the battery pays exactly the resistance
    (plus auxiliaries), so the drag part is 1/2 rho CdA v^2 d at the leg's cruise speed."""

    def lossless(cda):
        vt = ev(drag_area_m2=cda)
        pt = vt.powertrain.model_copy(
            update={"drivetrain_efficiency": 1.0, "regen_efficiency": 1.0, "aux_power_w": 0.0}
        )
        return vt.model_copy(update={"powertrain": pt})

    d = 100_000.0

    def drag_part(v_kph):
        t = d / (v_kph / 3.6)
        return kwh(lossless(2.0), d=d, t=t) - kwh(lossless(0.0), d=d, t=t)

    def v_aero2(v_kph):
        # cruise speed squared, lowered for the share phi of the distance spent speeding up and
        # slowing down (where the mean of v^2 is half the cruise value)
        vc = cruise_speed_mps(v_kph / 3.6)
        n = 1 + intermediate_stops_per_km(v_kph) * d / 1000
        phi = n * vc**2 * 0.5 * (1 / 0.6 + 1 / 0.7) / d
        return vc**2 * (1 - phi / 2)

    ratio = drag_part(120) / drag_part(90)
    assert ratio == pytest.approx(v_aero2(120) / v_aero2(90), rel=1e-9)
    assert 1.5 < ratio < 1.8  # (120/90)^2 = 1.78, less the cruise-speed excess at 90 km/h
    by_hand = 0.5 * air_density_kg_m3(20.0) * 2.0 * v_aero2(90) * d / 3.6e6
    assert drag_part(90) == pytest.approx(by_hand, rel=1e-9)


def test_faster_leg_costs_more_drag_for_same_distance_on_highway():
    vt = ev()
    d = 30_000.0
    assert kwh(vt, d=d, t=d / (70 / 3.6)) < kwh(vt, d=d, t=d / (110 / 3.6))


def test_regeneration_lowers_ev_energy():
    with_regen = ev()
    no_regen = with_regen.model_copy(
        update={"powertrain": with_regen.powertrain.model_copy(update={"regen_efficiency": 0.0})}
    )
    assert kwh(with_regen, d=500, t=60) < kwh(no_regen, d=500, t=60)


def test_diesel_never_uses_battery_and_ev_never_uses_fuel():
    e = leg_energy(diesel(), distance_m=2000, duration_s=200, payload_kg=100, ambient_temp_c=-10)
    assert e.battery_kwh == 0.0 and e.fuel_l > 0.0
    e = leg_energy(ev(), distance_m=2000, duration_s=200, payload_kg=100, ambient_temp_c=-10)
    assert e.fuel_l == 0.0 and e.battery_kwh > 0.0
    b, f = leg_energy_array(diesel(), np.array([1000.0]), np.array([100.0]), 0.0, 20.0)
    assert b[0] == 0.0 and f[0] > 0.0


def test_vehicle_without_body_uses_no_energy():
    vt = VehicleType(id="x", capacity_kg=1, capacity_m3=1, start_depot="d")
    assert (
        leg_energy(vt, distance_m=1e4, duration_s=600, payload_kg=0, ambient_temp_c=20)
        == LegEnergy()
    )
    assert dwell_energy(vt, duration_s=600, ambient_temp_c=20) == LegEnergy()
    b, f = leg_energy_array(vt, np.ones((2, 2)), np.ones((2, 2)), 0.0, 20.0)
    assert not b.any() and not f.any()


def test_stop_model_is_dense_in_town_and_sparse_on_highways():
    assert intermediate_stops_per_km(30) == pytest.approx(1.39, abs=0.02)
    assert intermediate_stops_per_km(90) < 0.25
    assert cruise_speed_mps(30 / 3.6) * 3.6 == pytest.approx(55, abs=1)
    assert cruise_speed_mps(100 / 3.6) * 3.6 < 112


def test_zero_distance_leg_only_stands():
    vt = ev()
    assert kwh(vt, d=0, t=0) == 0.0
    standing = kwh(vt, d=0, t=3600)
    assert standing == pytest.approx(hvac_power_w(vt.powertrain, 20.0) / 1000, rel=1e-9)
    dv = diesel(idle_fuel_l_per_h=1.2)
    assert litres(dv, d=0, t=1800) == pytest.approx(0.6)


def test_leg_without_duration_is_driven_at_fallback_speed_without_aux():
    vt = ev()
    e = kwh(vt, d=1000, t=0)
    assert e > 0
    assert e < kwh(vt, d=1000, t=120)  # the latter adds 120 s of auxiliaries


# ---- temperature --------------------------------------------------------------------------


def test_cold_lowers_usable_battery():
    pt = ElectricPowertrain(battery_usable_kwh=100.0)
    assert usable_battery_kwh(pt, 20.0) == pytest.approx(100.0)
    assert usable_battery_kwh(pt, 35.0) == pytest.approx(100.0)
    assert usable_battery_kwh(pt, -10.0) == pytest.approx(88.0)
    assert 85.0 <= usable_battery_kwh(pt, -10.0) <= 90.0
    assert usable_battery_kwh(pt, -50.0) == pytest.approx(72.0)
    assert usable_battery_kwh(pt, -200.0) == pytest.approx(70.0)  # floor


def test_hvac_power_rises_in_cold_and_heat_and_is_capped():
    pt = ElectricPowertrain(
        battery_usable_kwh=68,
        aux_power_w=800,
        heating_w_per_k=150,
        cooling_w_per_k=120,
        hvac_max_w=5000,
    )
    assert hvac_power_w(pt, 20.0) == 800.0
    assert hvac_power_w(pt, 8.0) == pytest.approx(800 + 1500)
    assert hvac_power_w(pt, 34.0) == pytest.approx(800 + 1200)
    assert hvac_power_w(pt, -40.0) == pytest.approx(800 + 5000)
    assert hvac_power_w(DieselPowertrain(aux_power_w=600), -20) == 600.0


def test_cold_raises_leg_and_dwell_energy():
    vt = ev()
    assert kwh(vt, temp=-10) > kwh(vt, temp=20)
    cold = dwell_energy(vt, duration_s=600, ambient_temp_c=-10).battery_kwh
    mild = dwell_energy(vt, duration_s=600, ambient_temp_c=20).battery_kwh
    assert cold > mild > 0


def test_diesel_dwell_idles_only_if_engine_on():
    off = diesel(engine_on_at_stops=False)
    on = diesel(engine_on_at_stops=True, idle_fuel_l_per_h=0.9)
    assert dwell_energy(off, duration_s=3600, ambient_temp_c=20) == LegEnergy()
    assert dwell_energy(on, duration_s=3600, ambient_temp_c=20).fuel_l == pytest.approx(0.9)


def test_energy_per_km_is_sustained_driving():
    vt = ev()
    e30 = energy_per_km(vt, payload_kg=0, speed_kph=30, ambient_temp_c=20).battery_kwh
    assert 0.15 < e30 < 0.4
    with pytest.raises(ValueError):
        energy_per_km(vt, payload_kg=0, speed_kph=0, ambient_temp_c=20)


# ---- hand-computed leg --------------------------------------------------------------------


def test_long_highway_leg_matches_hand_computation():
    """Everything spelled out for one leg: 100 km at 90 km/h, 3000 kg, 20 °C."""
    vt = ev(empty_mass_kg=3000.0, drag_area_m2=1.5, rolling_resistance=0.01)
    d, v = 100_000.0, 25.0
    rho = 101_325 / (287.05 * 293.15)
    n = 1 + 3.6 * math.exp(-90 / 31.5) * 100
    vc = v * (1 + 2.1 * math.exp(-90 / 33))
    c = 0.5 * (1 / 0.6 + 1 / 0.7)
    phi = n * vc**2 * c / d
    f_roll = 3000 * 9.80665 * 0.01
    e_res = (f_roll + 0.5 * rho * 1.5 * vc**2 * (1 - phi / 2)) * d
    e_brk = n * (0.5 * 3000 * vc**2 - (f_roll + 0.5 * rho * 1.5 * vc**2 / 2) * vc**2 / 1.4)
    expected = ((e_res + e_brk) / 0.88 - 0.6 * e_brk + 800 * d / v) / 3.6e6
    assert kwh(vt, d=d, t=d / v) == pytest.approx(expected, rel=1e-9)


# ---- vectorised variant -------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["ford-e-transit", "diesel-step-van"])
def test_array_matches_scalar(preset):
    vt = vehicle_type_from_preset(preset, id="v", start_depot="d")
    rng = np.random.default_rng(1)
    d = rng.uniform(0, 30_000, size=(7, 7))
    d[np.diag_indices(7)] = 0.0
    t = d / rng.uniform(2, 30, size=(7, 7))
    t[0, 1] = 0.0  # a leg without duration
    t[2, 2] = 30.0  # standing
    b, f = leg_energy_array(vt, d, t, 300.0, 5.0)
    for i in range(7):
        for j in range(7):
            e = leg_energy(
                vt, distance_m=d[i, j], duration_s=t[i, j], payload_kg=300, ambient_temp_c=5
            )
            assert b[i, j] == pytest.approx(e.battery_kwh, rel=1e-9, abs=1e-12)
            assert f[i, j] == pytest.approx(e.fuel_l, rel=1e-9, abs=1e-12)


def test_array_broadcasts_payload():
    vt = ev()
    b, _ = leg_energy_array(
        vt, np.full(3, 800.0), np.full(3, 90.0), np.array([0.0, 500.0, 1000.0]), 20
    )
    assert b[0] < b[1] < b[2]


def test_scalar_is_fast():
    vt = vehicle_type_from_preset("ford-e-transit", id="v", start_depot="d")
    start = time.perf_counter()
    for i in range(5000):
        leg_energy(vt, distance_m=300.0 + i, duration_s=40.0, payload_kg=500.0, ambient_temp_c=10.0)
    per_call = (time.perf_counter() - start) / 5000
    assert per_call < 100e-6  # about 5 µs on a laptop; generous for slow CI


# ---- properties ---------------------------------------------------------------------------

distances = st.floats(min_value=0.0, max_value=200_000.0, allow_nan=False)
speeds = st.floats(min_value=1.0, max_value=150.0, allow_nan=False)
payloads = st.floats(min_value=0.0, max_value=3000.0, allow_nan=False)
temps = st.floats(min_value=-40.0, max_value=50.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(d=distances, v=speeds, p=payloads, temp=temps)
def test_energy_is_finite_and_non_negative(d, v, p, temp):
    for vt in (ev(), diesel()):
        e = leg_energy(
            vt, distance_m=d, duration_s=d / (v / 3.6), payload_kg=p, ambient_temp_c=temp
        )
        assert math.isfinite(e.battery_kwh) and e.battery_kwh >= 0
        assert math.isfinite(e.fuel_l) and e.fuel_l >= 0


@settings(max_examples=200, deadline=None)
@given(
    d=st.floats(min_value=1.0, max_value=100_000.0),
    extra=st.floats(min_value=0.0, max_value=50_000.0),
    t=st.floats(min_value=1.0, max_value=20_000.0),
    p=payloads,
    temp=temps,
)
def test_energy_is_monotone_in_distance_at_fixed_duration(d, extra, t, p, temp):
    for vt in (ev(), diesel()):
        short = leg_energy(vt, distance_m=d, duration_s=t, payload_kg=p, ambient_temp_c=temp)
        longer = leg_energy(
            vt, distance_m=d + extra, duration_s=t, payload_kg=p, ambient_temp_c=temp
        )
        assert longer.battery_kwh >= short.battery_kwh - 1e-12
        assert longer.fuel_l >= short.fuel_l - 1e-12


@settings(max_examples=100, deadline=None)
@given(d=st.floats(min_value=1.0, max_value=100_000.0), v=speeds, p=payloads, extra=payloads)
def test_energy_is_monotone_in_payload(d, v, p, extra):
    for vt in (ev(), diesel()):
        t = d / (v / 3.6)
        light = leg_energy(vt, distance_m=d, duration_s=t, payload_kg=p, ambient_temp_c=20)
        heavy = leg_energy(vt, distance_m=d, duration_s=t, payload_kg=p + extra, ambient_temp_c=20)
        assert heavy.battery_kwh >= light.battery_kwh - 1e-12
        assert heavy.fuel_l >= light.fuel_l - 1e-12


def test_powered_down_at_stops_draws_only_standby():
    from voltroute.energy import dwell_energy
    from voltroute.energy.catalogue import vehicle_type_from_preset

    on = vehicle_type_from_preset("ford-e-transit", id="on", start_depot="d")
    off = on.replace(powertrain=on.powertrain.replace(aux_on_at_stops=False, standby_power_w=100.0))
    e_on = dwell_energy(on, duration_s=3600, ambient_temp_c=-10).battery_kwh
    e_off = dwell_energy(off, duration_s=3600, ambient_temp_c=-10).battery_kwh
    assert e_off == pytest.approx(0.1)  # 100 W for an hour
    assert e_on > 10 * e_off  # heating in the cold dominates
