"""The electric routing search: route evaluation by hand, station visits chosen inside the search,
the vehicles-first objective, and the invariant that every stop is served once or reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voltroute.evaluate import check
from voltroute.io.evrptw import ABSTRACT_ECONOMICS, literature_ev, read_evrptw
from voltroute.model import (
    ChargingStation,
    Depot,
    Location,
    Parcel,
    Problem,
    Stop,
    TimeWindow,
    Travel,
)
from voltroute.network import travel_matrices
from voltroute.solve import SolveParams, solve
from voltroute.solve.evsearch import (
    BAD_ENERGY,
    BAD_LOAD,
    BAD_TIME,
    COUNT,
    CSPAN,
    INF,
    ISST,
    N_NODE_COLS,
    OK,
    _apply,
    _best_insertion,
    _recost,
    _recreate,
    _relocate_stations,
    _ruin,
    _state,
    build_search_data,
    eject_steps,
    eval_route,
    route_lower_bound,
    search,
    seed_rng,
)

TINY_TW = Path(__file__).resolve().parents[1] / "data" / "evrptw" / "tiny.txt"


def _data(problem: Problem):  # type: ignore[no-untyped-def]
    m = travel_matrices(problem)
    return build_search_data(
        problem, np.asarray(m.distance_m, float), np.asarray(m.duration_s, float)
    )


def _eval(problem: Problem, ids: list[str]):  # type: ignore[no-untyped-def]
    data = _data(problem)
    index = {**problem.stop_index, **problem.station_index}
    seq = np.asarray([index[x] for x in ids], dtype=np.int32)
    d = data.kernel_args()
    out = np.zeros(4)
    scratch = np.zeros((4, len(seq) + 4))
    code = eval_route(seq, len(seq), 0, d, out, scratch)
    return code, out, scratch


def test_route_evaluation_by_hand():
    """tiny.txt: battery 60, 1 per unit of distance, 2 s per unit charged (1800 kW), speed 1.

    D0 -> C1 (20) -> C2 (20) -> D0 (40) = 80 > 60: infeasible without a charge. Via S1 (x=30)
    between C1 and C2, no detour: arrives with 30, needs 10 + 40 = 50 to get home, charges 20
    in 40 s. Times: C1 at 20, served 10 -> 30; S1 at 40, charged 40 s -> 80; C2 at 90,
    served -> 100; home at 140. Busy time = 80 driving + 20 service + 40 charging = 140.
    """
    p = read_evrptw(TINY_TW)
    code, _, _ = _eval(p, ["C1", "C2"])
    assert code == BAD_ENERGY
    code, out, scratch = _eval(p, ["C1", "S1", "C2"])
    assert code == OK
    assert out[0] == pytest.approx(80.0)  # distance
    assert out[3] == pytest.approx(40.0)  # charging time, s
    assert out[2] == pytest.approx(140.0)  # busy time, s
    assert scratch[0, 1] == pytest.approx(20.0, abs=1e-6)  # kWh charged at S1
    assert scratch[1, :3] == pytest.approx([30.0, 80.0, 100.0])  # departures
    # after C2 instead: reaches S1 with 10, needs 30 home: 20 in 40 s; home at 140 too
    code, out, scratch = _eval(p, ["C1", "C2", "S1"])
    assert code == OK and scratch[0, 2] == pytest.approx(20.0, abs=1e-6)
    # full charging: 50 at S1 after C2 takes 100 s, so home at 200
    code, out, _ = _eval(p.replace(charging="full"), ["C1", "C2", "S1"])
    assert code == OK and out[3] == pytest.approx(100.0)
    # a shift ending at 150 rules full charging out, partial still fits (home at 140)
    vt = p.vehicle_types[0].replace(shift_end_s=150)
    assert _eval(p.replace(vehicle_types=[vt], charging="full"), ["C1", "C2", "S1"])[0] == BAD_TIME
    assert _eval(p.replace(vehicle_types=[vt]), ["C1", "C2", "S1"])[0] == OK
    # load: capacity 100, three stops of 10 fit; capacity 15 does not take two
    small = p.replace(vehicle_types=[p.vehicle_types[0].replace(capacity_kg=15.0)])
    assert _eval(small, ["C1", "S1", "C2"])[0] == BAD_LOAD


def test_span_cost_by_hand():
    """The fleet phase's route-span cost (``CSPAN``, per s from departure to return) comes on
    top of the variable cost: the route of the test above leaves at 0 and is home at 140, so
    0.5 per s adds 70; the distance, times and feasibility are the same."""
    p = read_evrptw(TINY_TW)
    data = _data(p)
    index = {**p.stop_index, **p.station_index}
    seq = np.asarray([index[x] for x in ("C1", "S1", "C2")], dtype=np.int32)
    d = data.kernel_args()
    out, scratch = np.zeros(5), np.zeros((4, 8))
    assert eval_route(seq, 3, 0, d, out, scratch) == OK
    plain = out.copy()
    tp = data.types.copy()
    tp[:, CSPAN] = 0.5
    d_span = data.kernel_args(types=tp)
    assert eval_route(seq, 3, 0, d_span, out, scratch) == OK
    assert out[1] - plain[1] == pytest.approx(0.5 * 140.0)
    assert list(out[[0, 2, 3, 4]]) == pytest.approx(list(plain[[0, 2, 3, 4]]))
    # the stored route costs follow the costs they are computed with, and come back exactly
    cur = _state(1, 8, data.dist.shape[0], 3, data.types[:, COUNT].astype(np.int64))
    cur[0][0, :3] = seq
    cur[1][0], cur[2][0] = 3, 0
    _recost(cur, d_span)
    assert cur[3][0] == pytest.approx(plain[1] + 70.0)
    _recost(cur, d)
    assert cur[3][0] == plain[1]


def test_connect_time_by_hand():
    """A station that takes 60 s to plug in and out: the same route as above reaches home at
    140 + 60 = 200, and the checker counts the same 100 s at the charger."""
    p = read_evrptw(TINY_TW)
    p = p.replace(stations=[s.replace(connect_s=60) for s in p.stations])
    code, out, scratch = _eval(p, ["C1", "S1", "C2"])
    assert code == OK
    assert out[3] == pytest.approx(100.0)  # at the charger: 60 s connect + 40 s charging
    assert scratch[1, 1] == pytest.approx(140.0)  # leaves S1 at 40 + 100
    from voltroute.model import Route, Solution

    route = Route(vehicle="ev-1", vehicle_type="ev", stops=("C1", "S1", "C2"), start_s=0,
                  charges=[{"position": 1, "energy_kwh": 20.0}])  # fmt: skip
    rep = check(p, Solution(routes=(route,), unassigned=()))
    assert not [v for v in rep.violations if v.kind != "missing"]
    assert rep.routes[0].charge_s == pytest.approx(100.0)
    assert rep.routes[0].steps[-1].arrival_s == pytest.approx(200.0)
    # with a shift ending at 180 the route no longer fits
    vt = p.vehicle_types[0].replace(shift_end_s=180)
    assert _eval(p.replace(vehicle_types=[vt]), ["C1", "S1", "C2"])[0] == BAD_TIME


def test_taper_charging_time_by_hand():
    """Two bands: full power to 80 % of the battery, a quarter of it above. Battery 100 kWh,
    50 kW: from 70 to 90 kWh takes 10 kWh at 50 kW (720 s) + 10 kWh at 12.5 kW (2880 s)."""
    p = _line_problem(battery=100.0, taper=((0.0, 1.0), (0.8, 0.25)), power_kw=50.0)
    # depot at 0, station at 30 km, stop at 60 km; 1 kWh/km; partial charging: the stop and back
    # need 30 + 60 = 90 kWh after the station, which is reached with 70
    code, out, scratch = _eval(p, ["S", "c1"])
    assert code == OK
    assert scratch[0, 0] == pytest.approx(20.0, abs=1e-6)
    assert out[3] == pytest.approx(720.0 + 2880.0, rel=1e-6)


def _line_problem(
    *, battery: float, taper: tuple[tuple[float, float], ...], power_kw: float
) -> Problem:
    vt = literature_ev(name="ev", count=2, capacity=100.0, depot="D", battery=battery,
                       consumption_per_unit=0.001, max_charge_kw=1000.0)  # fmt: skip
    vt = vt.replace(powertrain=vt.powertrain.replace(charge_taper=taper))
    return Problem(
        name="line",
        depots=(Depot(id="D", location=Location(x=0.0, y=0.0)),),
        stops=(
            Stop(
                id="c1",
                location=Location(x=60000.0, y=0.0),
                parcels=(Parcel(id="p1", weight_kg=1.0, volume_m3=0.0),),
            ),
        ),  # fmt: skip
        stations=(ChargingStation(id="S", location=Location(x=30000.0, y=0.0), power_kw=power_kw),),
        vehicle_types=(vt,),
        travel=Travel(model="euclidean", rounding="none", speed_kph=60.0),
        economics=ABSTRACT_ECONOMICS,
    )


def test_station_visit_moves_to_the_cheaper_place():
    """tiny.txt plus a station S2 at (30, 10), off the line: D0-C1-S2-C2-D0 is
    20 + 2 * 14.14 + 40 = 88.28; the move puts S1 (on the line) in its place: 80."""
    p = read_evrptw(TINY_TW)
    s2 = p.stations[1].replace(id="S2", location=Location(x=30.0, y=10.0))
    p = p.replace(stations=[*p.stations, s2])
    data = _data(p)
    d = data.kernel_args()
    index = {**p.stop_index, **p.station_index}
    seq = [index[x] for x in ("C1", "S2", "C2")]
    R = np.zeros((1, 16), dtype=np.int32)
    R[0, :3] = seq
    rl = np.array([3], dtype=np.int64)
    rt = np.array([0], dtype=np.int64)
    out = np.zeros(5)
    scratch = np.zeros((4, 22))
    assert eval_route(R[0], 3, 0, d, out, scratch) == OK
    assert out[0] == pytest.approx(20 + 2 * 200**0.5 + 40)
    rcv = np.array([out[1]])
    tmp = np.zeros(20, dtype=np.int32)
    tmp2 = np.zeros(22, dtype=np.int32)
    _relocate_stations(0, R, rl, rt, rcv, d, data.near_st, tmp, tmp2, out, scratch)
    assert list(R[0, : rl[0]]) == [index[x] for x in ("C1", "S1", "C2")]
    assert eval_route(R[0], rl[0], 0, d, out, scratch) == OK
    assert out[0] == pytest.approx(80.0) and rcv[0] == pytest.approx(out[1])


def test_search_puts_the_station_visit_inside_the_route():
    p = read_evrptw(TINY_TW)
    data = _data(p)
    res = search(data, time_limit_s=5, seed=0, objective="cost", max_iterations=50)
    stations = {p.station_index[s.id] for s in p.stations}
    c3 = p.stop_index["C3"]
    assert res.missing == (c3,)  # 31.6 from the nearest station: out of reach with 60
    routes = [r for r in res.routes if p.stop_index["C2"] in r.nodes]
    assert len(routes) == 1 and set(routes[0].nodes) & stations  # C2 needs a charge on the way


def test_engine_plan_checks_feasible_and_reports_unreachable_stop():
    p = read_evrptw(TINY_TW)
    sol = solve(p, SolveParams(time_limit_s=5, max_iterations=100))
    assert sol.solver["engine"] == "charging"
    rep = check(p, sol)
    assert rep.feasible, rep.summary()
    assert [(u.stop, u.reason) for u in sol.unassigned] == [("C3", "energy")]


def _grid_problem(n: int, seed: int, battery: float, windows: bool) -> Problem:
    rng = np.random.default_rng(seed)
    stops = []
    for i in range(n):
        x, y = rng.uniform(-40, 40, size=2)
        tw = None
        if windows:
            a = float(rng.integers(0, 300))
            tw = TimeWindow(start_s=int(a), end_s=int(a + rng.integers(60, 400)))
        stops.append(
            Stop(id=f"c{i}", location=Location(x=float(x), y=float(y)), service_time_s=5,
                 time_window=tw,
                 parcels=(Parcel(id=f"p{i}", weight_kg=float(rng.integers(1, 10)), volume_m3=0.0),))
        )  # fmt: skip
    stations = tuple(
        ChargingStation(id=f"S{j}", location=Location(x=float(x), y=float(y)), power_kw=1800.0)
        for j, (x, y) in enumerate([(0.0, 0.0), (30.0, 30.0), (-30.0, -30.0), (30.0, -30.0)])
    )
    vt = literature_ev(name="ev", count=n, capacity=25.0, depot="D", battery=battery,
                       consumption_per_unit=1.0, max_charge_kw=1800.0)  # fmt: skip
    return Problem(
        name=f"grid-{seed}",
        depots=(Depot(id="D", location=Location(x=0.0, y=0.0), close_s=1000),),
        stops=tuple(stops),
        stations=stations,
        vehicle_types=(vt,),
        travel=Travel(model="euclidean", rounding="none", speed_kph=3.6),
        economics=ABSTRACT_ECONOMICS,
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 9),
    seed=st.integers(0, 10_000),
    battery=st.floats(60.0, 200.0),
    windows=st.booleans(),
    objective=st.sampled_from(["cost", "vehicles"]),
)
def test_every_stop_served_once_or_reported_and_plan_checks(n, seed, battery, windows, objective):
    p = _grid_problem(n, seed, battery, windows)
    sol = solve(p, SolveParams(time_limit_s=5, max_iterations=40, seed=1, objective=objective))
    served = [s for r in sol.routes for s in r.stops if s in p.stop_by_id]
    assert len(served) == len(set(served))
    assert sorted(served + [u.stop for u in sol.unassigned]) == sorted(s.id for s in p.stops)
    rep = check(p, sol)
    assert not [v for v in rep.violations if v.kind != "missing"], rep.summary()
    if objective == "vehicles" and not sol.unassigned:  # the bound holds for every full plan
        assert len(sol.routes) >= sol.solver["route_lower_bound"]


def _clash_problem(optional_a: bool = False) -> Problem:
    """Depot at the origin, 1 m/s: stops a, b and c 50 m out, each to be served between 100 and
    105 s (5 s of service), so no two of them share a route; d, 50 m out, from 300 s, fits
    after any of them. One 25 kg van would carry all four."""

    def stop(name: str, x: float, y: float, start: int, end: int) -> Stop:
        return Stop(id=name, location=Location(x=x, y=y), service_time_s=5,
                    time_window=TimeWindow(start_s=start, end_s=end),
                    required=not (optional_a and name == "a"), unserved_penalty=1e6,
                    parcels=(Parcel(id=f"p{name}", weight_kg=1.0, volume_m3=0.0),))  # fmt: skip

    p = _grid_problem(1, 0, 400.0, False)
    return p.replace(
        vehicle_types=[p.vehicle_types[0].replace(count=4)],
        stops=(stop("a", 50, 0, 100, 105), stop("b", -50, 0, 100, 105), stop("c", 0, 50, 100, 105),
               stop("d", 0, -50, 300, 600)),
    )  # fmt: skip


def test_route_lower_bound_by_hand():
    """Three stops that pairwise cannot share a route need three routes, though one van
    carries everything; an optional one does not count; the fleet phase stops at the bound."""
    p = _clash_problem()
    assert route_lower_bound(_data(p)) == 3
    assert route_lower_bound(_data(_clash_problem(optional_a=True))) == 2
    # a stop no route can serve (its window closes before a van can get there) is left out
    late = Stop(id="e", location=Location(x=400.0, y=0.0), service_time_s=5,
                time_window=TimeWindow(start_s=0, end_s=100),
                parcels=(Parcel(id="pe", weight_kg=1.0, volume_m3=0.0),))  # fmt: skip
    assert route_lower_bound(_data(p.replace(stops=[*p.stops, late]))) == 3
    sol = solve(p, SolveParams(time_limit_s=10, max_iterations=2000, objective="vehicles"))
    assert check(p, sol).feasible and len(sol.routes) == 3
    assert sol.solver["route_lower_bound"] == 3 and sol.solver["fleet_iterations"] == 0


def test_route_lower_bound_uses_shortest_paths():
    """A matrix without the triangle inequality: the direct leg from a to b takes 1000 s, but
    through d it takes 20 s, so a then b fits (a done at 105, d at 115-120, b at 130 within
    its window of 130-135): a and b do not clash, and the bound is 1, not 2."""
    import dataclasses

    p = _clash_problem()
    p = p.replace(stops=[
        s.replace(time_window=TimeWindow(start_s=130, end_s=135)) if s.id == "b"
        else s.replace(time_window=TimeWindow(start_s=0, end_s=900)) if s.id == "d" else s
        for s in p.stops if s.id != "c"
    ])  # fmt: skip
    data = _data(p)
    a, b, dd = (p.stop_index[x] for x in ("a", "b", "d"))
    dur = data.dur.copy()
    dur[a, b] = dur[b, a] = 1000.0
    dur[a, dd] = dur[dd, a] = dur[dd, b] = dur[b, dd] = 10.0
    assert route_lower_bound(dataclasses.replace(data, dur=dur)) == 1
    assert route_lower_bound(dataclasses.replace(data, dur=dur), max_nodes=2) == 1  # load only
    dur[a, dd] = dur[dd, a] = 1000.0  # now no way from a to b in time, nor back
    assert route_lower_bound(dataclasses.replace(data, dur=dur)) == 2


def _ejection_case(weight_c3: float):  # type: ignore[no-untyped-def]
    """One van of 30 kg serving c0, c1 and c2 (10 kg each); c3 is missing."""
    p = _grid_problem(4, 1, 400.0, False)
    weights = (10.0, 10.0, 10.0, weight_c3)
    p = p.replace(
        stops=[
            s.replace(parcels=(s.parcels[0].replace(weight_kg=w),))
            for s, w in zip(p.stops, weights, strict=True)
        ],
        vehicle_types=[p.vehicle_types[0].replace(capacity_kg=30.0, count=1)],
    )
    data = _data(p)
    c0, c1, c2, c3 = (p.stop_index[f"c{i}"] for i in range(4))
    n = data.dist.shape[0]
    cur = _state(1, 12, n, 4, data.types[:, COUNT].astype(np.int64))
    R, rl, rt, rcv, where, avail, un, n_un = cur
    R[0, :3] = (c0, c1, c2)
    rl[0], rt[0] = 3, 0
    avail[0] = 0
    out = np.zeros(5)
    assert eval_route(R[0], 3, 0, data.kernel_args(), out, np.zeros((4, 18))) == OK
    rcv[0] = out[1]
    where[[c0, c1, c2]] = 0
    un[0], n_un[0] = c3, 1
    pcount = np.zeros(n, dtype=np.int64)
    pcount[c0] = 5  # c0 has often failed to find a place
    pcount[c1] = 1
    return data, cur, pcount, (c0, c1, c2, c3)


def test_ejection_takes_out_the_stop_that_failed_least():
    """c3 fits only if one stop leaves the full van: c2 (0 failures) goes, not c1 (1) or c0
    (5), and waits in the pool; c3's failure counter goes up by one."""
    data, cur, pcount, (c0, c1, c2, c3) = _ejection_case(10.0)
    left = eject_steps(1, cur, pcount, data.kernel_args(), data.near_st, 1)
    R, rl, _, _, where, _, un, n_un = cur
    assert left == 1 and list(un[: n_un[0]]) == [c2]
    assert sorted(R[0, : rl[0]]) == sorted([c0, c1, c3])
    assert where[c3] == 0 and where[c2] == -1
    assert pcount[c3] == 1 and pcount[c0] == 5


