"""Study files: validation (one line naming the field), grid expansion, link-task sharing."""

from __future__ import annotations

from pathlib import Path

import pytest

from voltroute.model import ProblemError
from voltroute.study import expand, load_study, parse_study
from voltroute.study.fleets import FLEETS
from voltroute.study.grid import link_tasks
from voltroute.study.orders import load_network, network_digest
from voltroute.study.spec import fleet_key

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "voltroute"
    / "study"
    / "examples"
    / "study-small.toml"
)
SMALL = Path(__file__).resolve().parents[1] / "data" / "small_problem.json"
NETWORK = Path(__file__).resolve().parents[1] / "data" / "study" / "ohio-network.json"


def _spec(**tables):
    data = {
        "last_mile": {"problem": str(SMALL), "fleets": ["diesel vans"]},
        "linehaul": {"truck_types": []},
    }
    for k, v in tables.items():
        data[k] = {**data.get(k, {}), **v} if isinstance(v, dict) else v
    return parse_study(data)


def test_example_study_parses_and_expands():
    spec = load_study(EXAMPLE)
    assert spec.name == "small"
    assert spec.last_mile.fleets == (
        "diesel-vans",
        "electric-vans",
        "electric-vans+drones",
        "electric-vans+robots",
    )
    scenarios = expand(spec)
    # 3 truck types x 4 fleets x (base + 2 + 2 + 1 + 2 + 2 one-at-a-time values)
    assert len(scenarios) == 3 * 4 * 10
    assert len({s.id for s in scenarios}) == len(scenarios)
    base = [s for s in scenarios if s.is_base]
    assert len(base) == 12
    assert all(dict(s.settings)["tariff"] == "flat" for s in base)
    # every fleet of the example has a real planner (drones and robots: the aerial engine)
    assert all(FLEETS[f].available for f in spec.last_mile.fleets)
    lh, lm = set(), set()
    for s in scenarios:
        t = link_tasks(s, linehaul_inputs={}, last_mile_inputs={})
        lh.add(t["linehaul"].key)
        lm.add(t["last_mile"].key)
    # 3 truck types x 9 settings (the tariff is the vans' only); 4 fleets x 10 settings
    assert (len(lh), len(lm)) == (27, 40)
    assert spec.network_path() is None and spec.linehaul.seed == 0


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"study": {"nme": "x"}}, "study.nme", "is not a known field"),
        (
            {"sensitivities": {"diesel_price_per_l": [1.0, -0.5]}},
            "sensitivities.diesel_price_per_l.1",
            "greater than or equal to 0",
        ),
        (
            {"sensitivities": {"tariff": ["night"]}},
            "sensitivities.tariff.0",
            "'flat' or 'time-of-use'",
        ),
        (
            {"sensitivities": {"ambient_temp_c": ["cold"]}},
            "sensitivities.ambient_temp_c.0",
            "valid number",
        ),
        (
            {"linehaul": {"truck_types": ["hydrogen"]}},
            "linehaul.truck_types.0",
            "'diesel', 'electric' or 'driverless-electric'",
        ),
        (
            {"linehaul": {"truck_types": ["diesel", "diesel"]}},
            "linehaul.truck_types",
            "must not repeat",
        ),
        ({"last_mile": {"fleets": ["cargo bikes"]}}, "last_mile.fleets", "unknown"),
        (
            {"last_mile": {"fleets": ["diesel vans", "Diesel  Vans"]}},
            "last_mile.fleets",
            "listed twice",
        ),
        ({"last_mile": {"time_limit_s": 0}}, "last_mile.time_limit_s", "greater than 0"),
        ({"last_mile": {"generated": {"stops": 10}}}, "last_mile", "exactly one order set"),
        ({"last_mile": {"problem": "nowhere.json"}}, "last_mile.problem", "file not found"),
        ({"study": {"design": "random"}}, "study.design", "'one-at-a-time' or 'full'"),
        ({"linehaul": {"network": "nowhere.json"}}, "linehaul.network", "file not found"),
        ({"linehaul": {"network": ""}}, "linehaul.network", "at least 1 character"),
        ({"linehaul": {"seed": -1}}, "linehaul.seed", "greater than or equal to 0"),
        ({"base": {"tariff": "flat", "wage": 3}}, "base.wage", "is not a known field"),
        (
            {"linehaul": {"truck_types": []}, "last_mile": {"fleets": []}},
            "last_mile.fleets",
            "at least one",
        ),
    ],
)
def test_validation_errors_name_the_field(data, field, rule):
    with pytest.raises(ProblemError) as exc:
        _spec(**data)
    assert exc.value.field == field
    assert rule in exc.value.rule
    assert "\n" not in str(exc.value)


