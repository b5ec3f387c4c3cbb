"""The preset catalogue: every parameter sourced, presets build valid VehicleTypes, overrides merge."""

from __future__ import annotations

import json

import pytest

from voltroute.energy import (
    PRESETS,
    capital_cost_per_day,
    describe_sources,
    preset_fields,
    preset_names,
    vehicle_type_from_preset,
)
from voltroute.model import Body, ProblemError

EXPECTED = {
    "rivian-edv",
    "ford-e-transit",
    "mercedes-esprinter",
    "diesel-step-van",
    "diesel-cargo-van",
}


def test_expected_presets_exist():
    assert set(preset_names()) == EXPECTED
    assert preset_names() == sorted(PRESETS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_builds_a_valid_vehicle_type(name):
    vt = vehicle_type_from_preset(name, id="v1", start_depot="hub", count=3)
    assert vt.preset == name and vt.count == 3 and vt.start_depot == "hub"
    assert vt.body is not None and vt.powertrain is not None
    assert vt.is_electric == (name not in {"diesel-step-van", "diesel-cargo-van"})
    assert vt.capacity_kg > 0 and vt.capacity_m3 > 0
    assert vt.fixed_cost_per_day > 0 and vt.driver_cost_per_hour > 0 and vt.cost_per_km > 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_fields_are_plain_json_without_identity(name):
    fields = preset_fields(name)
    json.dumps(fields)  # plain JSON types only
    assert not {"id", "count", "start_depot"} & set(fields)
    assert set(fields) == {
        "name",
        "preset",
        "capacity_kg",
        "capacity_m3",
        "max_shift_duration_s",
        "fixed_cost_per_day",
        "driver_cost_per_hour",
        "cost_per_km",
        "body",
        "powertrain",
    }
    fields["body"]["empty_mass_kg"] = -1  # a copy: the catalogue is untouched
    assert preset_fields(name)["body"]["empty_mass_kg"] > 0


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_parameter_has_a_source(name):
    fields = preset_fields(name)
    sources = describe_sources(name)
    paths = [k for k in fields if k not in ("body", "powertrain", "name", "preset")]
    paths += [f"body.{k}" for k in fields["body"]]
    paths += [f"powertrain.{k}" for k in fields["powertrain"] if k != "kind"]
    paths += [f"capital.{k}" for k in PRESETS[name].capital]
    paths += ["driver.wage_per_hour", "driver.benefits_loading", "driver.mass_kg"]
    for path in paths:
        assert len(sources.get(path, "").strip()) > 10, f"{name}: {path} has no source"


def test_every_data_file_entry_has_a_source():
    """Catch entries the loader does not read into fields: the raw file must be sourced too."""
    import tomllib
    from importlib import resources

    text = resources.files("voltroute.energy").joinpath("data", "vehicles.toml").read_text()

    def walk(node, path):
        if isinstance(node, dict) and "value" in node:
            assert str(node.get("source", "")).strip(), path
        elif isinstance(node, dict):
            for k, v in node.items():
                if k not in ("name", "kind"):
                    walk(v, f"{path}.{k}")

    walk(tomllib.loads(text), "")


def test_fixed_cost_comes_from_capital_recovery():
    p = PRESETS["ford-e-transit"]
    assert p.fields["fixed_cost_per_day"] == pytest.approx(
        capital_cost_per_day(**p.capital), abs=0.01
    )
    assert p.fields["driver_cost_per_hour"] == pytest.approx(18.52 * 1.4208, abs=0.01)


def test_unknown_preset_names_the_field():
    with pytest.raises(ProblemError) as err:
        preset_fields("tesla-semi")
    assert err.value.field == "preset"
    assert "unknown preset 'tesla-semi'" in str(err.value)
    assert "ford-e-transit" in str(err.value)
    with pytest.raises(ProblemError, match="^preset: unknown preset"):
        vehicle_type_from_preset("x", id="v", start_depot="d")
    with pytest.raises(ProblemError):
        describe_sources("x")


def test_overrides_merge_field_by_field():
    vt = vehicle_type_from_preset(
        "ford-e-transit",
        id="v",
        start_depot="d",
        capacity_kg=1000,
        body={"drag_area_m2": 1.2},
        powertrain={"aux_power_w": 500.0},
    )
    base = preset_fields("ford-e-transit")
    assert vt.capacity_kg == 1000
    assert vt.body.drag_area_m2 == 1.2
    assert vt.body.empty_mass_kg == base["body"]["empty_mass_kg"]
    assert vt.powertrain.aux_power_w == 500.0
    assert vt.powertrain.battery_usable_kwh == base["powertrain"]["battery_usable_kwh"]
    vt2 = vehicle_type_from_preset(
        "ford-e-transit", id="v", start_depot="d", body=Body(empty_mass_kg=3000, drag_area_m2=1.0)
    )
    assert vt2.body.empty_mass_kg == 3000 and vt2.body.rolling_resistance == 0.009


def test_powertrain_override_of_another_kind_replaces_it():
    vt = vehicle_type_from_preset(
        "ford-e-transit", id="v", start_depot="d", powertrain={"kind": "diesel"}
    )
    assert vt.is_diesel


def test_bad_override_is_a_problem_error_naming_the_field():
    with pytest.raises(ProblemError) as err:
        vehicle_type_from_preset(
            "ford-e-transit", id="v", start_depot="d", body={"drag_area_m2": -1}
        )
    assert err.value.field == "body.drag_area_m2"
