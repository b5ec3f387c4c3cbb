"""Study files: validation (one line naming the field), grid expansion, link-task sharing."""

from __future__ import annotations

from pathlib import Path

import pytest

from voltroute.model import ProblemError
from voltroute.study import expand, load_study, parse_study
from voltroute.study.grid import link_tasks
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
