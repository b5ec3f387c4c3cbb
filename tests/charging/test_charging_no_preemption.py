"""No preemption: each van charges in one contiguous session on one charger group.

A hand-computed case where preemption is what makes every departure reachable, the session rule
in the checker, and random instances: the session plan passes the check (one block per van, never
below the minimum session power, site limit held), never costs less than the preemptive optimum
and never more than the greedy baseline, which obeys the same rule.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from test_charging_milp import _problem, _van  # same folder (pytest prepends it)
from test_charging_property import instances

from voltroute.charging import (
    DepotChargingProblem,
    check_charging_plan,
    greedy_charging,
    plan_depot_charging,
)
from voltroute.charging.model import charging_problem_from_dict
from voltroute.model import ProblemError


def _interleaved(preemption: bool) -> DepotChargingProblem:
    """One 10 kW charger, four 15-min slots. v0 is there all hour and needs two slots' energy;
    v1 is there only in slots 1-2 and needs both. With preemption: v0 in slots 0 and 3, v1 in
    1 and 2. Without: any two-slot block of v0 overlaps v1's only block."""
    vans = [
        _van(0, required_soc_kwh=4.5),  # 2 slots x 10 kW x 0.25 h x 0.9
        _van(1, arrival_s=900, departure_s=2700, required_soc_kwh=4.5),
    ]
    base = _problem(vans, count=1)
    return base.replace(preemption=preemption)


def _blocks(charger: tuple[str | None, ...]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for t, g in enumerate(charger):
        if g is None:
            continue
        if out and out[-1][1] == t:
            out[-1] = (out[-1][0], t + 1)
        else:
            out.append((t, t + 1))
    return out


def test_preemption_meets_both_departures_a_single_session_cannot():
    free = plan_depot_charging(_interleaved(True), time_limit_s=10)
    assert check_charging_plan(_interleaved(True), free) == []
    assert free.shortfalls == {}
    by_id = {v.id: v for v in free.vehicles}
    assert [t for t, p in enumerate(by_id["v0"].power_kw) if p > 1e-6] == [0, 3]

    problem = _interleaved(False)
    plan = plan_depot_charging(problem, time_limit_s=10)
    assert check_charging_plan(problem, plan) == []
    # the best single-session plan: 3 of the 4 slot-energies, one van 2.25 kWh (one slot) short
    assert plan.status == "shortfall"
    assert plan.shortfall_kwh == pytest.approx(2.25, abs=1e-6)
    for v in plan.vehicles:
        assert len(_blocks(v.charger)) <= 1


def test_session_never_pauses_below_the_minimum_power():
    """A cheap hour between two dear ones: with preemption the van charges only in the cheap
    slots; a session must also draw at least the minimum in every slot it holds the charger."""
    periods = [
        {"start_s": 0, "end_s": 900, "price_per_kwh": 0.1},
        {"start_s": 900, "end_s": 2700, "price_per_kwh": 0.5},
        {"start_s": 2700, "end_s": 86400, "price_per_kwh": 0.1},
    ]
    vans = [_van(0, required_soc_kwh=4.5)]
    free = _problem(vans, periods=periods)
    plan = plan_depot_charging(free, time_limit_s=10)
    assert [round(p, 6) for p in plan.vehicles[0].power_kw] == [10.0, 0.0, 0.0, 10.0]
    session = free.replace(preemption=False, min_session_power_kw=2.0)
    plan = plan_depot_charging(session, time_limit_s=10)
    assert check_charging_plan(session, plan) == []
    power = plan.vehicles[0].power_kw
    assert _blocks(plan.vehicles[0].charger) == [(0, 4)]
    # 5 kWh from the grid (20 kW x 0.25 h): the minimum 2 kW in each dear slot, the other
    # 16 kW-slots in the cheap ones; a two-slot block at full power would cost 1.50
    assert power[1] == pytest.approx(2.0) and power[2] == pytest.approx(2.0)
    assert power[0] + power[3] == pytest.approx(16.0)
    assert plan.grid_energy_kwh == pytest.approx(5.0)
    assert plan.energy_cost == pytest.approx((16 * 0.1 + 4 * 0.5) * 0.25)


def test_checker_catches_a_second_session_and_a_pause():
    problem = _interleaved(True)
    plan = plan_depot_charging(problem, time_limit_s=10)
    strict = problem.replace(preemption=False)
    errors = check_charging_plan(strict, plan)
    assert any("more than one session" in e and "v0" in e for e in errors)
    v0 = next(v for v in plan.vehicles if v.id == "v0")
    paused = v0.model_copy(update={"charger": ("ac", "ac", "ac", "ac")})
    plan2 = plan.model_copy(
        update={"vehicles": tuple(paused if v.id == "v0" else v for v in plan.vehicles)}
    )
    errors = check_charging_plan(strict, plan2)
    assert any("below the minimum" in e and "v0" in e for e in errors)


def test_greedy_obeys_the_session_rule():
    problem = _interleaved(False)
    base = greedy_charging(problem)
    assert check_charging_plan(problem, base) == []
    # first come (v0) holds the only charger for two slots; v1 then has one slot left
    assert base.shortfall_kwh == pytest.approx(2.25)


def test_bad_minimum_power_names_the_field():
    raw = _problem([_van(0)]).model_dump(mode="json")
    raw["min_session_power_kw"] = -1
    with pytest.raises(ProblemError) as err:
        charging_problem_from_dict(raw)
    assert "min_session_power_kw" in str(err.value)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_session_plan_is_valid_and_between_preemptive_optimum_and_greedy(problem):
    session = problem.replace(preemption=False)
    plan = plan_depot_charging(session, time_limit_s=5)
    assert check_charging_plan(session, plan) == []
    for v in plan.vehicles:
        assert len(_blocks(v.charger)) <= 1
        assert all(p >= session.min_session_power_kw - 1e-6 for p, g in
                   zip(v.power_kw, v.charger, strict=True) if g is not None)  # fmt: skip
    assert max(plan.site_load_kw, default=0.0) <= session.site.power_limit_kw + 1e-6
    base = plan.baseline
    assert base is not None and check_charging_plan(session, base) == []
    assert plan.objective <= base.objective + 1e-6 * max(1.0, base.objective)
    free = plan_depot_charging(problem, time_limit_s=5)
    if (
        free.status == "optimal"
        and plan.status in ("optimal", "shortfall")
        and plan.mip_gap
        in (
            None,
            0.0,
        )
    ):
        # a restriction can only cost more (objective includes shortfall penalties)
        assert plan.objective >= free.objective - 1e-4 * max(1.0, free.objective)
