"""Native JSON format for problems and solutions (see docs/formats.md and ``voltroute schema``).

A vehicle type may name a catalogue ``preset`` (``"ford-e-transit"``); the preset's sourced
defaults fill every field the file leaves out, and fields given in the file override them
(``body`` and ``powertrain`` merge field by field).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from voltroute.model import Problem, ProblemError, Solution, as_problem_error

FORMAT_VERSION = 1


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve_presets(data: dict[str, Any]) -> dict[str, Any]:
    """Fill vehicle types that name a ``preset`` with the catalogue's defaults."""
    from voltroute.energy.aerial import resolve_fleet_presets
    from voltroute.energy.catalogue import preset_fields

    data = resolve_fleet_presets(data)  # drone and robot fleets
    types = data.get("vehicle_types")
    if not isinstance(types, list):
        return data
    resolved = []
    for i, vt in enumerate(types):
        if isinstance(vt, dict) and vt.get("preset"):
            try:
                base = preset_fields(str(vt["preset"]))
            except ProblemError as exc:
                raise ProblemError(f"vehicle_types.{i}.preset", exc.rule) from None
            vt = _merge(base, vt)
        resolved.append(vt)
    return {**data, "vehicle_types": resolved}


def problem_from_dict(data: Any) -> Problem:
    """Build a validated :class:`Problem` from parsed JSON; errors are one-line ProblemErrors."""
    if not isinstance(data, dict):
        raise ProblemError("problem", "must be a JSON object")
    data = {k: v for k, v in data.items() if k not in ("format_version", "$schema")}
    data = resolve_presets(data)
    try:
        return Problem.model_validate(data)
    except ValidationError as exc:
        raise as_problem_error(exc) from None


_LIGHT_DEFAULTS = {"drone_opt_in": True, "no_fly": False, "robot_access": True}
_PARCEL_DEFAULTS = {"drone_ok": True, "robot_ok": True}


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    out = {"format_version": FORMAT_VERSION, **problem.model_dump(mode="json", exclude_none=True)}
    # drone and robot fields at their defaults are left out: files stay as before without them
    for key in ("drones", "robots"):
        if not out.get(key):
            out.pop(key, None)
    for stop in out.get("stops", []):
        for key, default in _LIGHT_DEFAULTS.items():
            if stop.get(key) == default:
                stop.pop(key)
        for parcel in stop.get("parcels", []):
            for key, default in _PARCEL_DEFAULTS.items():
                if parcel.get(key) == default:
                    parcel.pop(key)
    return out


def solution_from_dict(data: Any) -> Solution:
    if not isinstance(data, dict):
        raise ProblemError("solution", "must be a JSON object")
    data = {k: v for k, v in data.items() if k not in ("format_version", "$schema")}
    try:
        return Solution.model_validate(data)
    except ValidationError as exc:
        raise as_problem_error(exc) from None


def solution_to_dict(solution: Solution) -> dict[str, Any]:
    out = {"format_version": FORMAT_VERSION, **solution.model_dump(mode="json")}
    if not out.get("sorties"):
        out.pop("sorties", None)
    return out


def read_json(path: str | Path) -> Any:
    """Parse a JSON file, turning I/O and syntax errors into one-line ProblemErrors."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProblemError(str(p), "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(str(p), f"cannot read file ({exc.__class__.__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(
            str(p), f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def load_problem(path: str | Path) -> Problem:
    return problem_from_dict(read_json(path))


def load_solution(path: str | Path) -> Solution:
    return solution_from_dict(read_json(path))


def write_json(obj: Any, path: str | Path | None, *, indent: int | None = 1) -> str:
    text = json.dumps(obj, indent=indent, ensure_ascii=False)
    if path is not None:
        Path(path).write_text(text + "\n", encoding="utf-8")
    return text


def dump_problem(problem: Problem, path: str | Path | None = None) -> str:
    return write_json(problem_to_dict(problem), path)


def dump_solution(solution: Solution, path: str | Path | None = None) -> str:
    return write_json(solution_to_dict(solution), path)


def problem_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the native problem format."""
    schema = Problem.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "voltroute problem"
    schema.setdefault("properties", {})["format_version"] = {"type": "integer", "const": 1}
    return schema


def solution_schema() -> dict[str, Any]:
    schema = Solution.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "voltroute solution"
    return schema
