"""TSP with Drone instances and solutions (Agatz, Bouman & Schmidt 2018; Bouman et al. 2018).

Instance grammar (``pcbouman-eur/TSP-D-Instances``): comments ``/* ... */`` are ignored; the
first number is the truck's cost (time) per unit of distance, the second the drone's, the third
the number of nodes (depot included); then one ``x y name`` line per node, the depot first.
Distances are Euclidean. Optional restriction lines: ``#MAXFLY d`` (longest drone flight of one
operation, in distance units) and ``#NOVISIT i`` (node ``i`` may not be served by the drone).

Mapping: van time = truck factor x distance, drone time = drone factor x distance; no launch,
recovery or service times; one drone; the drone may return to the node it left (the van waits);
objective = completion time (the sum of the operations' durations).

Solution grammar: the number of operations, then one line per operation:
``start end fly #internal internal...`` where ``fly`` is the drone's node or ``-1``.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voltroute.model import ProblemError
from voltroute.solve.sidekick.instance import SidekickInstance

_COMMENT = re.compile(r"/\*.*?\*/", re.S)


@dataclass(frozen=True, kw_only=True)
class TspdOperation:
    """One operation: van from ``start`` to ``end`` through ``internal``; drone serves ``fly``."""

    start: int
    end: int
    fly: int
    internal: tuple[int, ...] = ()


def is_tspd(text: str) -> bool:
    """True for a TSP-D instance: numeric tokens, ``truck, drone, n`` then ``n`` nodes."""
    body = _COMMENT.sub(" ", text[:200000])
    lines = [ln for ln in body.split() if ln]
    if len(lines) < 6:
        return False
    try:
        float(lines[0])
        float(lines[1])
        n = int(lines[2])
        float(lines[3])
        float(lines[4])
    except ValueError:
        return False
    return n >= 2 and "/*" in text[:400]


def read_tspd(path: str | os.PathLike[str]) -> SidekickInstance:
    """Read a TSP-D instance file into a one-drone :class:`SidekickInstance`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError(str(p), "file not found") from None
    return parse_tspd(text, name=p.stem)


def parse_tspd(text: str, *, name: str = "tspd") -> SidekickInstance:
    """Parse the text of a TSP-D instance."""
    body = _COMMENT.sub(" ", text)
    maxfly: float | None = None
    novisit: set[int] = set()
    tokens: list[str] = []
    for line in body.splitlines():
        s = line.strip()
        if s.upper().startswith("#MAXFLY"):
            try:
                maxfly = float(s.split()[1])
            except (IndexError, ValueError):
                raise ProblemError(f"{name}.MAXFLY", "needs one number") from None
            continue
        if s.upper().startswith("#NOVISIT"):
            try:
                novisit.add(int(s.split()[1]))
            except (IndexError, ValueError):
                raise ProblemError(f"{name}.NOVISIT", "needs one node index") from None
            continue
        tokens.extend(s.split())
    try:
        truck_f = float(tokens[0])
        drone_f = float(tokens[1])
        n = int(tokens[2])
    except (IndexError, ValueError):
        raise ProblemError(
            f"{name}.header", "needs truck factor, drone factor, node count"
        ) from None
    if not (truck_f > 0 and drone_f > 0):
        raise ProblemError(f"{name}.cost_factors", "truck and drone factors must be > 0")
    if n < 2:
        raise ProblemError(f"{name}.nodes", "needs the depot and at least one location")
    rest = tokens[3:]
    if len(rest) < 3 * n:
        raise ProblemError(f"{name}.nodes", f"expected {n} lines of 'x y name', got fewer")
    xy = np.zeros((n, 2))
    names: list[str] = []
    for i in range(n):
        try:
            xy[i, 0] = float(rest[3 * i])
            xy[i, 1] = float(rest[3 * i + 1])
        except ValueError:
            raise ProblemError(f"{name}.nodes.{i}", "x and y must be numbers") from None
        names.append(rest[3 * i + 2])
    for v in novisit:
        if not 0 <= v < n:
            raise ProblemError(f"{name}.NOVISIT", f"node {v} is not in 0..{n - 1}")
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    elig = np.ones(n, dtype=bool)
    elig[0] = False
    for v in novisit:
        elig[v] = False
    endurance = None
    if maxfly is not None:
        legs = dist[:, :, None] + dist[None, :, :]
        endurance = np.where(legs <= maxfly + 1e-9, np.inf, -1.0)
    return SidekickInstance(
        name=name,
        truck_time_s=truck_f * dist,
        truck_dist_m=dist,
        drone_time_s=drone_f * dist,
        drone_dist_m=dist,
        drone_eligible=elig,
        truck_service_s=np.zeros(n),
        drone_service_s=np.zeros(n),
        num_drones=1,
        endurance_s=endurance,
        allow_same_node_recovery=True,
        node_names=tuple(names),
    )