def test_ejection_respects_its_size_limit():
    """A 20 kg c3 needs two stops out: not with at most one ejected (it goes back to the
    pool), yes with two (c1 and c2, the fewest failures)."""
    data, cur, pcount, (c0, c1, c2, c3) = _ejection_case(20.0)
    assert eject_steps(1, cur, pcount, data.kernel_args(), data.near_st, 1) == 1
    R, rl, _, _, where, _, un, n_un = cur
    assert list(un[: n_un[0]]) == [c3] and where[c3] == -1
    assert eject_steps(1, cur, pcount, data.kernel_args(), data.near_st, 2) == 2
    assert sorted(R[0, : rl[0]]) == sorted([c0, c3]) and sorted(un[: n_un[0]]) == sorted([c1, c2])


def test_vehicles_objective_reaches_the_capacity_bound():
    """12 stops of 5 kg on vans of 20 kg without windows: 3 vans suffice and the fleet phase
    finds them, while the construction alone opens more."""
    rng = np.random.default_rng(3)
    p = _grid_problem(12, 3, 400.0, False)
    p = p.replace(
        stops=[s.replace(parcels=(s.parcels[0].replace(weight_kg=5.0),)) for s in p.stops],
        vehicle_types=[p.vehicle_types[0].replace(capacity_kg=20.0)],
    )
    del rng
    sol = solve(p, SolveParams(time_limit_s=10, max_iterations=400, objective="vehicles"))
    rep = check(p, sol)
    assert rep.feasible and rep.kpis["vehicles_used"] == 3
    assert sol.solver["route_lower_bound"] == 3


