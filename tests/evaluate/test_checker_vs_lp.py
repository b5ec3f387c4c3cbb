"""The checker's E-VRPTW verdicts against a second, independent model of the same rules.

The model here reads the Schneider instance text itself and decides each route's feasibility as
a linear programme (scipy's HiGHS): service start times within the windows, charge amounts at
station visits (partial recharging at the file's inverse rate ``g``), the battery between 0 and
``Q`` everywhere, full at the depot. Waiting is allowed anywhere, so the LP is exact for these
rules. Nothing of voltroute is used on this side, so the two can only agree by both being right.
"""

from __future__ import annotations

import csv
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from voltroute.evaluate import check
from voltroute.io.evrptw import read_evrptw, routes_from_configuration

Node = dict[str, float | str]
DATA = Path(__file__).resolve().parents[1] / "data" / "evrptw"


def _parse(text: str) -> tuple[dict[str, Node], dict[str, float]]:
    nodes: dict[str, Node] = {}
    par: dict[str, float] = {}
    for line in text.splitlines():
        t = line.split()
        if len(t) == 8 and t[1] in ("d", "f", "c"):
            nodes[t[0]] = {
                "type": t[1], "x": float(t[2]), "y": float(t[3]), "q": float(t[4]),
                "a": float(t[5]), "b": float(t[6]), "s": float(t[7]),
            }  # fmt: skip
        m = re.search(r"/([-\d.eE+]+)/", line)
        if m:
            par[line.split()[0]] = float(m.group(1))
    return nodes, par


def _of_type(nodes: dict[str, Node], kind: str) -> list[str]:
    return [k for k, nd in nodes.items() if nd["type"] == kind]


def _routes(configuration: str) -> list[list[str]]:
    """The routes of a configuration string (``D0;S5;C12;...;D0;D0;C20;...;D0``), no depots."""
    return [x.strip(";").split(";") for x in configuration.split("D0") if x.strip(";")]


def _best_known(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "bks" / "bks-evrptwpr.csv").open() as fh:
        return {r["INSTANCE"]: r for r in csv.DictReader(fh, delimiter="\t")}


def lp_route_feasible(
    route: list[str], nodes: dict[str, Node], par: dict[str, float], slack: float = 0.0
) -> bool:
    """Whether depot -> ``route`` -> depot can be driven; every bound widened by ``slack``."""
    q_max, cap, rate, g, v = par["Q"], par["C"], par["r"], par["g"], par["v"]
    if sum(float(nodes[x]["q"]) for x in route) > cap + slack:
        return False
    depot = _of_type(nodes, "d")[0]
    seq = [depot, *route, depot]
    n = len(seq)
    station = [nodes[x]["type"] == "f" and 0 < i < n - 1 for i, x in enumerate(seq)]
    xy = [(float(nodes[x]["x"]), float(nodes[x]["y"])) for x in seq]
    dist = [math.dist(xy[i], xy[i + 1]) for i in range(n - 1)]
    # variables: service start t_i, charge amount c_i, energy on arrival e_i
    nv = 3 * n
    a_ub: list[np.ndarray] = []
    b_ub: list[float] = []
    a_eq: list[np.ndarray] = []
    b_eq: list[float] = []
    bounds: list[tuple[float | None, float | None]] = []
    for i, x in enumerate(seq):
        nd = nodes[x]
        lo = 0.0 if i == 0 else float(nd["a"])
        bounds.append((lo - slack, float(nd["b"]) + slack))
    bounds.extend((0.0, None) if st_i else (0.0, 0.0) for st_i in station)
    bounds.extend([(-slack, q_max + slack)] * n)
    bounds[2 * n] = (q_max, q_max)  # full at the depot
    for i in range(n - 1):
        service = float(nodes[seq[i]]["s"]) if nodes[seq[i]]["type"] == "c" else 0.0
        row = np.zeros(nv)
        row[i], row[n + i], row[i + 1] = 1.0, g, -1.0  # t_i + s_i + g c_i + d/v <= t_{i+1}
        a_ub.append(row)
        b_ub.append(-service - dist[i] / v)
        row = np.zeros(nv)
        row[2 * n + i + 1], row[2 * n + i], row[n + i] = 1.0, -1.0, -1.0
        a_eq.append(row)  # e_{i+1} = e_i + c_i - r d
        b_eq.append(-rate * dist[i])
        if station[i]:  # e_i + c_i <= Q
            row = np.zeros(nv)
            row[2 * n + i], row[n + i] = 1.0, 1.0
            a_ub.append(row)
            b_ub.append(q_max + slack)
    res = linprog(
        np.zeros(nv), A_ub=np.array(a_ub), b_ub=b_ub, A_eq=np.array(a_eq), b_eq=b_eq,
        bounds=bounds, method="highs",
    )  # fmt: skip
    return bool(res.status == 0)


