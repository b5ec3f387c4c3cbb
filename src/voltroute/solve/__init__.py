"""Routing engines behind one interface: ``solve(problem, params) -> Solution``.

The solution carries routes (vehicle, type, stop sequence, departure time) and unassigned stops
with reasons. Schedules, loads, state of charge and KPIs are filled in by
:func:`voltroute.evaluate.annotate` (``voltroute.api.plan`` does both).
"""

from __future__ import annotations

from voltroute.model import Problem, ProblemError, Solution
from voltroute.solve.aerial_engine import AerialEngine
from voltroute.solve.charging_engine import ChargingEngine
from voltroute.solve.params import Engine, Progress, ProgressCallback, SolveParams
from voltroute.solve.pyvrp_engine import PyVRPEngine

# Order matters for engine="auto": the first engine that supports the problem is used.
# "aerial" supports only problems with drone or robot fleets, and plans their vans with the others.
ENGINES: dict[str, Engine] = {
    "aerial": AerialEngine(),
    "charging": ChargingEngine(),
    "charging-repair": ChargingEngine(search="pyvrp"),
    "pyvrp": PyVRPEngine(),
}


def select_engine(problem: Problem, params: SolveParams) -> Engine:
    """The engine named in ``params``, or the first registered one that supports ``problem``."""
    if params.engine != "auto":
        engine = ENGINES.get(params.engine)
        if engine is None:
            raise ProblemError(
                "engine", f"unknown engine {params.engine!r}; known: {sorted(ENGINES)}"
            )
        why = engine.supports(problem)
        if why:
            raise ProblemError("engine", f"{params.engine} cannot solve this problem: {why}")
        return engine
    for engine in ENGINES.values():
        if engine.supports(problem) is None:
            return engine
    raise ProblemError("problem", "no engine supports this problem")


def solve(problem: Problem, params: SolveParams | None = None) -> Solution:
    """Plan routes for ``problem``. Every stop ends up in a route or in ``unassigned``."""
    params = params or SolveParams()
    return select_engine(problem, params).solve(problem, params)


__all__ = [
    "ENGINES",
    "Engine",
    "Progress",
    "ProgressCallback",
    "SolveParams",
    "select_engine",
    "solve",
]