def test_objective_is_validated():
    from voltroute.model import ProblemError

    with pytest.raises(ProblemError, match="objective"):
        SolveParams(objective="fastest")
    with pytest.raises(ProblemError, match="objective"):
        solve(read_evrptw(TINY_TW), SolveParams(engine="pyvrp", objective="vehicles"))


def test_fleet_phase_reopens_routes_the_ruin_empties(shared_data: Path) -> None:
    """r102 (Schneider): the best known plan has 15 vans, the construction 20-21. A string
    removal may empty a whole route; the fleet phase must be able to open it again (up to its
    target fleet), or it loses routes it cannot get back and stalls far above 15."""
    path = next((shared_data / "evrptw" / "schneider" / "large").glob("r102_*.txt"))
    data = _data(read_evrptw(path))
    res = search(data, time_limit_s=60, seed=0, objective="vehicles", max_iterations=20_000)
    assert res.info["initial_routes"] > 16
    assert len(res.routes) <= 15
    assert not res.missing


def test_fleet_phase_with_ejections(shared_data: Path) -> None:
    """rc105 (Schneider) with route minimisation by ejections on: from about 20 routes down to
    at most 14 (best known 13), every stop served once."""
    p = read_evrptw(next((shared_data / "evrptw" / "schneider" / "large").glob("rc105_*.txt")))
    res = search(
        _data(p), time_limit_s=60, seed=1, objective="vehicles", max_iterations=3000, eject_max=3
    )
    assert res.info["initial_routes"] > 16 and len(res.routes) <= 14 and not res.missing
    stops = set(p.stop_index.values())
    served = [v for r in res.routes for v in r.nodes if v in stops]
    assert sorted(served) == sorted(stops)


