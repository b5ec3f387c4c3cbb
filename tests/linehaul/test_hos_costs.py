"""Hours of service against hand-computed duty days; cost defaults against ATRI."""

from __future__ import annotations

import pytest

from voltroute.linehaul import (
    TRUCK_TYPES,
    Activity,
    HosRules,
    check_duty,
    drive_schedule,
    truck_type,
)
from voltroute.linehaul.trucks import (
    KM_PER_MILE,
    L_PER_GALLON,
    atri_miles_per_hour,
    default_driver_wage_per_h,
    defaults,
    driver_benefits_loading,
    sources,
)

H = 3600.0


def _kinds(acts):
    return [(a.kind, round(a.start_s / H, 3), round(a.end_s / H, 3)) for a in acts]


def test_solo_13_hours_of_driving_by_hand():
    # 8 h drive, 30 min break, 3 h drive (11 h reached), 10 h off, 2 h drive -> ends at 23.5 h
    acts = drive_schedule(13 * H, rules=HosRules.us())
    assert _kinds(acts) == [
        ("drive", 0, 8),
        ("break", 8, 8.5),
        ("drive", 8.5, 11.5),
        ("off", 11.5, 21.5),
        ("drive", 21.5, 23.5),
    ]


def test_solo_under_8_hours_needs_no_stop_and_10_hours_one_break():
    assert _kinds(drive_schedule(7.5 * H, rules=HosRules.us())) == [("drive", 0, 7.5)]
    assert _kinds(drive_schedule(10 * H, rules=HosRules.us())) == [
        ("drive", 0, 8),
        ("break", 8, 8.5),
        ("drive", 8.5, 10.5),
    ]


def test_team_drives_through():
    acts = drive_schedule(20 * H, rules=HosRules.us(team=True))
    assert _kinds(acts) == [("drive", 0, 20)]
    acts = drive_schedule(23 * H, rules=HosRules.us(team=True))
    assert _kinds(acts) == [("drive", 0, 22), ("off", 22, 32), ("drive", 32, 33)]


def test_check_duty_by_hand():
    r = HosRules.us()
    # a legal day: 4 h out, 30 min hook/drop (a break), 4 h back, 1 h on duty
    ok = [
        Activity("drive", 0, 4 * H),
        Activity("on_duty", 4 * H, 4.5 * H),
        Activity("drive", 4.5 * H, 8.5 * H),
        Activity("on_duty", 8.5 * H, 9.5 * H),
    ]
    assert check_duty(ok, r) == []
    # same without the half hour: 8.5 h without a break
    bad = [Activity("drive", 0, 4 * H), Activity("drive", 4 * H, 8.5 * H)]
    assert any("without a 30-minute break" in p for p in check_duty(bad, r))
    # 11.5 h of driving with breaks
    long = [
        Activity("drive", 0, 6 * H),
        Activity("on_duty", 6 * H, 7 * H),
        Activity("drive", 7 * H, 12.5 * H),
    ]
    assert any("above the 11 h limit" in p for p in check_duty(long, r))
    # driving in the 15th hour after coming on duty
    late = [
        Activity("on_duty", 0, 6 * H),
        Activity("drive", 6 * H, 13 * H),
        Activity("drive", 13.6 * H, 14.5 * H),
    ]
    assert any("window" in p for p in check_duty(late, r))


def test_every_default_is_sourced():
    src = sources()
    assert len(src) > 40
    assert all(len(v) > 10 for v in src.values())
    for t in TRUCK_TYPES.values():
        assert t.sources and all(t.sources.values())


def test_atri_2024_cost_per_mile_within_10_percent():
    """ATRI 2024 Update (2023 data): average marginal cost $2.270 per mile.

    One ATRI-average truck-day of the diesel preset: ``on_duty_h`` at ATRI's own miles per hour
    (cost per hour / cost per mile = 40.2 mph), half loaded. Fuel (EIA price x the fuel-economy
    estimate) and capital (tractor and trailer annuities) are independent of ATRI; the driver's
    hourly pay is ATRI's per-mile pay converted at the same speed.
    """
    d = defaults()
    t = truck_type("diesel")
    mph = atri_miles_per_hour()
    assert 39 < mph < 41.5
    hours = d["atri_reference_day.on_duty_h"]
    miles = hours * mph
    km = miles * KM_PER_MILE
    fuel_l = t.per_km(d["atri_reference_day.payload_fraction"], 15.0) * km
    diesel_per_l = d["prices.diesel_per_gallon"] / L_PER_GALLON
    cost = (
        fuel_l * diesel_per_l
        + t.distance_cost_per_km * km
        + t.capital_per_day()
        + hours * default_driver_wage_per_h() * driver_benefits_loading()
    )
    per_mile = cost / miles
    atri = d["atri_2024.total_per_mile"]
    assert atri == pytest.approx(2.270)
    assert abs(per_mile / atri - 1) < 0.10, per_mile
    # the driver share matches ATRI's wages + benefits per mile
    driver = hours * default_driver_wage_per_h() * driver_benefits_loading() / miles
    assert driver == pytest.approx(0.779 + 0.188, rel=1e-6)
    # fuel per mile within 20 % of ATRI's fuel line (2.270 - 1.716)
    assert abs(fuel_l * diesel_per_l / miles / (atri - d["atri_2024.non_fuel_per_mile"]) - 1) < 0.2


def test_truck_energy_grows_with_payload_and_cold():
    e = truck_type("electric")
    assert e.per_km(1.0, 15) > e.per_km(0.0, 15)
    assert e.per_km(0.5, -10) == pytest.approx(e.per_km(0.5, 15) * (1 + 0.008 * 25))
    assert truck_type("driverless-electric").drivers_per_truck == 0
    assert truck_type("diesel-team").drivers_per_truck == 2
    with pytest.raises(ValueError, match="unknown truck type"):
        truck_type("hovercraft")
