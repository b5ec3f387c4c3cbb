"""One broken rule, as every checker of a plan reports it (routes, drone and robot sorties)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``kind`` is a stable keyword, ``message`` says what and where."""

    kind: str
    message: str
    route: str | None = None
    stop: str | None = None