def test_ejections_wait_for_the_stall(shared_data: Path) -> None:
    """``eject_after``: until that share of the time limit passes without a route less the
    fleet phase is ruin and recreate alone, step for step the same plan as without ejections
    (rc105, 600 steps: 15 routes); with ejections from the start the same steps reach 14."""
    p = read_evrptw(next((shared_data / "evrptw" / "schneider" / "large").glob("rc105_*.txt")))
    data = _data(p)

    def run(**kw):  # type: ignore[no-untyped-def]
        res = search(data, time_limit_s=600, seed=1, objective="vehicles", max_iterations=600, **kw)
        assert not res.missing
        return [r.nodes for r in res.routes]

    plain = run(eject_max=0)
    assert run(eject_max=3, eject_after=1.0) == plain
    assert len(run(eject_max=3, eject_after=0.0)) < len(plain)


def _insert_all(p: Problem, cached: bool) -> list[tuple[int, ...]]:
    """Every stop inserted at its cheapest place, in index order: by ``_recreate``, which keeps
    route times between insertions, or one ``_best_insertion`` at a time with none kept."""
    data = _data(p)
    d = data.kernel_args()
    C = len(data.customers)
    counts = data.types[:, COUNT].astype(np.int64)
    maxr, maxl = int(min(counts.sum(), C)), 2 * C + 4
    R, rl, rt, rcv, where, avail, _, _ = _state(maxr, maxl, data.dist.shape[0], C, counts)
    tmp, keep = np.empty(maxl + 4, np.int32), np.empty(maxl + 6, np.int32)
    out, scratch = np.empty(5), np.empty((4, maxl + 4))
    deps, lates = np.empty((maxr, maxl + 1)), np.empty((maxr, maxl + 1))
    fresh = np.zeros(maxr, dtype=np.bool_)
    stops = data.customers.astype(np.int32)
    if cached:
        _recreate(
            stops, C, R, rl, rt, rcv, where, avail, d, data.near_st, tmp, out, scratch, 0.0,
            True, maxr, np.empty(4 * C + 8, np.int32), 0, np.empty(C, np.int32), deps, lates,
            fresh,
        )  # fmt: skip
    else:
        for c in stops:
            fresh[:] = False
            best, r, pos, sb, sa = _best_insertion(
                c, R, rl, rt, rcv, d, data.near_st, tmp, out, scratch, 0.0, avail, True, maxr,
                keep, deps, lates, fresh,
            )  # fmt: skip
            if best < INF:
                _apply(c, r, pos, sb, sa, R, rl, rt, rcv, where, avail, d, tmp, out, scratch, keep)
    return [tuple(int(v) for v in R[r, : rl[r]]) for r in range(maxr)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(3, 12),
    seed=st.integers(0, 10_000),
    battery=st.floats(60.0, 200.0),
    windows=st.booleans(),
)
def test_recreate_keeps_route_times_only_while_valid(n, seed, battery, windows):
    """Route times kept between the insertions of one recreate (recomputed only for the route
    a stop went into) give the same plan as recomputing every route for every insertion."""
    p = _grid_problem(n, seed, battery, windows)
    assert _insert_all(p, cached=True) == _insert_all(p, cached=False)


