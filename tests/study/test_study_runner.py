"""The study runner on Dask (local cluster of 2 worker processes), its cache and its outputs."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from voltroute.study import load_study, parse_study, run_study
from voltroute.study.fleets import FLEETS, LastMileFleet, plan_vans
from voltroute.study.report import render_report, tornado_data
from voltroute.study.results import write_csv, write_parquet

SMALL = Path(__file__).resolve().parents[1] / "data" / "small_problem.json"
# iterations bind (not time): the plans are reproducible, so a direct plan can be compared
LAST_MILE = {"problem": str(SMALL), "time_limit_s": 30.0, "max_iterations": 150, "seed": 0}


def _data(**sens):
    return {
        "study": {"name": "t"},
        "last_mile": {
            **LAST_MILE,
            "fleets": ["diesel vans", "electric vans", "future vans", "broken vans"],
        },
        "linehaul": {"truck_types": []},
        "sensitivities": sens,
    }


FUTURE = LastMileFleet(
    key="future-vans", label="future vans", unavailable="not available yet: no planner"
)


@pytest.fixture()
def broken_fleet(monkeypatch):
    """A fleet whose planner raises an unexpected error (an invalid fleet kind), and a fleet
    declared without a planner."""
    fleet = LastMileFleet(
        key="broken-vans", label="broken vans", plan=functools.partial(plan_vans, kind="hydrogen")
    )
    monkeypatch.setitem(FLEETS, "broken-vans", fleet)
    monkeypatch.setitem(FLEETS, "future-vans", FUTURE)
    return fleet


@pytest.fixture(scope="module")
def scheduler():
    """An already running Dask scheduler with 2 worker processes (as with --scheduler)."""
    from dask.distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A grid with failures, run on the default local cluster (2 processes) into a fresh cache."""
    mp = pytest.MonkeyPatch()
    mp.setitem(FLEETS, "future-vans", FUTURE)
    mp.setitem(
        FLEETS,
        "broken-vans",
        LastMileFleet(
            key="broken-vans",
            label="broken vans",
            plan=functools.partial(plan_vans, kind="hydrogen"),
        ),
    )
    cache = tmp_path_factory.mktemp("cache")
    spec = parse_study(_data(diesel_price_per_l=[1.3], ambient_temp_c=[-60.0]))
    calls = []
    run = run_study(spec, n_workers=2, cache_dir=cache, progress=lambda *a: calls.append(a))
    yield run, cache, calls
    mp.undo()


def test_grid_runs_and_failures_are_isolated(first_run):
    run, _, calls = first_run
    rows = {(r["last_mile"], r["varied"]): r for r in run.rows}
    assert len(run.rows) == 4 * 3
    assert run.workers == 2
    # tasks: diesel, electric and broken vans x 3 settings (future vans are declared, not run)
    assert run.tasks == 9 and run.computed == 9 and run.cached == 0
    assert calls[-1] == (9, 9, run.failed_tasks, 0)
    ok = [r for r in run.rows if r["status"] == "ok"]
    assert {(r["last_mile"], r["varied"]) for r in ok} == {
        (f, v) for f in ("diesel vans", "electric vans") for v in ("base", "diesel_price_per_l")
    }
    for r in ok:
        assert r["chain_cost_per_parcel"] == pytest.approx(r["lm_cost_per_parcel"])
        assert r["lm_parcels"] == 19 and r["lm_unassigned_parcels"] == 0
        comps = sum(v for k, v in r.items() if k.startswith("lm_cost_pp_"))
        assert comps == pytest.approx(r["lm_cost_per_parcel"])
    cold = rows[("electric vans", "ambient_temp_c")]
    assert cold["status"] == "failed"
    assert cold["error"].startswith("last_mile: conditions.ambient_temp_c:")
    assert "greater than or equal to -50" in cold["error"]
    future = rows[("future vans", "base")]
    assert future["status"] == "failed" and "not available yet" in future["error"]
    assert future["chain_cost_per_parcel"] is None
    broken = rows[("broken vans", "base")]
    assert broken["status"] == "failed" and broken["error"].startswith("last_mile: ValueError:")
    # a dearer diesel costs the diesel vans more and leaves electric vans' CO2 alone
    d0, d1 = rows[("diesel vans", "base")], rows[("diesel vans", "diesel_price_per_l")]
    assert d1["lm_cost_pp_energy"] > d0["lm_cost_pp_energy"]
    e0, e1 = rows[("electric vans", "base")], rows[("electric vans", "diesel_price_per_l")]
    assert e1["chain_co2_per_parcel_kg"] == pytest.approx(e0["chain_co2_per_parcel_kg"])