def test_file_errors(tmp_path):
    with pytest.raises(ProblemError, match="study: file not found"):
        load_study(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname = 1\n")
    with pytest.raises(ProblemError, match="study: not valid TOML"):
        load_study(bad)
    # a problem path is resolved against the study file's folder
    (tmp_path / "p.json").write_text(SMALL.read_text())
    ok = tmp_path / "ok.toml"
    ok.write_text('[last_mile]\nproblem = "p.json"\n[linehaul]\ntruck_types = ["diesel"]\n')
    assert load_study(ok).problem_path() == tmp_path / "p.json"


def test_fleet_names_are_normalised():
    assert fleet_key("Electric vans + drones") == "electric-vans+drones"
    assert fleet_key(" diesel_vans ") == "diesel-vans"
    assert fleet_key("electric-vans+robots") == "electric-vans+robots"


def test_one_at_a_time_skips_values_equal_to_the_base():
    spec = _spec(
        base={"diesel_price_per_l": 1.0},
        sensitivities={"diesel_price_per_l": [0.8, 1.0, 1.2], "tariff": ["flat", "time-of-use"]},
    )
    scenarios = expand(spec)
    varied = [(s.varied, dict(s.settings)) for s in scenarios]
    assert len(scenarios) == 1 + 2 + 1
    assert varied[0][0] == () and varied[0][1]["diesel_price_per_l"] == 1.0
    assert {v[1]["diesel_price_per_l"] for v in varied if v[0] == ("diesel_price_per_l",)} == {
        0.8,
        1.2,
    }
    tou = [v for v in varied if v[0] == ("tariff",)]
    assert len(tou) == 1 and tou[0][1]["tariff"] == "time-of-use"
    assert tou[0][1]["diesel_price_per_l"] == 1.0  # the other settings stay at the base


def test_full_design_is_the_product():
    spec = _spec(
        study={"design": "full"},
        sensitivities={"diesel_price_per_l": [0.8, 1.2], "ambient_temp_c": [-10, 0, 35]},
    )
    scenarios = expand(spec)
    assert len(scenarios) == 3 * 4  # (base + 2) x (base + 3)
    both = [s for s in scenarios if len(s.varied) == 2]
    assert len(both) == 6


def test_linehaul_tasks_are_shared_across_fleets_and_tariffs():
    spec = _spec(
        last_mile={"fleets": ["diesel vans", "electric vans"]},
        linehaul={"truck_types": ["diesel", "electric"]},
        sensitivities={"tariff": ["time-of-use"], "diesel_price_per_l": [1.2]},
    )
    scenarios = expand(spec)
    assert len(scenarios) == 2 * 2 * 3
    lh, lm = {}, {}
    for s in scenarios:
        t = link_tasks(s, linehaul_inputs={"code": "x"}, last_mile_inputs={"code": "x"})
        lh[t["linehaul"].key] = t["linehaul"]
        lm[t["last_mile"].key] = t["last_mile"]
    # middle mile: 2 truck types x 2 diesel prices (the tariff only shapes depot charging of vans)
    assert len(lh) == 4
    # last mile: 2 fleets x 3 settings
    assert len(lm) == 6
    # the key changes with the code version and the inputs
    s = scenarios[0]
    a = link_tasks(s, linehaul_inputs={"code": "x"}, last_mile_inputs={"code": "x"})["last_mile"]
    b = link_tasks(s, linehaul_inputs={"code": "y"}, last_mile_inputs={"code": "y"})["last_mile"]
    assert a.key != b.key


def test_linehaul_network_file(tmp_path):
    """A network file is resolved against the study file; a bad one is one line on the field."""
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "ohio.json").write_text(NETWORK.read_text())
    study = tmp_path / "s.toml"
    study.write_text(
        "[last_mile]\nfleets = []\n"
        '[linehaul]\ntruck_types = ["diesel"]\nnetwork = "nets/ohio.json"\nseed = 7\n'
    )
    spec = load_study(study)
    assert spec.network_path() == tmp_path / "nets" / "ohio.json"
    assert spec.linehaul.seed == 7
    net = load_network(spec)
    assert net.name == "ohio-small" and len(net.flows) == 3
    # the content hash: the same content elsewhere hashes the same, any change does not
    assert network_digest(net) == network_digest(load_network(parse_study(
        {"last_mile": {"fleets": []}, "linehaul": {"network": str(NETWORK)}}
    )))  # fmt: skip
    bigger = net.model_copy(update={"flows": (net.flows[0].model_copy(update={"parcels": 6001}),)})
    assert network_digest(bigger) != network_digest(net)

    def error(text: str) -> ProblemError:
        (tmp_path / "nets" / "bad.json").write_text(text)
        study.write_text(
            '[last_mile]\nfleets = []\n[linehaul]\ntruck_types = ["diesel"]\n'
            'network = "nets/bad.json"\n'
        )
        with pytest.raises(ProblemError) as exc:
            load_study(study)
        assert exc.value.field == "linehaul.network"
        assert "\n" not in str(exc.value) and str(tmp_path / "nets" / "bad.json") in exc.value.rule
        return exc.value

    assert error("{not json").rule.startswith("not valid JSON")
    assert error("[1, 2]").rule.startswith("must be a JSON object")
    # a flow to a hub the network does not have: the field inside the file is named
    bad = NETWORK.read_text().replace('"destination": "DS-DAY"', '"destination": "DS-XXX"')
    e = error(bad)
    assert e.rule.startswith("flows.2.destination: unknown hub 'DS-XXX'")
    e = error(NETWORK.read_text().replace('"parcels": 6000', '"parcels": 0'))
    assert e.rule.startswith("flows.0.parcels:") and "greater than or equal to 1" in e.rule
