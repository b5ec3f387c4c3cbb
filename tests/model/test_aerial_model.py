"""Drone and robot fleets in the native problem format: presets, validation, compatibility."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voltroute.energy.aerial import AERIAL_PRESETS, drone_spec_from_preset
from voltroute.io.native import (
    dump_problem,
    load_problem,
    problem_from_dict,
    solution_from_dict,
    solution_to_dict,
)
from voltroute.model import ProblemError, Solution, Sortie

DATA = Path(__file__).resolve().parents[1] / "data"
AERIAL = DATA / "aerial"


def test_presets_have_sources_and_valid_specs() -> None:
    assert {"prime-air-mk27-2", "zipline-p2", "starship-robot"} <= set(AERIAL_PRESETS)
    for preset in AERIAL_PRESETS.values():
        assert set(preset.fields) == set(preset.sources)
        assert all(len(src) > 10 for src in preset.sources.values())
    mk27 = drone_spec_from_preset("prime-air-mk27-2")
    assert mk27.max_payload_kg == pytest.approx(2.27)  # 5 lb
    robot = AERIAL_PRESETS["starship-robot"].fields
    assert robot["speed_kph"] == 6.0 and robot["capacity_kg"] == pytest.approx(9.07)


def test_fleet_preset_fills_spec_and_overrides_merge() -> None:
    problem = load_problem(AERIAL / "hub_drones.json")
    fleet = problem.drones[0]
    assert fleet.spec.max_payload_kg == pytest.approx(3.63)  # from zipline-p2
    assert fleet.spec.cost_per_hour == 0  # the file's override
    assert fleet.unit_names() == ["dp-1", "dp-2"]
    assert problem.stop_by_id["c"].no_fly and not problem.stop_by_id["e"].drone_opt_in
    assert not problem.stop_by_id["f"].parcels[0].drone_ok


def test_existing_problems_load_and_dump_unchanged() -> None:
    raw = json.loads((DATA / "small_problem.json").read_text())
    problem = problem_from_dict(raw)
    assert problem.drones == () and problem.robots == ()
    dumped = json.loads(dump_problem(problem))
    assert "drones" not in dumped and "robots" not in dumped
    for stop in dumped["stops"]:
        assert not {"drone_opt_in", "no_fly", "robot_access"} & set(stop)
        for parcel in stop["parcels"]:
            assert not {"drone_ok", "robot_ok"} & set(parcel)
    assert problem_from_dict(dumped) == problem
    assert "sorties" not in solution_to_dict(Solution())


def test_round_trip_keeps_light_fleets_and_flags() -> None:
    problem = load_problem(AERIAL / "hub_drones.json")
    again = problem_from_dict(json.loads(dump_problem(problem)))
    assert again == problem


@pytest.mark.parametrize(
    ("name", "field", "words"),
    [
        ("bad_hub.json", "drones.0.hub", "unknown depot"),
        ("bad_preset.json", "robots.0.preset", "unknown robot preset"),
        ("bad_spec.json", "drones.0.spec.battery_wh", "greater than 0"),
        ("bad_base.json", "drones.0", "hub is required"),
        ("bad_carrier.json", "robots.0.carried_by", "unknown vehicle type"),
    ],
)
def test_malformed_fleets_give_one_line_errors(name: str, field: str, words: str) -> None:
    with pytest.raises(ProblemError) as err:
        load_problem(AERIAL / name)
    assert err.value.field == field
    assert words in err.value.rule
    assert "\n" not in str(err.value)


def test_malformed_sortie_is_rejected() -> None:
    with pytest.raises(ProblemError) as err:
        solution_from_dict(json.loads((AERIAL / "bad_sortie.json").read_text()))
    assert err.value.field.startswith("sorties.0.kind")


def test_sortie_round_trips() -> None:
    s = Sortie(kind="drone", fleet="dp", unit="dp-1", stop="a", launch_at="D", recover_at="D")
    sol = Solution(sorties=(s,))
    assert solution_from_dict(solution_to_dict(sol)) == sol