def test_results_are_the_planners_own(first_run, small_problem):
    """A row holds what the real planner gives for that scenario, planned directly here."""
    run, _, _ = first_run
    row = next(
        r
        for r in run.rows
        if r["last_mile"] == "diesel vans" and r["varied"] == "diesel_price_per_l"
    )
    direct = plan_vans(
        small_problem,
        kind="diesel",
        settings={"diesel_price_per_l": 1.3, "tariff": "flat"},
        time_limit_s=30.0,
        seed=0,
        max_iterations=150,
    )
    assert row["lm_cost_per_parcel"] == pytest.approx(direct["cost_per_parcel"], rel=1e-9)
    assert row["lm_co2_per_parcel_kg"] == pytest.approx(direct["co2_per_parcel_kg"], rel=1e-9)
    assert row["lm_km"] == pytest.approx(direct["distance_m"] / 1000)


def test_rerun_uses_the_cache(first_run, scheduler, broken_fleet):
    run1, cache, _ = first_run
    spec = parse_study(_data(diesel_price_per_l=[1.3], ambient_temp_c=[-60.0]))
    run2 = run_study(spec, scheduler=scheduler, cache_dir=cache)
    # the 4 successful tasks come from the cache; the 5 failed ones (2 at -60 °C, 3 broken) are
    # retried, and fail again
    assert run2.cached == 4 and run2.computed == 5 and run2.failed_tasks == 5
    for a, b in zip(run1.rows, run2.rows, strict=True):
        assert a["scenario_id"] == b["scenario_id"] and a["status"] == b["status"]
        assert a["chain_cost_per_parcel"] == b["chain_cost_per_parcel"]
        assert b["cached"] == (b["status"] == "ok")
    # a new sensitivity value: only its tasks are computed
    spec3 = parse_study(_data(diesel_price_per_l=[1.3, 0.7]))
    run3 = run_study(spec3, scheduler=scheduler, cache_dir=cache)
    assert run3.cached == 4 and run3.computed == 2 + 3  # 2 new + broken vans x 3
    # everything cached: nothing to compute, no cluster started
    spec4 = parse_study(
        {
            **_data(diesel_price_per_l=[1.3]),
            "last_mile": {**LAST_MILE, "fleets": ["diesel vans", "electric vans"]},
        }
    )
    run4 = run_study(spec4, scheduler="tcp://127.0.0.1:1", cache_dir=cache)
    assert run4.computed == 0 and run4.cached == 4 and run4.workers == 0


def test_outputs(first_run, tmp_path):
    run, _, _ = first_run
    write_csv(run.rows, tmp_path / "r.csv")
    write_parquet(run.rows, tmp_path / "r.parquet")
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.num_rows == len(run.rows)
    assert table.column("status").to_pylist() == [r["status"] for r in run.rows]
    costs = table.column("chain_cost_per_parcel").to_pylist()
    assert costs == [r["chain_cost_per_parcel"] for r in run.rows]
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert len(lines) == 1 + len(run.rows)
    assert lines[0].split(",")[:2] == ["scenario_id", "strategy"]
    page = render_report(run)
    assert page.count("<svg") >= 3 and "<script" not in page
    assert "not available yet" in page and "conditions.ambient_temp_c" in page
    base, bars = tornado_data(run.rows, "no linehaul | diesel vans")
    assert base == pytest.approx(
        next(
            r
            for r in run.rows
            if r["strategy"] == "no linehaul | diesel vans" and r["varied"] == "base"
        )["chain_cost_per_parcel"]
    )
    assert [b["name"] for b in bars] == ["diesel_price_per_l"]
    assert bars[0]["high"] > base and bars[0]["high_at"] == 1.3