def read_tspd_solution(path: str | os.PathLike[str]) -> list[TspdOperation]:
    """Read a TSP-D solution file (``*-DP.txt``, ``*-tsp.txt``, ...) as operations."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError(str(p), "file not found") from None
    lines = [ln.split() for ln in _COMMENT.sub(" ", text).splitlines()]
    lines = [ln for ln in lines if ln]
    try:
        count = int(lines[0][0])
        ops = []
        for ln in lines[1 : 1 + count]:
            vals = [int(v) for v in ln]
            k = vals[3]
            if len(vals) != 4 + k:
                raise ProblemError(f"{p.name}.operations", "internal node count does not match")
            ops.append(
                TspdOperation(start=vals[0], end=vals[1], fly=vals[2], internal=tuple(vals[4:]))
            )
    except (IndexError, ValueError):
        raise ProblemError(f"{p.name}.operations", "malformed operation line") from None
    if len(ops) != count:
        raise ProblemError(f"{p.name}.operations", f"expected {count} operations")
    return ops


def operations_cost(inst: SidekickInstance, ops: list[TspdOperation]) -> float:
    """Completion time of operations: each lasts max(van path, drone start->fly->end)."""
    total = 0.0
    for op in ops:
        path = [op.start, *op.internal, op.end]
        truck = sum(inst.truck_time_s[a, b] for a, b in zip(path, path[1:], strict=False))
        drone = 0.0
        if op.fly >= 0 and op.fly != op.start:
            drone = inst.drone_time_s[op.start, op.fly] + inst.drone_time_s[op.fly, op.end]
        total += max(truck, drone)
    return float(total)


def solution_to_operations(
    route: tuple[int, ...], sorties: list[tuple[int, int, int]]
) -> list[TspdOperation]:
    """Operations of a one-drone plan given as (launch route index, customer, recovery index)."""
    by_launch: dict[int, list[tuple[int, int]]] = {}
    for i, j, k in sorted(sorties, key=lambda s: (s[0], s[2] != s[0])):
        by_launch.setdefault(i, []).append((j, k))
    ops: list[TspdOperation] = []
    x = 0
    last = len(route) - 1
    busy_until = -1
    while x < last:
        out = by_launch.get(x, [])
        while out and out[0][1] == x:  # round trips while the van waits
            ops.append(TspdOperation(start=route[x], end=route[x], fly=out.pop(0)[0]))
        if len(out) > 1 or (out and x < busy_until):
            raise ProblemError("sorties", "the TSP-D format allows one drone only")
        if out:
            j, k = out[0]
            ops.append(
                TspdOperation(start=route[x], end=route[k], fly=j, internal=tuple(route[x + 1 : k]))
            )
            busy_until = k
            x = k
        else:
            ops.append(TspdOperation(start=route[x], end=route[x + 1], fly=-1))
            x += 1
    return ops


def write_tspd_solution(ops: list[TspdOperation], inst: SidekickInstance | None = None) -> str:
    """Text in the repository's solution format (costs as comments when ``inst`` is given)."""
    out = [
        "/* Number of Operations */",
        str(len(ops)),
        "/* List of Operations. */",
        "/* Start\tEnd\tFly\t#Internal\tLocations...*/",
    ]
    total = 0.0
    for op in ops:
        fields = [str(op.start), str(op.end), str(op.fly), str(len(op.internal))]
        fields += [str(v) for v in op.internal]
        line = "\t".join(fields) + "\t"
        if inst is not None:
            c = operations_cost(inst, [op])
            total += c
            line += f"/* Operation cost : {c!r}*/"
        out.append(line)
    if inst is not None:
        out.append(f"/* Total cost : {total!r} */")
    return "\n".join(out) + "\n"


def tour_length(inst: SidekickInstance, ops: list[TspdOperation]) -> float:
    """Van-only tour cost of truck-only operations (Concorde ``*-tsp.txt`` files)."""
    return operations_cost(inst, ops)


__all__ = [
    "TspdOperation",
    "is_tspd",
    "operations_cost",
    "parse_tspd",
    "read_tspd",
    "read_tspd_solution",
    "solution_to_operations",
    "tour_length",
    "write_tspd_solution",
]

_ = math  # keep import for type checkers in older tooling
