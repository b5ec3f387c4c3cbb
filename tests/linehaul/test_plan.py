"""Planning: MILP vs heuristic on small networks, cut-offs, the example, JSON, CLI."""

from __future__ import annotations

import json

import pytest

from voltroute.cli.main import main
from voltroute.linehaul import (
    Flow,
    Hub,
    LinehaulNetwork,
    LinehaulPlan,
    check_plan,
    example_network,
    plan,
)
from voltroute.linehaul.core import build_instance, resolve_settings
from voltroute.linehaul.heuristic import solve_heuristic
from voltroute.linehaul.milp import solve_milp
from voltroute.model.problem import Location

H = 3600


def _hub(i, kind, lat, lon, **kw):
    return Hub(id=i, kind=kind, location=Location(lat=lat, lon=lon), **kw)


def small(seed: int) -> LinehaulNetwork:
    """Dallas-area hubs with a few flows in staggered windows."""
    hubs = (
        _hub("FC", "fulfilment", 32.99, -97.32, chargers=2, docks=3),
        _hub("SC", "sort", 32.59, -96.76, chargers=2, docks=3),
        _hub("D1", "delivery", 33.02, -96.70, docks=2),
        _hub("D2", "delivery", 32.74, -97.11, docks=2),
        _hub("D3", "delivery", 31.55, -97.15, docks=2, open_s=2 * H, close_s=20 * H),
    )
    flows = [
        Flow(
            id="fc-sc-1",
            origin="FC",
            destination="SC",
            parcels=5000,
            release_s=(18 + seed % 3) * H,
            cutoff_s=26 * H,
        ),
        Flow(
            id="fc-sc-2",
            origin="FC",
            destination="SC",
            parcels=2500,
            release_s=22 * H,
            cutoff_s=28 * H,
        ),
        Flow(
            id="sc-d1", origin="SC", destination="D1", parcels=3000, release_s=4 * H, cutoff_s=9 * H
        ),
        Flow(
            id="sc-d2",
            origin="SC",
            destination="D2",
            parcels=2800 + 100 * seed,
            release_s=(3 + seed % 2) * H,
            cutoff_s=8 * H,
        ),
        Flow(
            id="sc-d3", origin="SC", destination="D3", parcels=2000, release_s=3 * H, cutoff_s=9 * H
        ),
        Flow(
            id="d1-sc",
            origin="D1",
            destination="SC",
            parcels=200,
            release_s=12 * H,
            cutoff_s=20 * H,
        ),
    ]
    return LinehaulNetwork(name=f"small-{seed}", hubs=hubs, flows=tuple(flows))


