"""The scenario grid: middle-mile truck type x last-mile fleet x sensitivity settings.

A scenario is planned as two independent link tasks, one per link, because the middle-mile plan
does not depend on the last-mile fleet and vice versa. Identical link tasks are computed once
and shared (e.g. the diesel-truck plan at a given diesel price serves every last-mile fleet),
and each is cached on disk under a hash of its inputs (:mod:`voltroute.study.cache`).

Designs: ``one-at-a-time`` (the base case plus each sensitivity value alone, what a tornado chart
needs) or ``full`` (every combination of the sensitivity values).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from voltroute.study.fleets import FLEETS
from voltroute.study.spec import SENSITIVITIES, StudySpec

__all__ = ["LINEHAUL_SETTINGS", "LinkTask", "Scenario", "expand", "link_tasks", "stable_hash"]

#: The settings the middle-mile planner takes (the tariff shapes only the vans' depot charging).
LINEHAUL_SETTINGS = (
    "diesel_price_per_l",
    "electricity_price_per_kwh",
    "driver_wage_per_h",
    "ambient_temp_c",
)

Settings = tuple[tuple[str, Any], ...]


def stable_hash(obj: Any) -> str:
    """SHA-256 of the canonical JSON of ``obj``."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Scenario:
    """One cell of the grid. ``settings`` holds every sensitivity (None: the planner default)."""

    linehaul: str | None
    last_mile: str | None
    settings: Settings
    varied: tuple[str, ...] = ()

    @property
    def settings_dict(self) -> dict[str, Any]:
        return dict(self.settings)

    @property
    def is_base(self) -> bool:
        return not self.varied

    @property
    def id(self) -> str:
        return stable_hash([self.linehaul, self.last_mile, list(self.settings)])[:12]

    @property
    def combo(self) -> str:
        """The strategy: middle-mile trucks and last-mile fleet."""
        lh = f"{self.linehaul} trucks" if self.linehaul else "no linehaul"
        lm = FLEETS[self.last_mile].label if self.last_mile in FLEETS else (self.last_mile or "")
        return f"{lh} | {lm or 'no last mile'}"

    @property
    def label(self) -> str:
        s = self.settings_dict
        varied = ", ".join(f"{k}={s[k]}" for k in self.varied) or "base"
        return f"{self.combo} | {varied}"


@dataclass(frozen=True)
class LinkTask:
    """One planner run: a link, its option (truck type or fleet key) and its settings."""

    link: Literal["linehaul", "last_mile"]
    option: str
    settings: Settings
    inputs: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Hash of everything the result depends on (inputs include the code version)."""
        return stable_hash(
            {"link": self.link, "option": self.option, "settings": list(self.settings)}
            | dict(self.inputs)
        )


def _settings(values: Mapping[str, Any]) -> Settings:
    return tuple((k, values.get(k)) for k in SENSITIVITIES)


def _setting_sets(spec: StudySpec) -> list[tuple[Settings, tuple[str, ...]]]:
    base = spec.base.model_dump()
    sens = spec.sensitivities
    out: list[tuple[Settings, tuple[str, ...]]] = [(_settings(base), ())]
    seen = {_settings(base)}
    if spec.study.design == "full":
        axes = [[base[k]] + [v for v in getattr(sens, k)] for k in SENSITIVITIES]
        for combo in itertools.product(*axes):
            values = dict(zip(SENSITIVITIES, combo, strict=True))
            s = _settings(values)
            if s in seen:
                continue
            seen.add(s)
            varied = tuple(k for k in SENSITIVITIES if values[k] != base[k])
            out.append((s, varied))
        return out
    for k in SENSITIVITIES:
        for v in getattr(sens, k):
            s = _settings({**base, k: v})
            if s in seen:
                continue
            seen.add(s)
            out.append((s, (k,)))
    return out


def expand(spec: StudySpec) -> list[Scenario]:
    """Every scenario of the study, base cases first within each strategy."""
    trucks: list[str | None] = list(spec.linehaul.truck_types) or [None]
    fleets: list[str | None] = list(spec.last_mile.fleets) or [None]
    sets = _setting_sets(spec)
    return [
        Scenario(linehaul=t, last_mile=f, settings=s, varied=v)
        for t in trucks
        for f in fleets
        for s, v in sets
    ]


def link_tasks(
    scenario: Scenario, *, linehaul_inputs: Mapping[str, Any], last_mile_inputs: Mapping[str, Any]
) -> dict[str, LinkTask]:
    """The link tasks of a scenario, by link name."""
    out: dict[str, LinkTask] = {}
    s = scenario.settings_dict
    if scenario.linehaul is not None:
        out["linehaul"] = LinkTask(
            link="linehaul",
            option=scenario.linehaul,
            settings=tuple((k, s[k]) for k in LINEHAUL_SETTINGS),
            inputs=linehaul_inputs,
        )
    if scenario.last_mile is not None:
        out["last_mile"] = LinkTask(
            link="last_mile",
            option=scenario.last_mile,
            settings=scenario.settings,
            inputs=last_mile_inputs,
        )
    return out