def _configuration(routes: list[list[str]]) -> str:
    return ";".join("D0;" + ";".join(r) + ";D0" for r in routes)


def _instance_text(draw: st.DrawFn) -> str:
    n_c = draw(st.integers(2, 6))
    n_s = draw(st.integers(1, 3))
    horizon = draw(st.integers(200, 500))
    lines = ["StringID   Type x y demand ReadyTime DueDate ServiceTime"]
    lines.append(f"D0 d 0.0 0.0 0.0 0.0 {horizon}.0 0.0")
    coord = st.integers(-25, 25)
    for k in range(n_s):
        lines.append(f"S{k} f {draw(coord)}.0 {draw(coord)}.0 0.0 0.0 {horizon}.0 0.0")
    for k in range(1, n_c + 1):
        a, b = 0, horizon  # half of the windows the whole day, so that both verdicts occur
        if draw(st.booleans()):
            a = draw(st.integers(0, horizon - 20))
            b = draw(st.integers(a, horizon))
        lines.append(
            f"C{k} c {draw(coord)}.0 {draw(coord)}.0 {draw(st.integers(1, 30))}.0 {a}.0 {b}.0"
            f" {draw(st.integers(0, 15))}.0"
        )
    q_max = draw(st.integers(30, 150))
    g = draw(st.sampled_from([0.25, 0.5, 1.0, 2.0]))
    lines += [
        "",
        f"Q Vehicle fuel tank capacity /{q_max}.0/",
        f"C Vehicle load capacity /{draw(st.integers(40, 150))}.0/",
        "r fuel consumption rate /1.0/",
        f"g inverse refueling rate /{g}/",
        "v average Velocity /1.0/",
    ]
    return "\n".join(lines) + "\n"


