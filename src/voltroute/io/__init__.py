"""Readers and writers of formats: native JSON, VRPLIB, VROOM JSON, GeoJSON, Amazon LMRRC."""

from __future__ import annotations

from pathlib import Path

from voltroute.io.native import (
    dump_problem,
    dump_solution,
    load_problem,
    load_solution,
    problem_from_dict,
    problem_schema,
    problem_to_dict,
    read_json,
    solution_from_dict,
    solution_schema,
    solution_to_dict,
)
from voltroute.model import Problem, ProblemError


def detect_format(path: str | Path) -> str:
    """Recognise a problem file by content: ``native``, ``vroom``, ``vrplib``, ``evrptw`` or ``evrp``."""
    p = Path(path)
    try:
        head = p.read_bytes()[:4096].decode("utf-8", errors="replace").lstrip()
    except FileNotFoundError:
        raise ProblemError(str(p), "file not found") from None
    except OSError as exc:
        raise ProblemError(str(p), f"cannot read file ({exc.__class__.__name__})") from None
    if head.startswith("{"):
        from voltroute.io.vroom import is_vroom_input

        data = read_json(p)
        if isinstance(data, dict) and (is_vroom_input(data) or "shipments" in data):
            return "vroom"
        return "native"
    if head.startswith("StringID"):
        return "evrptw"
    if "ENERGY_CAPACITY" in head.upper() and "STATIONS" in head.upper():
        return "evrp"
    upper = head.upper()
    if "DIMENSION" in upper or "NODE_COORD_SECTION" in upper or upper.startswith("NAME"):
        return "vrplib"
    raise ProblemError(
        str(p), "unrecognised problem format (expected native JSON, VROOM JSON or VRPLIB)"
    )


def read_problem(path: str | Path) -> Problem:
    """Read a problem in any supported input format, recognised by content."""
    fmt = detect_format(path)
    if fmt == "vroom":
        from voltroute.io.vroom import problem_from_vroom

        return problem_from_vroom(read_json(path), name=Path(path).stem)
    if fmt == "evrp":
        from voltroute.io.evrp import read_evrp

        return read_evrp(path)
    if fmt == "evrptw":
        from voltroute.io.evrptw import read_evrptw

        return read_evrptw(path)
    if fmt == "vrplib":
        from voltroute.io.vrplib import read_vrplib

        return read_vrplib(path)
    return load_problem(path)


__all__ = [
    "detect_format",
    "dump_problem",
    "dump_solution",
    "load_problem",
    "load_solution",
    "problem_from_dict",
    "problem_schema",
    "problem_to_dict",
    "read_json",
    "read_problem",
    "solution_from_dict",
    "solution_schema",
    "solution_to_dict",
]
