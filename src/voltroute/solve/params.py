"""Solver parameters and the engine protocol."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from voltroute.model import Problem, ProblemError, Solution


@dataclass(frozen=True, slots=True)
class Progress:
    """What an engine reports while it runs."""

    elapsed_s: float
    time_limit_s: float
    best_cost: float | None  # in the engine's internal units; only its trend is meaningful
    iterations: int


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, kw_only=True, slots=True)
class SolveParams:
    """How long and how to search. Checks itself at construction."""

    time_limit_s: float = 10.0
    """Wall-clock budget for the search, seconds."""
    seed: int = 0
    """Random seed; the same seed, problem and iteration count give the same plan."""
    max_iterations: int | None = None
    """Optional cap on search iterations (deterministic runs independent of machine speed)."""
    engine: str = "auto"
    """``auto`` or a registered engine name (``pyvrp``)."""
    energy_payload: str = "full"
    """Payload assumed when the solver budgets battery energy per leg: ``full`` (conservative:
    every plan is energy-feasible as the checker computes it, barring waiting time) or ``half``
    (less conservative; routes the checker rejects are repaired afterwards)."""
    objective: str = "cost"
    """``cost`` (fixed, distance, time and energy costs) or ``vehicles`` (fewest vehicles first,
    then cost: the E-VRP literature's objective; charging engine only)."""
    progress: ProgressCallback | None = None
    """Called a few times a second with :class:`Progress`."""

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise ProblemError("time_limit_s", f"must be > 0, got {self.time_limit_s}")
        if self.seed < 0:
            raise ProblemError("seed", f"must be >= 0, got {self.seed}")
        if self.max_iterations is not None and self.max_iterations < 1:
            raise ProblemError("max_iterations", f"must be >= 1, got {self.max_iterations}")
        if self.objective not in ("cost", "vehicles"):
            raise ProblemError("objective", f"must be 'cost' or 'vehicles', got {self.objective!r}")
        if self.energy_payload not in ("full", "half"):
            raise ProblemError("energy_payload", "must be 'full' or 'half'")


class Engine(Protocol):
    """A routing engine: turns a problem into routes and unassigned stops."""

    name: str

    def supports(self, problem: Problem) -> str | None:
        """None when the engine can solve ``problem``, else why not (one line)."""
        ...

    def solve(self, problem: Problem, params: SolveParams) -> Solution: ...
