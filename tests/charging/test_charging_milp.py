"""Hand-computed cases for the charging MILP, its greedy baseline and the checker."""

from __future__ import annotations

import pytest

from voltroute.charging import (
    DepotChargingProblem,
    check_charging_plan,
    greedy_charging,
    plan_depot_charging,
)

FLAT_TAPER = [{"soc_fraction": 0, "power_fraction": 1}, {"soc_fraction": 1, "power_fraction": 1}]


def _van(i: int, **kw):
    base = {
        "id": f"v{i}",
        "arrival_s": 0,
        "departure_s": 3600,
        "arrival_soc_kwh": 0.0,
        "required_soc_kwh": 9.0,
        "battery_kwh": 50.0,
        "max_charge_kw": 10.0,
        "charging_efficiency": 0.9,
        "taper": FLAT_TAPER,
    }
    return base | kw


def _problem(vans, *, start=0, end=3600, limit=100.0, count=4, power=10.0, periods=None, dc=0.0):
    periods = periods or [{"start_s": 0, "end_s": 86400, "price_per_kwh": 0.2}]
    return DepotChargingProblem.model_validate(
        {
            "start_s": start,
            "end_s": end,
            "site": {
                "power_limit_kw": limit,
                "chargers": [{"id": "ac", "count": count, "power_kw": power}],
            },
            "tariff": {"periods": periods, "demand_charge_per_kw": dc},
            "vehicles": vans,
        }
    )


def _solve(problem):
    plan = plan_depot_charging(problem, time_limit_s=10)
    assert check_charging_plan(problem, plan) == []
    assert plan.baseline is not None
    assert check_charging_plan(problem, plan.baseline) == []
    return plan


def test_charges_only_in_cheap_slots():
    # 22:00 -> 06:00; 22:00-24:00 costs 0.30, after midnight 0.10. 9 kWh at 90 % = 10 kWh grid.
    periods = [
        {"start_s": 0, "end_s": 79200, "price_per_kwh": 0.10},
        {"start_s": 79200, "end_s": 86400, "price_per_kwh": 0.30},
    ]
    vans = [_van(1, arrival_s=79200, departure_s=108000)]
    p = _problem(vans, start=79200, end=108000, periods=periods)
    plan = _solve(p)
    prof = plan.vehicles[0]
    assert all(prof.power_kw[t] == 0 for t in range(8))  # the two dear hours
    assert plan.grid_energy_kwh == pytest.approx(10.0, abs=1e-6)
    assert plan.energy_cost == pytest.approx(1.0, abs=1e-6)
    assert plan.status == "optimal"
    assert prof.departure_soc_kwh == pytest.approx(9.0, abs=1e-6)
    # the baseline charges on arrival, at the dear price
    assert plan.baseline.energy_cost == pytest.approx(3.0, abs=1e-6)


def test_site_limit_binds_and_spreads_load():
    # two vans need 10 kWh grid each within 2 h through a 10 kW connection: 10 kW all the time.
    vans = [_van(1, departure_s=7200), _van(2, departure_s=7200)]
    plan = _solve(_problem(vans, end=7200, limit=10.0))
    assert plan.site_load_kw == pytest.approx([10.0] * 8, abs=1e-6)
    assert plan.shortfall_kwh == 0.0
    assert plan.peak_kw == pytest.approx(10.0, abs=1e-6)


def test_demand_charge_flattens_peak():
    # 20 kWh grid over 4 h: the flattest plan draws 5 kW; greedy draws 20 kW for 30 min.
    vans = [_van(1, departure_s=14400), _van(2, departure_s=14400)]
    plan = _solve(_problem(vans, end=14400, limit=40.0, dc=1.0))
    assert plan.peak_kw == pytest.approx(5.0, abs=1e-5)
    assert plan.demand_charge == pytest.approx(5.0, abs=1e-5)
    assert plan.baseline.peak_kw == pytest.approx(20.0)
    assert plan.total_cost < plan.baseline.total_cost


