"""Plans respect docks, chargers and the battery reserve (or report flows unserved with the
reason), driverless fallbacks, determinism, reading networks and the demo section."""

from __future__ import annotations

import json

import pytest

from voltroute.cli.main import main
from voltroute.linehaul import (
    COMPARE_TYPES,
    Flow,
    Hub,
    LinehaulNetwork,
    check_plan,
    demo_section,
    example_network,
    plan,
    read_network,
)
from voltroute.linehaul.core import drive_s, resolve_settings, road_m
from voltroute.linehaul.examples import scaled_example_network
from voltroute.model.errors import ProblemError
from voltroute.model.problem import Location

H = 3600


def _hub(i, kind, lat, lon, **kw):
    return Hub(id=i, kind=kind, location=Location(lat=lat, lon=lon), **kw)


def _accounted(net: LinehaulNetwork, p) -> None:
    """Every parcel is carried or reported unserved with a reason."""
    assert p.kpis["parcels"] + p.kpis["parcels_unserved"] == net.num_parcels
    assert all(u.reason for u in p.unserved)


@pytest.mark.parametrize("truck", ["electric", "driverless-electric"])
def test_scaled_network_plans_check_clean(truck):
    # x2: the size on which the planner used to return dock overloads and a driverless
    # battery-reserve breach that only the checker found
    net = scaled_example_network(2)
    assert len(net.hubs) == 38 and len(net.flows) == 76
    p = plan(net, truck_type=truck, time_limit_s=30)
    assert p.kpis["search_complete"]
    assert check_plan(net, p) == []
    assert p.violations == () and p.feasible
    _accounted(net, p)
    assert p.kpis["parcels_unserved"] == 0


def test_checker_catches_a_battery_breach():
    # the battery check can fail: without its charging sessions an electric plan breaks it
    net = example_network()
    p = plan(net, truck_type="electric", time_limit_s=5)
    assert check_plan(net, p) == []
    broken = p.model_copy(update={"charges": ()})
    assert any("battery below reserve" in v for v in check_plan(net, broken))


def _shuttle(chargers: int, power_kw: float, dlat: float) -> LinehaulNetwork:
    """A -> B and B -> A loads every 2 h; only A has chargers."""
    hubs = (
        _hub("A", "sort", 32.0, -97.0, chargers=chargers, charger_power_kw=power_kw, docks=6),
        _hub("B", "sort", 32.0 + dlat, -97.0, docks=6),
    )
    flows = []
    for h in range(0, 24, 2):
        for o, d in (("A", "B"), ("B", "A")):
            flows.append(
                Flow(
                    id=f"{o}{d}{h}",
                    origin=o,
                    destination=d,
                    parcels=3000,
                    release_s=h * H,
                    cutoff_s=h * H + 5 * H,
                )
            )
    return LinehaulNetwork(name="shuttle", hubs=hubs, flows=tuple(flows))


def test_busy_charger_is_repaired_by_waiting_a_day():
    net = _shuttle(1, 500.0, 1.3)
    p = plan(net, truck_type="electric", method="heuristic", time_limit_s=10)
    assert p.kpis["charger_repairs"] > 0  # some sessions first found the charger busy
    assert p.kpis["parcels_unserved"] == 0
    assert check_plan(net, p) == [] and p.violations == ()


def test_overloaded_charger_leaves_loads_unserved_with_the_reason():
    # 24 sessions of about 67 min a day on one 350 kW charger: more than 24 h of charging
    net = _shuttle(1, 350.0, 1.5)
    p = plan(net, truck_type="electric", method="heuristic", time_limit_s=10)
    assert check_plan(net, p) == [] and p.violations == ()
    _accounted(net, p)
    assert p.kpis["parcels_unserved"] > 0
    assert all("chargers of A" in u.reason for u in p.unserved)
    busy_h = sum(c.end_s - c.start_s for c in p.charges) / H
    assert busy_h <= 24.0


def test_too_few_docks_leave_loads_unserved_with_the_reason():
    a = _hub("A", "sort", 32.0, -97.0, docks=1)
    b = _hub("B", "delivery", 32.5, -97.0, docks=4)
    net = LinehaulNetwork(hubs=(a, b), flows=(_f("x", 0, 1),))
    s = resolve_settings(net, truck_type_name="diesel")
    trip_s = drive_s(road_m(a, b, s), s)
    # one 15-minute departure slot fits each load's window; A has one dock: one load per slot
    cutoff = 6 * H + 2 * s.dwell_s + int(trip_s) + 300
    flows = tuple(_f(f"f{k}", 6 * H, cutoff) for k in range(3))
    net = LinehaulNetwork(name="docks", hubs=(a, b), flows=flows)
    p = plan(net, truck_type="diesel", time_limit_s=10)
    assert check_plan(net, p) == [] and p.violations == ()
    _accounted(net, p)
    assert p.kpis["trips"] == 1  # one trailer gets through the dock, the others cannot
    assert p.kpis["parcels_unserved"] == 9000 - p.kpis["parcels"] > 5000
    assert all("docks of A" in u.reason for u in p.unserved)


