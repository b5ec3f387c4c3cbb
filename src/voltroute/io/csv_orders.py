"""A CSV of orders (one row per parcel) as a :class:`Problem` (see docs/service.md).

Columns (header row required, any order, names case-insensitive):

* required: ``stop_id``, ``lat``, ``lon``, ``weight_kg``, ``volume_m3``;
* optional: ``parcel_id`` (default ``<stop_id>-<n>``), ``service_time_s``, ``tw_start`` and
  ``tw_end`` (``HH:MM`` or seconds from the start of the day), ``address``.

Rows sharing a ``stop_id`` are one stop. Stop fields (location, service time, window, address)
may be repeated on each of its rows, but must then agree; an empty cell takes the stop's value
from its other rows. Rows are numbered as a spreadsheet shows them: the header is row 1, so the
first parcel is row 2. Errors are one line naming the row and the column, for example
``row 3.weight_kg: must be a number, got 'heavy'``.

The fleet is a catalogue string ``preset:count,preset:count`` (vehicle type ids are the preset
names); there is one depot, ``depot``, at (``depot_lat``, ``depot_lon``), and every van works
the shift ``shift_start``–``shift_end``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from voltroute.model import (
    Depot,
    Location,
    Parcel,
    Problem,
    ProblemError,
    Stop,
    TimeWindow,
    VehicleType,
    as_problem_error,
)

REQUIRED = ("stop_id", "lat", "lon", "weight_kg", "volume_m3")
OPTIONAL = ("parcel_id", "service_time_s", "tw_start", "tw_end", "address")
DEFAULT_FLEET = "rivian-edv:3,ford-e-transit:2,diesel-step-van:2"
DEPOT_ID = "depot"
MAX_ROWS = 200_000


def parse_time(text: str, field_name: str) -> int:
    """``HH:MM`` (or ``HH:MM:SS``) or whole seconds → seconds from the start of the day."""
    t = text.strip()
    if ":" in t:
        parts = t.split(":")
        if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
            h, m = int(parts[0]), int(parts[1])
            s = int(parts[2]) if len(parts) == 3 else 0
            if h <= 48 and m < 60 and s < 60:
                return h * 3600 + m * 60 + s
        raise ProblemError(field_name, f"must be HH:MM or seconds, got {text!r}")
    try:
        value = float(t)
    except ValueError:
        raise ProblemError(field_name, f"must be HH:MM or seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise ProblemError(field_name, f"must be HH:MM or whole seconds >= 0, got {text!r}")
    return int(value)


def parse_fleet(text: str, *, start_depot: str, shift_start_s: int, shift_end_s: int) -> list[Any]:
    """``preset:count,preset:count`` → vehicle types from the catalogue."""
    from voltroute.energy.catalogue import preset_names, vehicle_type_from_preset

    types: list[VehicleType] = []
    seen: set[str] = set()
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ProblemError("fleet", "must name at least one preset, e.g. 'ford-e-transit:2'")
    for item in items:
        name, _, count_text = item.partition(":")
        name = name.strip()
        count_text = count_text.strip() or "1"
        if name not in preset_names():
            raise ProblemError(
                "fleet", f"unknown preset {name!r}; known: {', '.join(preset_names())}"
            )
        if name in seen:
            raise ProblemError("fleet", f"preset {name!r} is listed twice")
        seen.add(name)
        if not count_text.isdigit() or int(count_text) < 1:
            raise ProblemError("fleet", f"count of {name!r} must be a whole number >= 1")
        types.append(
            vehicle_type_from_preset(
                name,
                id=name,
                start_depot=start_depot,
                count=int(count_text),
                shift_start_s=shift_start_s,
                shift_end_s=shift_end_s,
            )
        )
    return types


@dataclass
class _StopAcc:
    row: int
    lat: float
    lon: float
    parcels: list[Parcel] = field(default_factory=list)
    fields: dict[str, tuple[Any, int]] = field(default_factory=dict)


def _check_id(value: str, where: str) -> None:
    if len(value) > 200 or any(c.isspace() or c in ",;" for c in value):
        raise ProblemError(
            where,
            f"must be at most 200 characters without spaces, commas or semicolons, got {value!r}",
        )


def _number(value: str, where: str, *, minimum: float | None = None) -> float:
    try:
        x = float(value)
    except ValueError:
        raise ProblemError(where, f"must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ProblemError(where, f"must be a finite number, got {value!r}")
    if minimum is not None and x < minimum:
        raise ProblemError(where, f"must be >= {minimum:g}, got {value!r}")
    return x


def problem_from_csv(
    text: str,
    *,
    fleet: str = DEFAULT_FLEET,
    depot_lat: float,
    depot_lon: float,
    shift_start: str = "08:00",
    shift_end: str = "18:00",
    name: str = "orders",
) -> Problem:
    """Build a problem from a CSV of orders (module docstring); errors are one-line
    :class:`ProblemError`\\ s naming the row and column."""
    start_s = parse_time(shift_start, "shift_start")
    end_s = parse_time(shift_end, "shift_end")
    if end_s < start_s:
        raise ProblemError("shift_end", f"must not be before shift_start ({shift_start})")
    try:
        depot_loc = Location(lat=depot_lat, lon=depot_lon)
    except ValidationError as exc:
        raise ProblemError("depot_lat", as_problem_error(exc).rule) from None
    vehicle_types = parse_fleet(
        fleet, start_depot=DEPOT_ID, shift_start_s=start_s, shift_end_s=end_s
    )

    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for raw in reader:
        if any(cell.strip() for cell in raw):
            header = [cell.strip().lower() for cell in raw]
            break
    if header is None:
        raise ProblemError("csv", "is empty; expected a header row with " + ", ".join(REQUIRED))
    for col in header:
        if col not in REQUIRED and col not in OPTIONAL:
            raise ProblemError(
                f"header.{col or '(empty)'}",
                f"unknown column; known: {', '.join(REQUIRED + OPTIONAL)}",
            )
    if len(set(header)) != len(header):
        dup = next(c for c in header if header.count(c) > 1)
        raise ProblemError(f"header.{dup}", "column appears twice")
    for col in REQUIRED:
        if col not in header:
            raise ProblemError(f"header.{col}", "required column is missing")

    stops: dict[str, _StopAcc] = {}
    parcel_rows: dict[str, int] = {}
    n_rows = 0
    for raw in reader:
        row = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue
        n_rows += 1
        if n_rows > MAX_ROWS:
            raise ProblemError("csv", f"has more than {MAX_ROWS} rows")
        if len(raw) > len(header):
            raise ProblemError(f"row {row}", f"has {len(raw)} cells, the header {len(header)}")
        cells = {col: (raw[i].strip() if i < len(raw) else "") for i, col in enumerate(header)}

        def req(col: str, row: int = row, cells: dict[str, str] = cells) -> str:
            if not cells[col]:
                raise ProblemError(f"row {row}.{col}", "is required")
            return cells[col]

        stop_id = req("stop_id")
        _check_id(stop_id, f"row {row}.stop_id")
        lat = _number(req("lat"), f"row {row}.lat")
        lon = _number(req("lon"), f"row {row}.lon")
        if not -90 <= lat <= 90:
            raise ProblemError(f"row {row}.lat", f"must be between -90 and 90, got {lat:g}")
        if not -180 <= lon <= 180:
            raise ProblemError(f"row {row}.lon", f"must be between -180 and 180, got {lon:g}")
        weight = _number(req("weight_kg"), f"row {row}.weight_kg", minimum=0)
        volume = _number(req("volume_m3"), f"row {row}.volume_m3", minimum=0)
        acc = stops.get(stop_id)
        if acc is None:
            acc = stops[stop_id] = _StopAcc(row=row, lat=lat, lon=lon)
        elif abs(acc.lat - lat) > 1e-6 or abs(acc.lon - lon) > 1e-6:
            raise ProblemError(
                f"row {row}.lat",
                f"stop {stop_id!r} has another location on row {acc.row}",
            )
        parcel_id = cells.get("parcel_id") or f"{stop_id}-{len(acc.parcels) + 1}"
        _check_id(parcel_id, f"row {row}.parcel_id")
        if parcel_id in parcel_rows:
            raise ProblemError(
                f"row {row}.parcel_id",
                f"parcel id {parcel_id!r} is already used on row {parcel_rows[parcel_id]}",
            )
        parcel_rows[parcel_id] = row
        try:
            acc.parcels.append(Parcel(id=parcel_id, weight_kg=weight, volume_m3=volume))
        except ValidationError as exc:
            raise as_problem_error(exc, prefix=f"row {row}") from None
        for col in ("service_time_s", "tw_start", "tw_end", "address"):
            value = cells.get(col, "")
            if not value:
                continue
            parsed: Any = value
            if col == "service_time_s":
                parsed = _number(value, f"row {row}.{col}", minimum=0)
                if parsed != int(parsed):
                    raise ProblemError(f"row {row}.{col}", f"must be whole seconds, got {value!r}")
                parsed = int(parsed)
            elif col in ("tw_start", "tw_end"):
                parsed = parse_time(value, f"row {row}.{col}")
            if col in acc.fields and acc.fields[col][0] != parsed:
                raise ProblemError(
                    f"row {row}.{col}",
                    f"stop {stop_id!r} has {acc.fields[col][0]!r} on row {acc.fields[col][1]}",
                )
            acc.fields[col] = (parsed, row)
    if not stops:
        raise ProblemError("csv", "has no order rows below the header")

    built: list[Stop] = []
    for stop_id, acc in stops.items():
        f = {k: v for k, (v, _) in acc.fields.items()}
        tw = None
        if "tw_start" in f or "tw_end" in f:
            a = f.get("tw_start", start_s)
            z = f.get("tw_end", end_s)
            if z < a:
                col = "tw_end" if "tw_end" in acc.fields else "tw_start"
                raise ProblemError(
                    f"row {acc.fields[col][1]}.{col}",
                    f"window end ({z} s) must not be before its start ({a} s)",
                )
            tw = TimeWindow(start_s=a, end_s=z)
        try:
            built.append(
                Stop(
                    id=stop_id,
                    location=Location(lat=acc.lat, lon=acc.lon),
                    parcels=tuple(acc.parcels),
                    service_time_s=f.get("service_time_s", 0),
                    time_window=tw,
                    address=f.get("address", ""),
                )
            )
        except ValidationError as exc:
            err = as_problem_error(exc)
            raise ProblemError(f"row {acc.row}.stop_id", f"{err.field}: {err.rule}") from None
    try:
        return Problem(
            name=name,
            depots=(Depot(id=DEPOT_ID, location=depot_loc),),
            stops=tuple(built),
            vehicle_types=tuple(vehicle_types),
        )
    except ValidationError as exc:
        raise as_problem_error(exc) from None


__all__ = ["DEFAULT_FLEET", "parse_fleet", "parse_time", "problem_from_csv"]