def test_taper_lengthens_charging_and_shortfall_is_reported():
    # 10 kWh battery, 10 kW, 100 % efficient, empty -> full. Flat: exactly 1 h (4 slots).
    van = {"battery_kwh": 10.0, "required_soc_kwh": 10.0, "charging_efficiency": 1.0}
    flat = _solve(_problem([_van(1, **van)], end=3600))
    assert flat.status == "optimal"
    assert flat.vehicles[0].departure_soc_kwh == pytest.approx(10.0, abs=1e-6)
    # default CC-CV taper: above 80 % power falls to 20 %, so 1 h is not enough ...
    tapered = {k: v for k, v in _van(1, **van).items() if k != "taper"}
    short = _solve(_problem([tapered], end=3600))
    assert short.status == "shortfall"
    assert short.shortfalls["v1"] > 0.3
    assert short.shortfalls["v1"] == pytest.approx(10.0 - short.vehicles[0].departure_soc_kwh)
    assert short.shortfall_penalty > 0
    # ... but 2 h is, and it uses more than four slots, the last ones below full power.
    tapered["departure_s"] = 7200
    ok = _solve(_problem([tapered], end=7200))
    assert ok.status == "optimal"
    used = [x for x in ok.vehicles[0].power_kw if x > 1e-6]
    assert len(used) > 4
    assert min(used) < 10.0 - 1e-3


def test_impossible_departure_misses_by_exact_kwh():
    # 20 kWh needed, 10 kW for 1 h at 100 %: 10 kWh missing, reported, not hidden.
    van = _van(1, required_soc_kwh=20.0, charging_efficiency=1.0)
    plan = _solve(_problem([van]))
    assert plan.status == "shortfall"
    assert plan.shortfalls == {"v1": pytest.approx(10.0, abs=1e-6)}


def test_chargers_limit_and_groups():
    # one fast charger (20 kW) and two slow ones (5 kW); three vans for one hour.
    p = DepotChargingProblem.model_validate(
        {
            "start_s": 0,
            "end_s": 3600,
            "site": {
                "power_limit_kw": 100.0,
                "chargers": [
                    {"id": "fast", "count": 1, "power_kw": 20.0},
                    {"id": "slow", "count": 2, "power_kw": 5.0},
                ],
            },
            "tariff": {"periods": [{"start_s": 0, "end_s": 86400, "price_per_kwh": 0.2}]},
            "vehicles": [
                _van(1, max_charge_kw=20.0, required_soc_kwh=18.0),
                _van(2, max_charge_kw=20.0, required_soc_kwh=4.5),
                _van(3, max_charge_kw=20.0, required_soc_kwh=4.5),
            ],
        }
    )
    plan = _solve(p)
    assert plan.status == "optimal"
    assert set(plan.vehicles[0].charger) == {"fast"}
    assert set(plan.vehicles[1].charger) == {"slow"}


def test_present_part_of_a_slot_cannot_charge():
    # arrives at 00:10: the first slot (00:00-00:15) is not usable
    van = _van(1, arrival_s=600, required_soc_kwh=1.0)
    plan = _solve(_problem([van]))
    assert plan.vehicles[0].power_kw[0] == 0.0
    g = greedy_charging(_problem([van]))
    assert g.vehicles[0].power_kw[0] == 0.0 and g.vehicles[0].power_kw[1] > 0


def test_checker_catches_violations():
    p = _problem([_van(1, departure_s=1800)], limit=5.0)
    plan = _solve(p)
    prof = plan.vehicles[0]
    bad_prof = prof.model_copy(update={"power_kw": (8.0, 0.0, 6.0, 0.0)})
    bad = plan.model_copy(update={"vehicles": (bad_prof,)})
    problems = "\n".join(check_charging_plan(p, bad))
    assert "exceeds the limit" in problems
    assert "while absent" in problems
    assert "does not follow" in problems
    assert "reported peak" in problems
