"""Random small instances: the MILP plan passes the independent check and never costs more
than the greedy baseline when both meet every departure."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voltroute.charging import DepotChargingProblem, check_charging_plan, plan_depot_charging

SLOT = 900


@st.composite
def instances(draw):
    n_slots = draw(st.integers(4, 12))
    start = draw(st.sampled_from([0, 72000, 82800]))
    end = start + n_slots * SLOT
    cuts = sorted(draw(st.sets(st.integers(1, 23), max_size=3)))
    bounds = [0, *(c * 3600 for c in cuts), 86400]
    periods = [
        {"start_s": a, "end_s": b, "price_per_kwh": draw(st.sampled_from([0.05, 0.1, 0.2, 0.4]))}
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    groups = [
        {
            "id": f"g{k}",
            "count": draw(st.integers(1, 2)),
            "power_kw": draw(st.sampled_from([7.0, 11.0, 22.0])),
        }
        for k in range(draw(st.integers(1, 2)))
    ]
    vans = []
    for i in range(draw(st.integers(1, 3))):
        a = start + draw(st.integers(0, n_slots * SLOT // 2))
        d = draw(st.integers(a + 1, end))
        battery = draw(st.sampled_from([20.0, 40.0, 68.0]))
        vans.append(
            {
                "id": f"v{i}",
                "arrival_s": a,
                "departure_s": d,
                "arrival_soc_kwh": draw(st.floats(0, battery)),
                "required_soc_kwh": draw(st.floats(0, battery)),
                "battery_kwh": battery,
                "max_charge_kw": draw(st.sampled_from([7.0, 11.3, 19.2])),
                "charging_efficiency": draw(st.sampled_from([0.85, 0.9, 1.0])),
            }
        )
    return DepotChargingProblem.model_validate(
        {
            "start_s": start,
            "end_s": end,
            "slot_s": SLOT,
            "site": {
                "power_limit_kw": draw(st.sampled_from([10.0, 25.0, 60.0])),
                "chargers": groups,
            },
            "tariff": {
                "periods": periods,
                "demand_charge_per_kw": draw(st.sampled_from([0.0, 0.5, 2.0])),
            },
            "vehicles": vans,
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_milp_plan_is_valid_and_beats_greedy(problem):
    plan = plan_depot_charging(problem, time_limit_s=5)
    assert check_charging_plan(problem, plan) == []
    base = plan.baseline
    assert base is not None
    assert check_charging_plan(problem, base) == []
    assert plan.objective <= base.objective + 1e-6 * max(1.0, base.objective)
    if plan.shortfall_kwh == 0 and base.shortfall_kwh == 0:
        assert plan.total_cost <= base.total_cost + 1e-6 * max(1.0, base.total_cost)
    for prof in plan.vehicles:
        missing = prof.required_soc_kwh - prof.departure_soc_kwh
        assert prof.shortfall_kwh >= missing - 1e-6
