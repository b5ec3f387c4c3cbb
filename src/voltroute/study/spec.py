"""The study file (TOML): what to plan, with which fleets, and which sensitivities to vary.

A study file is validated when it is read; a bad one raises :class:`ProblemError` naming the
field (``sensitivities.diesel_price_per_l.1: must be >= 0``). Ranges that the planners check
themselves (e.g. the energy model's -50..55 °C) are left to them: a value outside such a range
fails that one scenario, with the planner's message, and not the whole study.

Example (``voltroute/study/examples/study-small.toml``)::

    [study]
    name = "small"

    [last_mile]
    fleets = ["diesel vans", "electric vans"]
    time_limit_s = 2
    [last_mile.generated]
    stops = 30

    [linehaul]
    truck_types = ["diesel", "driverless-electric"]

    [sensitivities]
    diesel_price_per_l = [0.75, 1.25]
    ambient_temp_c = [-10]
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from voltroute.model import ProblemError, as_problem_error
from voltroute.model.problem import Frozen

__all__ = [
    "EXAMPLE_NETWORK",
    "SENSITIVITIES",
    "TARIFFS",
    "TRUCK_TYPES",
    "BaseSettings",
    "GeneratedOrders",
    "LastMileSpec",
    "LinehaulSpec",
    "Sensitivities",
    "StudySpec",
    "fleet_key",
    "load_study",
    "parse_study",
]

TruckType = Literal["diesel", "electric", "driverless-electric"]
#: Middle-mile truck types of :func:`voltroute.linehaul.plan`.
TRUCK_TYPES: tuple[TruckType, ...] = ("diesel", "electric", "driverless-electric")
#: Electricity tariffs for the last mile's depot charging (see :mod:`voltroute.study.links`).
TARIFFS = ("flat", "time-of-use")
#: ``linehaul.network`` value for :func:`voltroute.linehaul.example_network`.
EXAMPLE_NETWORK = "example"
#: The sensitivity parameters, in the order reports list them.
SENSITIVITIES = (
    "diesel_price_per_l",
    "electricity_price_per_kwh",
    "tariff",
    "driver_wage_per_h",
    "ambient_temp_c",
)

Finite = Annotated[float, Field(allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]


def fleet_key(name: str) -> str:
    """Canonical key of a last-mile fleet name: ``"Electric vans + drones"`` -> ``electric-vans+drones``."""
    parts = [p.strip() for p in name.strip().lower().split("+")]
    return "+".join("-".join(p.replace("_", " ").split()) for p in parts)


class GeneratedOrders(Frozen):
    """A built-in synthetic day: demo-like orders around a depot (see :mod:`voltroute.study.orders`).

    The defaults place the depot in Columbus, Ohio, a delivery station of the kind the
    middle-mile example serves; the order assumptions are those of ``voltroute demo``.
    """

    stops: int = Field(default=30, ge=1, le=2000, description="delivery addresses")
    seed: int = Field(default=1, ge=0, description="random seed of the orders")
    depot_lat: float = Field(default=39.9612, ge=-90, le=90, description="degrees WGS84")
    depot_lon: float = Field(default=-82.9988, ge=-180, le=180, description="degrees WGS84")
    radius_km: Positive = Field(default=5.0, le=100, description="stops lie within this radius")
    vans: int = Field(default=4, ge=1, le=500, description="vans available")


class LastMileSpec(Frozen):
    """The last mile: the order set, the fleets to compare and the search budget."""

    fleets: tuple[str, ...] = Field(default=("diesel vans", "electric vans"), max_length=20)
    problem: str | None = Field(
        default=None, description="problem JSON, relative to the study file"
    )
    generated: GeneratedOrders | None = None
    time_limit_s: Positive = Field(default=2.0, le=3600, description="search per plan, s")
    max_iterations: int | None = Field(
        default=None, ge=1, description="cap on search iterations (reproducible runs)"
    )
    seed: int = Field(default=0, ge=0)

    @field_validator("fleets")
    @classmethod
    def _fleets(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        from voltroute.study.fleets import FLEETS  # the registry, not a planner

        keys = [fleet_key(f) for f in v]
        for i, k in enumerate(keys):
            if k not in FLEETS:
                raise ValueError(
                    f"fleet {i} ({v[i]!r}) is unknown; known: "
                    + ", ".join(repr(f.label) for f in FLEETS.values())
                )
            if k in keys[:i]:
                raise ValueError(f"fleet {v[i]!r} is listed twice")
        return tuple(keys)


class LinehaulSpec(Frozen):
    """The middle mile: the network, the truck types to compare and the planner's budget.

    ``seed`` makes the plans reproducible: :func:`voltroute.linehaul.plan` is deterministic for
    a seed as long as its search ends before ``time_limit_s`` (the study notes when it did not).
    """

    truck_types: tuple[TruckType, ...] = Field(default=TRUCK_TYPES, max_length=3)
    network: str = Field(
        default="example",
        min_length=1,
        description="'example' (voltroute.linehaul.example_network()) or a network JSON file "
        "(docs/linehaul.md), relative to the study file",
    )
    time_limit_s: Positive = Field(default=30.0, le=3600, description="planner budget, s")
    seed: int = Field(default=0, ge=0, description="random seed of the middle-mile search")
    direct_fallback: bool = Field(
        default=True,
        description="driverless: a flow that misses its cut-off via the transfer hubs goes "
        "direct with a human-driven tractor (noted) instead of being unserved",
    )

    @field_validator("truck_types")
    @classmethod
    def _unique(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("truck types must not repeat")
        return v


class BaseSettings(Frozen):
    """The base case. ``None``: each planner's own sourced default."""

    diesel_price_per_l: NonNeg | None = None
    electricity_price_per_kwh: NonNeg | None = None
    tariff: Literal["flat", "time-of-use"] = "flat"
    driver_wage_per_h: NonNeg | None = None
    ambient_temp_c: Finite | None = None


