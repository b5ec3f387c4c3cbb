"""The checker against hand-computed routes, and every kind of violation it must catch."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voltroute.evaluate import check
from voltroute.model import Problem, Route, Solution, Unassigned


def _planar(**vt_over) -> Problem:
    vt = {
        "id": "v",
        "count": 2,
        "capacity_kg": 10,
        "capacity_m3": 1,
        "start_depot": "d",
        "driver_cost_per_hour": 36.0,
        "cost_per_km": 0.5,
        "fixed_cost_per_day": 10.0,
    }
    vt.update(vt_over)
    return Problem.model_validate(
        {
            "depots": [{"id": "d", "location": {"x": 0, "y": 0}}],
            "stops": [
                {
                    "id": "a",
                    "location": {"x": 1, "y": 0},
                    "service_time_s": 60,
                    "time_window": {"start_s": 200, "end_s": 300},
                    "parcels": [{"id": "pa", "weight_kg": 4, "volume_m3": 0.2}],
                },
                {
                    "id": "b",
                    "location": {"x": 2, "y": 0},
                    "service_time_s": 30,
                    "parcels": [{"id": "pb", "weight_kg": 5, "volume_m3": 0.3}],
                },
            ],
            "vehicle_types": [vt],
            "travel": {"model": "matrix"},
            "matrices": {
                "distance_m": [[0, 1000, 1200], [1000, 0, 500], [1200, 500, 0]],
                "duration_s": [[0, 100, 120], [100, 0, 50], [120, 50, 0]],
            },
        }
    )


def _sol(*routes: Route, unassigned=()) -> Solution:
    return Solution(routes=routes, unassigned=unassigned)


def test_hand_computed_route():
    p = _planar()
    rep = check(p, _sol(Route(vehicle="v-1", vehicle_type="v", stops=("a", "b"))))
    assert rep.feasible, rep.violations
    r = rep.routes[0]
    # latest start without extra waiting: leave at 100, serve a 200-260, b 310-340, back 460
    assert r.steps[0].departure_s == 100
    assert [s.service_start_s for s in r.steps[1:3]] == [200, 310]
    assert r.duration_s == 360 and r.wait_s == 0
    assert r.distance_m == 2700
    assert r.cost["driver"] == pytest.approx(3.6)
    assert r.cost["maintenance"] == pytest.approx(1.35)
    assert r.cost["total"] == pytest.approx(14.95)
    assert [s.load_kg for s in r.steps] == [9, 5, 0, 0]
    assert rep.kpis["cost_per_parcel"] == pytest.approx(14.95 / 2)


def test_given_start_time_is_used_and_waiting_counted():
    rep = check(
        _planar(), _sol(Route(vehicle="v-1", vehicle_type="v", stops=("a", "b"), start_s=0))
    )
    r = rep.routes[0]
    assert r.wait_s == 100 and r.duration_s == 460


def test_time_window_violation():
    rep = check(_planar(), _sol(Route(vehicle="v-1", vehicle_type="v", stops=("b", "a"))))
    # b first: arrive b 120, serve till 150, a at 200: feasible; force lateness with a late start
    assert rep.feasible
    late = check(
        _planar(), _sol(Route(vehicle="v-1", vehicle_type="v", stops=("b", "a"), start_s=500))
    )
    assert not late.feasible and {v.kind for v in late.violations} == {"time_window"}


def test_capacity_violation():
    rep = check(
        _planar(capacity_kg=8), _sol(Route(vehicle="v-1", vehicle_type="v", stops=("a", "b")))
    )
    assert [v.kind for v in rep.violations] == ["capacity"]


def test_shift_violations():
    rep = check(
        _planar(max_shift_duration_s=300),
        _sol(Route(vehicle="v-1", vehicle_type="v", stops=("a", "b"))),
    )
    assert [v.kind for v in rep.violations] == ["shift"]
    rep = check(
        _planar(shift_end_s=400), _sol(Route(vehicle="v-1", vehicle_type="v", stops=("a", "b")))
    )
    assert "shift" in {v.kind for v in rep.violations}


def test_served_once_or_unassigned():
    p = _planar()
    missing = check(p, _sol(Route(vehicle="v-1", vehicle_type="v", stops=("a",))))
    assert [v.kind for v in missing.violations] == ["missing"]
    twice = check(
        p,
        _sol(
            Route(vehicle="v-1", vehicle_type="v", stops=("a", "b")),
            Route(vehicle="v-2", vehicle_type="v", stops=("b",)),
        ),
    )
    assert "duplicate" in {v.kind for v in twice.violations}
    both = check(
        p,
        _sol(
            Route(vehicle="v-1", vehicle_type="v", stops=("a", "b")),
            unassigned=(Unassigned(stop="b", reason="other"),),
        ),
    )
    assert "duplicate" in {v.kind for v in both.violations}
    ok = check(
        p,
        _sol(
            Route(vehicle="v-1", vehicle_type="v", stops=("a",)),
            unassigned=(Unassigned(stop="b", reason="fleet_size"),),
        ),
    )
    assert ok.feasible and ok.kpis["unassigned_parcels"] == 1


def test_unknown_things_and_fleet_size():
    p = _planar()
    assert not check(p, _sol(Route(vehicle="v-1", vehicle_type="zz", stops=("a", "b")))).feasible
    assert not check(
        p, _sol(Route(vehicle="v-1", vehicle_type="v", stops=("a", "b", "q")))
    ).feasible
    rep = check(p, _sol(Route(vehicle="v-3", vehicle_type="v", stops=("a", "b"))))
    assert [v.kind for v in rep.violations] == ["fleet"]
    rep = check(
        p,
        _sol(
            Route(vehicle="v-1", vehicle_type="v", stops=("a",)),
            Route(vehicle="v-1", vehicle_type="v", stops=("b",)),
        ),
    )
    assert "fleet" in {v.kind for v in rep.violations}


def test_vehicle_type_restriction():
    p = _planar()
    stops = list(p.stops)
    stops[0] = stops[0].replace(vehicle_types=["v"])
    p2 = p.replace(
        stops=stops,
        vehicle_types=[*p.vehicle_types, p.vehicle_types[0].replace(id="w")],
    )
    rep = check(p2, _sol(Route(vehicle="w-1", vehicle_type="w", stops=("a", "b"))))
    assert [v.kind for v in rep.violations] == ["vehicle_type"]


def _electric(battery_kwh: float) -> Problem:
    from voltroute.energy.catalogue import preset_fields

    f = preset_fields("ford-e-transit")
    f["powertrain"]["battery_usable_kwh"] = battery_kwh
    p = _planar()
    vt = p.vehicle_types[0].model_dump()
    vt.update(body=f["body"], powertrain=f["powertrain"])
    return p.replace(vehicle_types=[vt])


def test_energy_reserve_violation_and_soc_trace():
    route = Route(vehicle="v-1", vehicle_type="v", stops=("a", "b"))
    ok = check(_electric(60.0), _sol(route))
    assert ok.feasible
    socs = [s.soc_kwh for s in ok.routes[0].steps]
    assert socs[0] > socs[1] > socs[2] > socs[3]  # it only discharges
    assert ok.routes[0].energy_kwh == pytest.approx(socs[0] - socs[3])
    used = ok.routes[0].energy_kwh
    # a battery whose reserve (10 %) leaves less than the route needs
    tight = check(_electric(used * 1.05), _sol(route))
    assert "energy" in {v.kind for v in tight.violations}


@settings(max_examples=40, deadline=None)
@given(st.permutations(["a", "b"]), st.integers(0, 1000))
def test_property_checker_costs_add_up(order, start):
    rep = check(
        _planar(), _sol(Route(vehicle="v-1", vehicle_type="v", stops=tuple(order), start_s=start))
    )
    r = rep.routes[0]
    assert r.cost["total"] == pytest.approx(
        sum(r.cost[k] for k in ("fixed", "driver", "energy", "maintenance"))
    )
    assert r.duration_s >= r.travel_s + r.service_s
    assert r.distance_m == 2700
    assert rep.kpis["served"] + rep.kpis["unassigned"] == 2
