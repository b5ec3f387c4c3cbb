"""Vehicle presets: sourced parameters of common delivery vans, ready to become a VehicleType.

The data live in ``data/vehicles.toml``; every number there carries a ``source``. Money per day is
derived: ``fixed_cost_per_day`` from the purchase price with
:func:`voltroute.energy.costs.capital_cost_per_day`, ``driver_cost_per_hour`` from the wage and
the benefits loading.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from voltroute.energy.costs import capital_cost_per_day
from voltroute.model import ProblemError, VehicleType, as_problem_error

__all__ = [
    "PRESETS",
    "Preset",
    "describe_sources",
    "preset_fields",
    "preset_names",
    "vehicle_type_from_preset",
]

_DATA_FILE = "vehicles.toml"
_SECTIONS = ("body", "powertrain")
_TOP_LEVEL = ("capacity_kg", "capacity_m3", "cost_per_km")
_CAPITAL = ("purchase_price", "residual_fraction", "lifetime_years")


@dataclass(frozen=True)
class Preset:
    """One catalogue entry: VehicleType field values and the source of every input behind them."""

    key: str
    name: str
    fields: Mapping[str, Any]
    sources: Mapping[str, str]
    capital: Mapping[str, float] = field(default_factory=dict)


def _value(entry: Any, where: str) -> tuple[Any, str]:
    if not isinstance(entry, dict) or "value" not in entry or not entry.get("source"):
        raise ValueError(f"{_DATA_FILE}: {where} needs {{value = ..., source = '...'}}")
    return entry["value"], str(entry["source"])


def _load(text: str) -> dict[str, Preset]:
    data = tomllib.loads(text)
    common = data.pop("common")
    driver = {k: _value(v, f"common.driver.{k}") for k, v in common["driver"].items()}
    capital_common = {k: _value(v, f"common.capital.{k}") for k, v in common["capital"].items()}
    wage, wage_src = driver["wage_per_hour"]
    loading, loading_src = driver["benefits_loading"]
    shift, shift_src = driver["max_shift_duration_s"]
    presets: dict[str, Preset] = {}
    for key, raw in data.items():
        sources: dict[str, str] = {}
        fields: dict[str, Any] = {"name": raw["name"], "preset": key}
        for name in _TOP_LEVEL:
            fields[name], sources[name] = _value(raw[name], f"{key}.{name}")
        for section in _SECTIONS:
            fields[section] = {}
            for name, entry in raw[section].items():
                fields[section][name], sources[f"{section}.{name}"] = _value(
                    entry, f"{key}.{section}.{name}"
                )
        fields["powertrain"] = {"kind": raw["kind"], **fields["powertrain"]}
        capital: dict[str, float] = {}
        for name in _CAPITAL:
            capital[name], sources[f"capital.{name}"] = _value(
                raw["capital"][name], f"{key}.capital.{name}"
            )
        for name, (value, src) in capital_common.items():
            capital[name] = value
            sources[f"capital.{name}"] = src
        fields["fixed_cost_per_day"] = round(capital_cost_per_day(**capital), 2)
        sources["fixed_cost_per_day"] = (
            "Capital recovery (voltroute.energy.costs.capital_cost_per_day) of "
            "capital.purchase_price over capital.lifetime_years at capital.interest_rate, net of "
            "the discounted capital.residual_fraction, spread over "
            "capital.operating_days_per_year; vehicle capital only (no insurance or registration)"
        )
        fields["driver_cost_per_hour"] = round(wage * loading, 2)
        sources["driver_cost_per_hour"] = f"wage {wage} x benefits loading {loading}"
        sources["driver.wage_per_hour"] = wage_src
        sources["driver.benefits_loading"] = loading_src
        fields["max_shift_duration_s"] = int(shift)
        sources["max_shift_duration_s"] = shift_src
        sources["driver.mass_kg"] = driver["mass_kg"][1]
        presets[key] = Preset(
            key=key,
            name=raw["name"],
            fields=MappingProxyType(fields),
            sources=MappingProxyType(sources),
            capital=MappingProxyType(capital),
        )
    return presets


def _read_data() -> str:
    return resources.files("voltroute.energy").joinpath("data", _DATA_FILE).read_text("utf-8")


PRESETS: Mapping[str, Preset] = MappingProxyType(_load(_read_data()))


def preset_names() -> list[str]:
    """Names of the catalogue's presets, sorted."""
    return sorted(PRESETS)


def _get(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ProblemError(
            "preset", f"unknown preset {name!r}; known: {', '.join(preset_names())}"
        ) from None


def preset_fields(name: str) -> dict[str, Any]:
    """VehicleType field values of preset ``name`` as plain JSON types (a fresh copy).

    Keys: name, preset, capacity_kg, capacity_m3, max_shift_duration_s, fixed_cost_per_day,
    driver_cost_per_hour, cost_per_km, body {...}, powertrain {...}; no id, count or start_depot.
    """
    fields = _get(name).fields
    return {k: copy.deepcopy(dict(v) if isinstance(v, Mapping) else v) for k, v in fields.items()}


def describe_sources(name: str) -> dict[str, str]:
    """Parameter (dotted path, e.g. ``body.drag_area_m2``) to the source of its default value."""
    return dict(_get(name).sources)


def _as_dict(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump() if callable(dump) else value


def vehicle_type_from_preset(
    name: str, *, id: str, start_depot: str, count: int = 1, **overrides: Any
) -> VehicleType:
    """A validated VehicleType from preset ``name``, with ``overrides`` applied on top.

    ``body`` and ``powertrain`` overrides given as dicts (or model objects) merge field by field
    into the preset's; a powertrain override of another ``kind`` replaces it whole. Invalid
    values raise :class:`voltroute.model.ProblemError` naming the field.
    """
    fields = preset_fields(name)
    for key, value in overrides.items():
        value = _as_dict(value)
        if key in _SECTIONS and isinstance(value, Mapping) and isinstance(fields.get(key), dict):
            base = fields[key]
            if key == "powertrain" and value.get("kind", base["kind"]) != base["kind"]:
                fields[key] = dict(value)
            else:
                fields[key] = {**base, **value}
        else:
            fields[key] = value
    fields.update(id=id, start_depot=start_depot, count=count)
    try:
        return VehicleType.model_validate(fields)
    except ValidationError as exc:
        raise as_problem_error(exc) from exc