class Sensitivities(Frozen):
    """Values to try for each parameter, one at a time around the base (or as a full grid)."""

    diesel_price_per_l: tuple[NonNeg, ...] = Field(default=(), max_length=20)
    electricity_price_per_kwh: tuple[NonNeg, ...] = Field(default=(), max_length=20)
    tariff: tuple[Literal["flat", "time-of-use"], ...] = Field(default=(), max_length=2)
    driver_wage_per_h: tuple[NonNeg, ...] = Field(default=(), max_length=20)
    ambient_temp_c: tuple[Finite, ...] = Field(default=(), max_length=20)


class StudyMeta(Frozen):
    name: str = Field(default="study", min_length=1, max_length=100, pattern=r"^[\w.-]+$")
    description: str = ""
    design: Literal["one-at-a-time", "full"] = Field(
        default="one-at-a-time",
        description="one-at-a-time: the base plus each sensitivity value alone (tornado); "
        "full: every combination of the sensitivity values",
    )


class StudySpec(Frozen):
    """A whole study, validated. ``source_dir`` resolves relative paths in the file."""

    study: StudyMeta = Field(default_factory=StudyMeta)
    last_mile: LastMileSpec = Field(default_factory=LastMileSpec)
    linehaul: LinehaulSpec = Field(default_factory=LinehaulSpec)
    base: BaseSettings = Field(default_factory=BaseSettings)
    sensitivities: Sensitivities = Field(default_factory=Sensitivities)
    source_dir: str = Field(default=".", description="folder of the study file")

    @property
    def name(self) -> str:
        return self.study.name

    def problem_path(self) -> Path | None:
        """The last-mile problem file, resolved against the study file's folder."""
        if self.last_mile.problem is None:
            return None
        p = Path(self.last_mile.problem)
        return p if p.is_absolute() else Path(self.source_dir) / p

    def network_path(self) -> Path | None:
        """The middle-mile network file, resolved against the study file's folder (None: the
        built-in example)."""
        if self.linehaul.network == EXAMPLE_NETWORK:
            return None
        p = Path(self.linehaul.network)
        return p if p.is_absolute() else Path(self.source_dir) / p


_MAX_SCENARIOS = 5000


def parse_study(data: dict[str, Any], *, source_dir: str | Path = ".") -> StudySpec:
    """Validate a study given as a dict (the parsed TOML)."""
    if not isinstance(data, dict):
        raise ProblemError("", "a study must be a TOML table")
    if "source_dir" in data:
        raise ProblemError("source_dir", "is not a known field")
    try:
        spec = StudySpec.model_validate({**data, "source_dir": str(source_dir)})
    except ValidationError as exc:
        raise as_problem_error(exc) from exc
    lm, lh = spec.last_mile, spec.linehaul
    if not lm.fleets and not lh.truck_types:
        raise ProblemError(
            "last_mile.fleets", "a study needs at least one last-mile fleet or linehaul truck type"
        )
    if lm.fleets:
        if (lm.problem is None) == (lm.generated is None):
            raise ProblemError(
                "last_mile", "give exactly one order set: problem = 'FILE.json' or [generated]"
            )
        path = spec.problem_path()
        if path is not None and not path.is_file():
            raise ProblemError("last_mile.problem", f"file not found: {path}")
    if spec.network_path() is not None:
        from voltroute.study.orders import load_network

        load_network(spec)  # a missing or malformed file: one line naming linehaul.network
    n_sens = sum(len(getattr(spec.sensitivities, k)) for k in SENSITIVITIES)
    combos = max(1, len(lm.fleets)) * max(1, len(lh.truck_types))
    if spec.study.design == "full":
        per = math.prod(max(1, len(getattr(spec.sensitivities, k))) for k in SENSITIVITIES)
    else:
        per = 1 + n_sens
    if combos * per > _MAX_SCENARIOS:
        raise ProblemError(
            "sensitivities", f"the grid has {combos * per} scenarios; at most {_MAX_SCENARIOS}"
        )
    return spec


def load_study(path: str | Path) -> StudySpec:
    """Read and validate a study TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError("study", f"file not found: {path}") from None
    except OSError as exc:
        raise ProblemError("study", f"cannot read {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProblemError("study", f"not valid TOML: {exc}") from None
    return parse_study(data, source_dir=path.resolve().parent)