STATION = 13  # the one station node of the ruin tests; customers are 1-12


def _ruined(seed: int):  # type: ignore[no-untyped-def]
    """Three routes over customers 1-12 (the station visited in two of them) before and after
    one ruin with SISR's settings (10 stops on average, strings of at most 10)."""
    routes = [[1, 2, STATION, 3, 4, 5], [6, 7, 8, 9], [10, STATION, 11, 12]]
    n = STATION + 1
    nd = np.zeros((n, N_NODE_COLS))
    nd[STATION, ISST] = 1.0
    customers = np.arange(1, STATION, dtype=np.int32)
    pos = np.arange(12, dtype=float)
    nbr = np.argsort(np.abs(pos[:, None] - pos[None, :]), axis=1, kind="stable").astype(np.int32)
    R = np.zeros((3, 16), dtype=np.int32)
    rl = np.zeros(3, dtype=np.int32)
    where = np.full(n, -1, dtype=np.int32)
    for r, seq in enumerate(routes):
        R[r, : len(seq)] = seq
        rl[r] = len(seq)
        for v in seq:
            if v != STATION:
                where[v] = r
    removed = np.zeros(12, dtype=np.int32)
    touched = np.zeros(16, dtype=np.int32)
    seed_rng(seed)
    n_rem, _ = _ruin(R, rl, where, customers, nbr, nd, 10.0, 10, removed, touched, 0)
    after = [[int(v) for v in R[r, : rl[r]]] for r in range(3)]
    return routes, after, [int(v) for v in removed[:n_rem]], where


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_ruin_takes_stops_out_and_keeps_the_rest_in_order(seed: int) -> None:
    routes, after, gone, where = _ruined(seed)
    assert gone and len(set(gone)) == len(gone)
    for before, now in zip(routes, after, strict=True):
        assert [v for v in before if v not in gone] == now  # stations stay, order kept
    assert all(where[v] == -1 for v in gone)
    assert all(where[v] == r for r, now in enumerate(after) for v in now if v != STATION)
