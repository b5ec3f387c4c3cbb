"""Data of the middle-mile network: hubs, daily flows between them, and the day's conditions.

Times are seconds from 00:00 of the planning day and repeat every day (the plan is a 24 h cycle).
A flow released in the evening may have its cut-off the next morning (``cutoff_s`` > 86 400).
Opening hours are daily: ``[open_s, close_s)`` with ``close_s`` up to ``open_s + 86 400``
(22:00-06:00 is ``open_s = 79200, close_s = 108000``). Distances are great-circle times the
road ``circuity``; driving is at ``speed_kph``. ``None`` means the sourced default of
``data/linehaul.toml``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from voltroute.model.errors import ProblemError, validate_object
from voltroute.model.problem import (
    DAY_S,
    Frozen,
    Identifier,
    Location,
    PosFloat,
    _check_unique,
)

__all__ = ["Flow", "Hub", "LinehaulNetwork", "network_from_dict", "read_network"]

HubKind = Literal["fulfilment", "sort", "delivery", "transfer"]


class Hub(Frozen):
    """A fulfilment centre, sort centre, delivery station or (driverless) transfer hub."""

    id: Identifier
    name: str = ""
    kind: HubKind
    location: Location
    open_s: int = Field(default=0, ge=0, lt=DAY_S, description="daily opening, s from 00:00")
    close_s: int = Field(
        default=DAY_S, gt=0, description="daily closing, s from 00:00 (> open_s, may pass 86400)"
    )
    docks: int = Field(default=4, ge=1, description="trucks that can hook or drop at once")
    chargers: int = Field(default=0, ge=0, description="truck chargers (megawatt class)")
    charger_power_kw: PosFloat = Field(default=750.0, description="power of one charger, kW")

    @model_validator(mode="after")
    def _hours(self) -> Hub:
        if not self.open_s < self.close_s <= self.open_s + DAY_S:
            raise ProblemError(
                "close_s",
                f"must be after open_s and at most 24 h later ({self.close_s} vs {self.open_s})",
            )
        if not self.location.is_geographic:
            raise ProblemError("location", "a hub needs lat/lon")
        return self

    @property
    def always_open(self) -> bool:
        return self.close_s - self.open_s >= DAY_S

    def is_open(self, t_s: float, until_s: float | None = None) -> bool:
        """Whether the hub is open at ``t_s`` (and through ``until_s``) on any day."""
        if self.always_open:
            return True
        end = t_s if until_s is None else until_s
        rel = (t_s - self.open_s) % DAY_S
        return rel + (end - t_s) <= self.close_s - self.open_s + 1e-6


class Flow(Frozen):
    """Parcels to move every day from ``origin`` to ``destination``.

    Released at the origin at ``release_s``; must be unloaded at the destination by ``cutoff_s``
    (for a delivery station: before its vans leave).
    """

    id: Identifier
    origin: Identifier
    destination: Identifier
    parcels: int = Field(ge=1)
    volume_m3: PosFloat | None = Field(default=None, description="None: parcels x default")
    weight_kg: PosFloat | None = Field(default=None, description="None: parcels x default")
    release_s: int = Field(ge=0, lt=DAY_S, description="ready at the origin, s from 00:00")
    cutoff_s: int = Field(gt=0, description="latest unloaded at the destination, s from 00:00")

    @model_validator(mode="after")
    def _window(self) -> Flow:
        if self.origin == self.destination:
            raise ProblemError("destination", "must differ from origin")
        if self.cutoff_s <= self.release_s:
            raise ProblemError(
                "cutoff_s", f"must be after release_s ({self.cutoff_s} <= {self.release_s})"
            )
        if self.cutoff_s - self.release_s > 2 * DAY_S:
            raise ProblemError("cutoff_s", "at most 48 h after release_s")
        return self


class LinehaulNetwork(Frozen):
    """Hubs, flows and the conditions of one operating day."""

    name: str = "linehaul"
    hubs: tuple[Hub, ...] = Field(min_length=2)
    flows: tuple[Flow, ...] = Field(min_length=1)
    speed_kph: PosFloat | None = Field(default=None, description="average truck speed, km/h")
    circuity: float | None = Field(default=None, ge=1, le=3, description="road / great circle")
    dwell_s: int | None = Field(default=None, ge=0, le=6 * 3600, description="hook or drop, s")
    trailer_capacity_m3: PosFloat | None = None
    trailer_capacity_kg: PosFloat | None = None
    ambient_temp_c: float = Field(default=15.0, ge=-50, le=55, description="air temperature, C")
    diesel_price_per_l: PosFloat | None = None
    electricity_price_per_kwh: PosFloat | None = None
    driver_wage_per_h: PosFloat | None = Field(default=None, description="wage before benefits")
    grid_co2_kg_per_kwh: float | None = Field(default=None, ge=0)
    max_drayage_km: PosFloat | None = None

    @model_validator(mode="after")
    def _refs(self) -> LinehaulNetwork:
        _check_unique((h.id for h in self.hubs), "hubs", "hub id")
        _check_unique((f.id for f in self.flows), "flows", "flow id")
        ids = {h.id for h in self.hubs}
        for i, f in enumerate(self.flows):
            for end in ("origin", "destination"):
                if getattr(f, end) not in ids:
                    raise ProblemError(f"flows.{i}.{end}", f"unknown hub {getattr(f, end)!r}")
        return self

    def hub(self, hub_id: str) -> Hub:
        return self._hubs[hub_id]

    @property
    def _hubs(self) -> dict[str, Hub]:
        return {h.id: h for h in self.hubs}

    @property
    def num_parcels(self) -> int:
        return sum(f.parcels for f in self.flows)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", exclude_none=True), indent=1)

    @classmethod
    def from_json(cls, text: str) -> LinehaulNetwork:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProblemError(
                "network", f"not valid JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        return network_from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> LinehaulNetwork:
        """Read a network JSON file; bad input raises a one-line :class:`ProblemError`."""
        from voltroute.io.native import read_json

        return network_from_dict(read_json(path))


def read_network(path: str | Path) -> LinehaulNetwork:
    """Read and validate a linehaul network JSON file (the format of ``docs/linehaul.md``).

    Bad input (missing file, invalid JSON, unknown hub, cut-off before release, ...) raises a
    one-line :class:`~voltroute.model.errors.ProblemError` naming the field and the rule.
    """
    return LinehaulNetwork.load(path)


def network_from_dict(data: Any) -> LinehaulNetwork:
    """Validate parsed JSON; errors are one-line :class:`ProblemError` naming the field."""
    return validate_object(LinehaulNetwork, data, what="network")