def test_cli(first_run, tmp_path, capsys):
    from voltroute.cli.main import main

    _, cache, _ = first_run
    study = tmp_path / "s.toml"
    study.write_text(
        f"[study]\nname = 'cli'\n[last_mile]\nproblem = '{SMALL}'\nfleets = ['diesel vans', 'electric vans']\n"
        "time_limit_s = 30\nmax_iterations = 150\n[linehaul]\ntruck_types = []\n"
        "[sensitivities]\ndiesel_price_per_l = [1.3]\n"
    )
    out = tmp_path / "out"
    assert main(["study", str(study), "--out", str(out), "--cache", str(cache), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "4 scenarios (0 failed); 4 planner runs: 0 computed, 4 cached" in printed
    for name in ("results.csv", "results.parquet", "report.html"):
        assert (out / name).is_file()
    assert load_study(study).name == "cli"
    bad = tmp_path / "bad.toml"
    bad.write_text("[sensitivities]\ndiesel_price_per_l = [-1]\n")
    assert main(["study", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "voltroute: error: sensitivities.diesel_price_per_l.0: Input should be greater than or equal to 0"
    ]
    (tmp_path / "net.json").write_text('{"hubs": []')
    bad.write_text("[linehaul]\nnetwork = 'net.json'\n[last_mile]\nfleets = []\n")
    assert main(["study", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("voltroute: error: linehaul.network: not valid JSON")
    assert err[0].endswith(f"(in {tmp_path / 'net.json'})")


def test_whole_chain_with_the_middle_mile(scheduler, tmp_path):
    """Middle mile (voltroute.linehaul) and last mile in one study: the chain adds the links."""
    linehaul = pytest.importorskip("voltroute.linehaul")
    if not hasattr(linehaul, "plan") or not hasattr(linehaul, "example_network"):
        pytest.skip("voltroute.linehaul has no plan/example_network yet")
    from voltroute.study.links import plan_linehaul

    spec = parse_study(
        {
            "last_mile": {**LAST_MILE, "fleets": ["electric vans"]},
            "linehaul": {"truck_types": ["diesel", "electric"], "time_limit_s": 5},
            "sensitivities": {"diesel_price_per_l": [1.3], "tariff": ["time-of-use"]},
        }
    )
    run = run_study(spec, scheduler=scheduler, cache_dir=tmp_path)
    # 2 truck types x 3 settings; middle-mile tasks: 2 x 2 (the tariff is the vans' only)
    assert len(run.rows) == 6 and run.tasks == 4 + 3
    for r in run.rows:
        assert r["status"] in ("ok", "incomplete"), r["error"]
        assert r["chain_cost_per_parcel"] == pytest.approx(
            r["lh_cost_per_parcel"] + r["lm_cost_per_parcel"]
        )
        assert r["chain_co2_per_parcel_kg"] == pytest.approx(
            r["lh_co2_per_parcel_kg"] + r["lm_co2_per_parcel_kg"]
        )
        lh = sum(v for k, v in r.items() if k.startswith("lh_cost_pp_"))
        assert lh == pytest.approx(r["lh_cost_per_parcel"])
        assert r["lh_parcels"] > 0 and r["lh_trucks"] > 0
    rows = {(r["linehaul"], r["varied"]): r for r in run.rows}
    # the middle-mile figures are the planner's own for that scenario
    direct = plan_linehaul(
        truck_type="diesel", settings={"diesel_price_per_l": 1.3}, time_limit_s=5
    )
    assert rows[("diesel", "diesel_price_per_l")]["lh_cost_per_parcel"] == pytest.approx(
        direct["cost_per_parcel"], rel=1e-9
    )
    # dearer diesel: the diesel trucks' energy per parcel rises in proportion (same plan)
    d0, d1 = rows[("diesel", "base")], rows[("diesel", "diesel_price_per_l")]
    assert d1["lh_cost_pp_energy"] > d0["lh_cost_pp_energy"]
    # the tariff leaves the middle mile alone (the same, shared task)
    for t in ("diesel", "electric"):
        assert rows[(t, "tariff")]["lh_cost_per_parcel"] == rows[(t, "base")]["lh_cost_per_parcel"]
        assert rows[(t, "tariff")]["lm_cost_pp_demand_charge"] > 0


def test_drone_and_robot_fleets_run_on_the_cluster(scheduler, tmp_path):
    """The drone and robot fleets are planned by the aerial engine on the Dask workers; a failed
    scenario is reported without losing the others, and a re-run is served from the cache."""
    data = {
        "last_mile": {
            **LAST_MILE,
            "fleets": ["electric vans + drones", "electric vans + robots"],
        },
        "linehaul": {"truck_types": []},
        "sensitivities": {"electricity_price_per_kwh": [0.3], "ambient_temp_c": [-60.0]},
    }
    run = run_study(parse_study(data), scheduler=scheduler, cache_dir=tmp_path)
    assert len(run.rows) == 6 and run.computed == 6 and run.failed_tasks == 2
    rows = {(r["last_mile"], r["varied"]): r for r in run.rows}
    for fleet in ("electric vans + drones", "electric vans + robots"):
        cold = rows.pop((fleet, "ambient_temp_c"))
        assert cold["status"] == "failed" and cold["chain_cost_per_parcel"] is None
        assert cold["error"].startswith("last_mile: conditions.ambient_temp_c:")
    for r in rows.values():
        assert r["status"] == "ok", r["error"]
        assert r["lm_parcels"] == 19 and r["lm_unassigned_parcels"] == 0
        assert "drone flights" in r["notes"] and "robot trips" in r["notes"]
        comps = sum(v for k, v in r.items() if k.startswith("lm_cost_pp_"))
        assert comps == pytest.approx(r["lm_cost_per_parcel"])
        assert r["chain_cost_per_parcel"] == r["lm_cost_per_parcel"] > 0
    for fleet in ("electric vans + drones", "electric vans + robots"):
        base, dear = rows[(fleet, "base")], rows[(fleet, "electricity_price_per_kwh")]
        assert dear["lm_cost_pp_energy"] > base["lm_cost_pp_energy"]
    # a re-run without the failing value is served whole from the cache: no cluster is started
    # (the scheduler address is unreachable), and the rows are the first run's
    del data["sensitivities"]["ambient_temp_c"]
    again = run_study(parse_study(data), scheduler="tcp://127.0.0.1:1", cache_dir=tmp_path)
    assert again.computed == 0 and again.cached == 4 and again.workers == 0
    for r in again.rows:
        assert r["cached"] and r == {**rows[(r["last_mile"], r["varied"])], "cached": True}


NETWORK = Path(__file__).resolve().parents[1] / "data" / "study" / "ohio-network.json"


def _lh_study(network, *, seed=3, trucks=("diesel", "electric")):
    return parse_study(
        {
            "last_mile": {"fleets": []},
            "linehaul": {
                "truck_types": list(trucks),
                "network": str(network),
                "time_limit_s": 20,
                "seed": seed,
            },
        }
    )


def test_middle_mile_network_file_seed_and_cache(scheduler, tmp_path):
    """A study's own network file is planned with the study's seed; the cache key follows the
    network's content (not its path) and the seed."""
    from voltroute.linehaul import read_network
    from voltroute.study.links import plan_linehaul

    cache = tmp_path / "cache"
    run = run_study(_lh_study(NETWORK), scheduler=scheduler, cache_dir=cache)
    assert run.network_name == "ohio-small" and run.computed == 2
    assert "ohio-small network" in render_report(run)
    net = read_network(NETWORK)
    for r in run.rows:
        assert r["status"] == "ok", (r["error"], r["notes"])
        assert r["lh_search_complete"] is True and r["lh_parcels"] == net.num_parcels
        # the planner's own figures, reproduced by a direct plan with the same seed
        direct = plan_linehaul(
            truck_type=r["linehaul"], settings={}, time_limit_s=20, network=net, seed=3
        )
        assert direct["search_complete"] and direct["seed"] == 3
        assert r["lh_cost_per_parcel"] == pytest.approx(direct["cost_per_parcel"], rel=1e-9)
        assert r["chain_co2_per_parcel_kg"] == pytest.approx(direct["co2_per_parcel_kg"], rel=1e-9)
    # the same content at another path: every task comes from the cache (no cluster)
    copy = tmp_path / "copy.json"
    copy.write_text(NETWORK.read_text())
    dead = "tcp://127.0.0.1:1"
    again = run_study(_lh_study(copy), scheduler=dead, cache_dir=cache)
    assert again.computed == 0 and again.cached == 2
    assert [r["lh_cost_per_parcel"] for r in again.rows] == [
        r["lh_cost_per_parcel"] for r in run.rows
    ]
    # another seed, or another network content, is a new task
    other_seed = link_keys(_lh_study(NETWORK, seed=4))
    assert not other_seed & link_keys(_lh_study(NETWORK))
    copy.write_text(NETWORK.read_text().replace('"parcels": 1500', '"parcels": 1600'))
    changed = run_study(_lh_study(copy, trucks=("diesel",)), scheduler=scheduler, cache_dir=cache)
    assert changed.computed == 1 and changed.cached == 0
    assert changed.rows[0]["lh_parcels"] == net.num_parcels + 100


def link_keys(spec):
    """The cache keys of a study's link tasks, as run_study computes them."""
    from voltroute.study.cache import code_version
    from voltroute.study.grid import expand, link_tasks
    from voltroute.study.orders import load_network, network_digest
    from voltroute.study.runner import _task_inputs

    lh, lm = _task_inputs(spec, None, network_digest(load_network(spec)), code_version())
    return {
        t.key
        for s in expand(spec)
        for t in link_tasks(s, linehaul_inputs=lh, last_mile_inputs=lm).values()
    }


def test_middle_mile_notes_say_when_the_search_was_cut_short():
    """Driverless flows sent direct, and a search stopped by its limit, are noted in the row."""
    from voltroute.study.links import plan_linehaul

    out = plan_linehaul(
        truck_type="driverless-electric", settings={}, time_limit_s=1.0, network=str(NETWORK)
    )
    assert out["network"] == "ohio-small" and out["parcels"] > 0
    # cmh-day cannot make its cut-off through the transfer hubs: it goes direct (not unserved)
    assert out["flows_direct"] == 1 and out["parcels_unserved"] == 0
    assert any("go direct with a human-driven tractor" in n for n in out["notes"])
    # the MILP does not prove this plan optimal within 1 s: the row says it may vary by run
    stopped = any("the search stopped at its 1 s limit" in n for n in out["notes"])
    assert stopped == (not out["search_complete"])
    assert not out["search_complete"]