@pytest.mark.parametrize("truck", ["diesel", "electric"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_heuristic_matches_milp_on_small_networks(seed, truck):
    net = small(seed)
    inst = build_instance(net, resolve_settings(net, truck_type_name=truck))
    assert 4 <= len(inst.trips) <= 12
    h_deps, h_obj = solve_heuristic(inst, time_limit_s=2)
    m_deps, m_obj, optimal, _ = solve_milp(inst, time_limit_s=20)
    assert optimal
    assert m_obj <= h_obj + 1e-6  # the MILP is a lower bound on any plan of the same loads
    assert h_obj <= 1.10 * m_obj + 1e-6, (h_obj, m_obj)  # and the heuristic is close to it
    p = plan(net, truck_type=truck, method="milp", time_limit_s=20)
    assert p.method == "milp" and p.objective == pytest.approx(m_obj, rel=1e-6)
    assert check_plan(net, p) == []


def test_cutoff_that_cannot_be_made_is_reported():
    net = small(0)
    far = Flow(
        id="late", origin="FC", destination="D3", parcels=900, release_s=6 * H, cutoff_s=8 * H
    )
    net = net.replace(flows=[*net.model_dump()["flows"], far.model_dump()])
    p = plan(net, truck_type="diesel", time_limit_s=5)
    (u,) = p.unserved
    assert u.flow == "late" and u.parcels == 900
    assert "between release and cut-off" in u.reason
    assert p.kpis["parcels"] + p.kpis["parcels_unserved"] == net.num_parcels
    assert check_plan(net, p) == []


def test_battery_too_small_is_a_reason():
    hubs = (
        _hub("A", "fulfilment", 32.99, -97.32, chargers=1),
        _hub("B", "sort", 29.42, -98.49 - 6.0, chargers=1),  # ~800 km west
    )
    net = LinehaulNetwork(
        hubs=hubs,
        flows=(
            Flow(id="f", origin="A", destination="B", parcels=100, release_s=0, cutoff_s=40 * H),
        ),
    )
    p = plan(net, truck_type="electric", time_limit_s=2)
    assert p.unserved and "kWh" in p.unserved[0].reason
    assert plan(net, truck_type="diesel", time_limit_s=2).unserved == ()


@pytest.fixture(scope="module")
def example_plans():
    net = example_network()
    return net, {
        t: plan(net, truck_type=t, time_limit_s=2)
        for t in ("diesel", "electric", "driverless-electric")
    }


def test_example_plans_check_clean(example_plans):
    net, plans = example_plans
    assert len(net.hubs) == 24 and net.num_parcels > 100_000
    for t, p in plans.items():
        assert check_plan(net, p) == [], t
        k = p.kpis
        for key in (
            "trucks",
            "drivers",
            "distance_m",
            "energy_kwh",
            "fuel_l",
            "cost_total",
            "cost_per_parcel",
            "co2_kg",
            "co2_per_parcel_kg",
            "parcels",
        ):
            assert key in k
        assert set(p.cost_breakdown) >= {
            "driver",
            "energy",
            "maintenance",
            "capital",
            "supervision",
        }
        assert k["cost_total"] == pytest.approx(sum(p.cost_breakdown.values()))
    d, e, x = plans["diesel"], plans["electric"], plans["driverless-electric"]
    assert d.kpis["fuel_l"] > 0 and d.kpis["energy_kwh"] == 0
    assert e.kpis["fuel_l"] == 0 and e.kpis["energy_kwh"] > 0 and e.kpis["charging_sessions"] > 0
    assert e.kpis["co2_per_parcel_kg"] < d.kpis["co2_per_parcel_kg"]
    assert (
        x.kpis["trucks_by_fleet"].get("driverless", 0) > 0 and x.cost_breakdown["supervision"] > 0
    )
    # driverless trucks only run between transfer hubs
    kinds = {h.id: h.kind for h in net.hubs}
    for t in x.trips:
        if t.fleet == "driverless":
            assert kinds[t.origin] == kinds[t.destination] == "transfer"


def test_prices_change_the_cost(example_plans):
    net, plans = example_plans
    base = plans["diesel"]
    dear = plan(net, truck_type="diesel", diesel_price_per_l=2.0, time_limit_s=2)
    assert dear.cost_breakdown["energy"] > base.cost_breakdown["energy"] * 1.5
    cold = plan(net, truck_type="electric", ambient_temp_c=-10, time_limit_s=2)
    assert cold.kpis["energy_kwh"] > plans["electric"].kpis["energy_kwh"] * 1.1


def test_json_round_trip(example_plans):
    net, plans = example_plans
    p = plans["electric"]
    assert LinehaulPlan.from_json(p.to_json()) == p
    assert LinehaulNetwork.from_json(net.to_json()) == net
    json.loads(p.to_json())


def test_cli_example_out_and_compare(tmp_path, capsys):
    assert main(["linehaul", "--example", "--out", str(tmp_path), "--time-limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "USD/parc" in out and "violation" not in out
    page = (tmp_path / "gantt.html").read_text()
    assert "<svg" in page and "<script" not in page and "src=" not in page
    sched = json.loads((tmp_path / "schedule.json").read_text())
    assert sched["kpis"]["trucks"] > 0
    net_file = tmp_path / "network.json"
    assert main(["linehaul", str(net_file), "--time-limit", "1", "--truck-type", "electric"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("bad_cutoff.json", "voltroute: error: flows.0.cutoff_s: must be after release_s"),
        ("unknown_hub.json", "voltroute: error: flows.0.destination: unknown hub 'C'"),
        ("missing.json", "file not found"),
    ],
)
def test_cli_bad_network_one_line_exit_2(data_dir, capsys, name, expect):
    rc = main(["linehaul", str(data_dir / "linehaul" / name)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and expect in err


def test_milp_runs_after_a_depot_charging_plan_in_the_same_process(data_dir):
    """HiGHS keeps one thread scheduler per process, made by the first model that runs; a later
    model asking for another thread count does not run (status "Not Set"). A worker that plans
    depot charging and then a linehaul network must get both (a fresh process, so that other
    tests' models do not decide the scheduler)."""
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from voltroute.charging import DepotChargingProblem, plan_depot_charging\n"
        "from voltroute.linehaul import example_network, plan\n"
        "cp = DepotChargingProblem.model_validate(json.loads(Path(sys.argv[1]).read_text()))\n"
        "print(plan_depot_charging(cp, time_limit_s=5).status)\n"
        "print(plan(example_network(), truck_type='electric', method='milp', time_limit_s=3).method)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(data_dir / "charging" / "small.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[-2:] == ["optimal", "milp"]  # (after HiGHS's banner)