def _f(fid: str, release: int, cutoff: int) -> Flow:
    return Flow(
        id=fid, origin="A", destination="B", parcels=3000, release_s=release, cutoff_s=cutoff
    )


def test_driverless_chain_misses_a_cutoff_by_arithmetic_and_goes_direct():
    net = example_network()
    fid = "FC-FTW>SC-SAT/b"
    p_strict = plan(net, truck_type="driverless-electric", direct_fallback=False, time_limit_s=5)
    (u,) = p_strict.unserved
    assert u.flow == fid and u.parcels == 1250
    # by hand: FC-FTW -> TX-DAL -> TX-SAT -> SC-SAT, a hook and a drop (30 min each) per leg
    s = resolve_settings(net, truck_type_name="driverless-electric")
    hubs = {h.id: h for h in net.hubs}
    legs = [("FC-FTW", "TX-DAL"), ("TX-DAL", "TX-SAT"), ("TX-SAT", "SC-SAT")]
    drive_h = sum(drive_s(road_m(hubs[o], hubs[d], s), s) for o, d in legs) / H
    assert drive_h == pytest.approx(6.34, abs=0.01)
    need_h = drive_h + len(legs) * 2 * 0.5
    assert need_h > 9.0  # released 21:00, due 06:00
    assert f"{need_h:.1f} h" in u.reason
    direct_h = drive_s(road_m(hubs["FC-FTW"], hubs["SC-SAT"], s), s) / H + 1.0
    assert direct_h < 9.0  # one human-driven tractor direct makes it
    p = plan(net, truck_type="driverless-electric", time_limit_s=5)
    assert p.unserved == () and p.kpis["flows_direct"] == 1
    assert fid in p.notes[0] and "human-driven" in p.notes[0]
    direct = [t for t in p.trips if t.loaded and fid in {x.flow for x in t.pieces}]
    assert [(t.origin, t.destination, t.fleet) for t in direct] == [("FC-FTW", "SC-SAT", "drayage")]
    assert check_plan(net, p) == []


def test_plan_is_deterministic_for_a_seed():
    net = scaled_example_network(1)

    def strip(p):
        d = json.loads(p.to_json())
        d.pop("solve_time_s")
        return d

    a = plan(net, truck_type="diesel", seed=3, time_limit_s=30)
    b = plan(net, truck_type="diesel", seed=3, time_limit_s=30)
    assert a.kpis["search_complete"] and strip(a) == strip(b)


def test_read_network_and_cli_on_a_user_file(data_dir, tmp_path, capsys):
    path = data_dir / "linehaul" / "two_hubs.json"
    net = read_network(path)
    assert [h.id for h in net.hubs] == ["A", "B"]
    assert LinehaulNetwork.from_json(path.read_text()) == net
    rc = main(["linehaul", str(path), "--truck-type", "electric", "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "electric" in out and "violation" not in out
    sched = json.loads((tmp_path / "schedule.json").read_text())
    assert sched["kpis"]["parcels"] == 3400


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("not_json.json", "not valid JSON"),
        ("bad_kind.json", "hubs.0.kind"),
        ("unknown_hub.json", "flows.0.destination"),
    ],
)
def test_bad_network_file_one_line(data_dir, capsys, name, field):
    with pytest.raises(ProblemError) as exc:
        read_network(data_dir / "linehaul" / name)
    assert field in str(exc.value) and "\n" not in str(exc.value)
    assert main(["linehaul", str(data_dir / "linehaul" / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and field in err


def test_demo_section_plans_each_truck_type(tmp_path):
    summary = demo_section(tmp_path / "lh", time_limit_s=5)
    assert [r["truck_type"] for r in summary["rows"]] == list(COMPARE_TYPES)
    assert summary["parcels"] == example_network().num_parcels
    for row in summary["rows"]:
        assert row["violations"] == 0
        assert row["parcels"] + row["parcels_unserved"] == summary["parcels"]
        assert row["cost_per_parcel"] > 0 and row["trucks"] > 0
        page = (tmp_path / "lh" / summary["files"][row["truck_type"]]).read_text()
        assert "<svg" in page and "<script" not in page
    by = {r["truck_type"]: r for r in summary["rows"]}
    assert by["diesel"]["litres"] > 0 and by["diesel"]["kwh"] == 0
    assert by["electric"]["kwh"] > 0 and by["electric"]["litres"] == 0
    assert by["diesel-team"]["drivers"] > by["diesel"]["drivers"]
    saved = json.loads((tmp_path / "lh" / "comparison.json").read_text())
    assert saved["rows"] == summary["rows"]
