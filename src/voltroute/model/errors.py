"""One-line errors that name the field and the rule it broke."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class VoltrouteError(Exception):
    """Base of every error voltroute raises on purpose (bad input, unsupported request)."""


class ProblemError(VoltrouteError, ValueError):
    """Invalid input data: ``field`` is a dotted path (``stops.3.time_window``), ``rule`` the rule."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}" if field else rule)


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def format_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """Turn pydantic's multi-line report into one line: ``field.path: rule`` (first error + count)."""
    errors = exc.errors(include_url=False)
    if not errors:
        return str(exc)
    first = errors[0]
    msg = str(first.get("msg", "invalid"))
    for noise in ("Value error, ", "Assertion failed, "):
        if msg.startswith(noise):
            msg = msg[len(noise) :]
    loc = _loc(tuple(p for p in first.get("loc", ()) if p not in ("function-after",)))
    if prefix:
        loc = f"{prefix}.{loc}" if loc else prefix
    if first.get("type") == "missing":
        msg = "is required"
    elif first.get("type") == "extra_forbidden":
        msg = "is not a known field"
    line = f"{loc}: {msg}" if loc and not msg.startswith(loc + ":") else msg
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return line


def as_problem_error(exc: ValidationError, prefix: str = "") -> ProblemError:
    """Wrap a pydantic error as a :class:`ProblemError` with a one-line message."""
    line = format_validation_error(exc, prefix)
    field, _, rule = line.partition(": ")
    return ProblemError(field, rule) if rule else ProblemError("", line)


def validate_object(model: type[M], data: object, *, what: str) -> M:
    """Validate a parsed JSON object as ``model``; errors are one-line :class:`ProblemError`
    naming the field, with the field of a nested rule joined to its location."""
    if not isinstance(data, dict):
        raise ProblemError(what, "must be a JSON object")
    data = {k: v for k, v in data.items() if k not in ("format_version", "$schema")}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        inner = (first.get("ctx") or {}).get("error")
        if isinstance(inner, ProblemError):
            loc = ".".join(str(x) for x in first.get("loc", ()))
            field = f"{loc}.{inner.field}" if loc and inner.field else loc or inner.field
            raise ProblemError(field, inner.rule) from None
        raise as_problem_error(exc) from None