@st.composite
def instance_and_routes(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    text = _instance_text(draw)
    nodes, _ = _parse(text)
    stations = _of_type(nodes, "f")
    order = draw(st.permutations(_of_type(nodes, "c")))
    cuts = sorted(draw(st.sets(st.integers(1, len(order) - 1), max_size=len(order) - 1)))
    routes = [list(order[i:j]) for i, j in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    for r in routes:
        for _ in range(draw(st.integers(0, 2))):
            r.insert(draw(st.integers(0, len(r))), draw(st.sampled_from(stations)))
    return text, routes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=instance_and_routes())
def test_checker_agrees_with_lp_on_random_instances(case, tmp_path_factory):
    """Random small instances and route sets (stations anywhere, windows of any width): the
    checker calls a route set feasible exactly when every route's LP is feasible. Cases on a
    boundary (the verdict flips within 1e-6 of a bound) are skipped as rounding questions."""
    text, routes = case
    nodes, par = _parse(text)
    loose = all(lp_route_feasible(r, nodes, par, slack=1e-6) for r in routes)
    tight = all(lp_route_feasible(r, nodes, par, slack=-1e-6) for r in routes)
    assume(loose == tight)
    event(f"feasible: {loose}")
    path = tmp_path_factory.mktemp("lp") / "inst.txt"
    path.write_text(text)
    problem = read_evrptw(path)
    report = check(problem, routes_from_configuration(_configuration(routes), problem))
    assert report.feasible == loose, report.violations[:3]


def test_lp_model_rejects_what_it_should():
    """The LP side itself: a hand case that is feasible only with a recharge on the way."""
    text = (
        "StringID Type x y demand ReadyTime DueDate ServiceTime\n"
        "D0 d 0.0 0.0 0.0 0.0 1000.0 0.0\n"
        "S1 f 30.0 0.0 0.0 0.0 1000.0 0.0\n"
        "C1 c 60.0 0.0 10.0 0.0 1000.0 0.0\n"
        "Q tank /100.0/\nC load /100.0/\nr rate /1.0/\ng inverse /2.0/\nv speed /1.0/\n"
    )
    nodes, par = _parse(text)
    assert not lp_route_feasible(["C1"], nodes, par)  # 120 energy units from 100
    assert lp_route_feasible(["S1", "C1", "S1"], nodes, par)  # charges on the way back
    # D0 -> S1 -> C1 -> D0 needs its 20 units at S1 before C1: 40 time units of charging, so
    # C1 is reached at 100 at the earliest
    assert lp_route_feasible(["S1", "C1"], nodes, par)
    nodes["C1"]["b"] = 99.0
    assert not lp_route_feasible(["S1", "C1"], nodes, par)
    assert lp_route_feasible(["S1", "C1", "S1"], nodes, par)
    nodes["C1"]["b"] = 100.0
    assert lp_route_feasible(["S1", "C1"], nodes, par)


def test_checker_agrees_with_lp_on_changed_best_known_routes(shared_data):
    """Published best-known route sets with one random change each (two stops swapped in a
    route, a station visit removed or added, a customer moved to another route): the checker's
    verdict is the LP's on every one."""
    folder = shared_data / "evrptw" / "schneider"
    rows = _best_known(folder)
    rng = random.Random(7)
    feasible = 0
    for name in ("RC105", "C105", "R102", "RC205", "C202"):
        path = folder / "large" / f"{name.lower()}_21.txt"
        problem = read_evrptw(path)
        nodes, par = _parse(path.read_text())
        stations = _of_type(nodes, "f")
        routes = _routes(rows[name]["CONFIGURATION"].strip())
        for _ in range(30):
            rs = [list(r) for r in routes]
            a = rng.randrange(len(rs))
            kind = rng.randrange(4)
            if kind == 0 and len(rs[a]) > 1:
                i, j = rng.sample(range(len(rs[a])), 2)
                rs[a][i], rs[a][j] = rs[a][j], rs[a][i]
            elif kind == 1:
                at = [i for i, x in enumerate(rs[a]) if x.startswith("S")]
                if at:
                    del rs[a][rng.choice(at)]
            elif kind == 2:
                rs[a].insert(rng.randrange(len(rs[a]) + 1), rng.choice(stations))
            else:
                b = rng.randrange(len(rs))
                at = [i for i, x in enumerate(rs[a]) if x.startswith("C")]
                if at and a != b:
                    rs[b].insert(rng.randrange(len(rs[b]) + 1), rs[a].pop(rng.choice(at)))
            rs = [r for r in rs if r]
            lp = all(lp_route_feasible(r, nodes, par) for r in rs)
            report = check(problem, routes_from_configuration(_configuration(rs), problem))
            assert report.feasible == lp, (name, rs, report.violations[:2])
            feasible += lp
    assert 0 < feasible < 150  # both verdicts occur


@pytest.mark.parametrize("name", ["RC105", "C105"])
def test_lp_model_accepts_best_known_routes(shared_data, name):
    folder = shared_data / "evrptw" / "schneider"
    rows = _best_known(folder)
    path = folder / "large" / f"{name.lower()}_21.txt"
    nodes, par = _parse(path.read_text())
    routes = _routes(rows[name]["CONFIGURATION"])
    assert len(routes) == int(rows[name]["NUM_VEHICLES"])
    assert all(lp_route_feasible(r, nodes, par) for r in routes)


def test_our_rc105_plan_below_the_best_known_checks_on_both_sides(shared_data):
    """A plan of the charging engine for rc105 (13 vans, 1470.35; the best known 1471.80):
    feasible for the checker and for the LP, with the same vehicle count and distance."""
    path = shared_data / "evrptw" / "schneider" / "large" / "rc105_21.txt"
    conf = (DATA / "rc105_13_1470.35.route").read_text().strip()
    problem = read_evrptw(path)
    report = check(problem, routes_from_configuration(conf, problem))
    assert report.feasible, report.violations[:3]
    assert report.kpis["vehicles_used"] == 13
    assert report.kpis["distance_m"] == pytest.approx(1470.35, abs=0.005)
    nodes, par = _parse(path.read_text())
    routes = _routes(conf)
    assert len(routes) == 13 and all(lp_route_feasible(r, nodes, par) for r in routes)
