"""A self-contained HTML report of an annotated plan.

One file with inline CSS, inline SVG and a few lines of vanilla JavaScript: no network access,
no external fonts, scripts or map tiles, so it opens from disk and prints. It shows the plan's
KPIs, a map of the routes, a table and small charts per route (load, state of charge), a timeline
per van, the charging stops on the way (map markers, timeline bars, the state-of-charge rise and a
table of events), an optional overnight depot charging plan (site load and per-van profiles), an
optional fleet comparison, the unassigned stops and free-form notes.

Every string taken from the data is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from voltroute.energy import usable_battery_kwh
from voltroute.model import (
    ChargingStation,
    Problem,
    Route,
    Solution,
    Sortie,
    Step,
    VehicleType,
)

if TYPE_CHECKING:
    from voltroute.charging import DepotChargingPlan, DepotChargingProblem

LonLat = tuple[float, float]

# A qualitative palette (colour-blind-aware hues first); cycled when there are more vans.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#59a14f",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#17becf",
    "#8c564b",
    "#bcbd22",
)
COST_PARTS = (
    ("fixed", "Fixed", "#4e79a7"),
    ("driver", "Driver", "#f28e2b"),
    ("energy", "Energy", "#59a14f"),
    ("maintenance", "Maintenance", "#b07aa1"),
)
STRATEGY_COLOURS = {
    "diesel": "#7f6a55",
    "electric": "#59a14f",
    "mixed": "#4e79a7",
    "van-only": "#4e79a7",
    "van+drones": "#7b2cbf",
    "van+robots": "#c2410c",
}
DRIVE_NOTE = "driving (van colour)"
SERVICE_COLOUR = "#2d333b"
WAIT_FILL = "url(#wait-hatch)"
WAIT_SWATCH = "repeating-linear-gradient(45deg,#6e7781 0 2px,transparent 2px 4px)"
DASH = "\u2013"  # shown for missing values
CHARGE_COLOUR = "#f2b705"  # charging: station markers, timeline bars, state-of-charge bands
# drones and sidewalk robots: hub units get these colours (van units their van's colour), drone
# flights are dashed and robot trips dotted wherever they appear (map, legend, timeline)
DRONE_COLOUR = "#7b2cbf"
ROBOT_COLOUR = "#c2410c"
DASHES = {"drone": "7 4", "robot": "0.1 4.5"}
# markers of a unit's launch (up) and recovery (down), drawn beside the place
LAUNCH_MARK = '<path class="ln" transform="translate(-7 -12)" d="M0 -5.5L5.5 4H-5.5Z"/>'
RECOVER_MARK = '<path class="rc" transform="translate(7 -12)" d="M0 5.5L5.5 -4H-5.5Z"/>'
TRUCK_COLOURS = {
    "diesel": "#7f6a55",
    "diesel-team": "#b09a7a",
    "electric": "#59a14f",
    "driverless-electric": "#2a7f9e",
}
# a lightning bolt drawn inside the station diamond (centred on 0 0)
BOLT = '<path class="bolt" d="M1.2 -5.5L-3 0.8H-0.2L-1.2 5.5L3 -0.8H0.2Z"/>'


# ---------------------------------------------------------------- formatting
def _e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute (also valid XML inside SVG)."""
    return html.escape(str(value), quote=True)


def _finite(x: Any) -> TypeGuard[float]:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _num(x: Any, digits: int = 1) -> str:
    """``1,234.5``; an en dash for None or non-finite values."""
    if not _finite(x):
        return DASH
    return f"{x:,.{digits}f}"


def _mapping(x: Any) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}


def _money(x: Any, currency: str) -> str:
    return f"{_num(x, 2)} {_e(currency)}" if _finite(x) else DASH


def _hhmm(seconds: Any) -> str:
    """Seconds from midnight as ``HH:MM`` (``+1d`` after midnight)."""
    if not _finite(seconds):
        return DASH
    minutes = int(round(float(seconds) / 60))
    days, minutes = divmod(minutes, 24 * 60)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return text + (f"+{days}d" if days > 0 else "")


def _nice_ceil(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``x`` (> 0)."""
    if x <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x * (1 - 1e-9))


def _c(v: float) -> str:
    """A coordinate in SVG units, 2 decimals, trailing zeros stripped."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


# ---------------------------------------------------------------- data access
@dataclass(frozen=True)
class _Van:
    route: Route
    colour: str
    vt: VehicleType | None
    dom_id: str
    ambient_temp_c: float = 20.0

    @property
    def type_name(self) -> str:
        if self.vt is None:
            return self.route.vehicle_type
        return self.vt.name or self.vt.id

    @property
    def is_electric(self) -> bool:
        return self.vt is not None and self.vt.is_electric

    @property
    def is_diesel(self) -> bool:
        return self.vt is not None and self.vt.is_diesel

    @property
    def usable_kwh(self) -> float | None:
        if self.vt is not None and self.vt.is_electric:
            # the battery the checker uses: the rating less the day's cold-weather loss
            return usable_battery_kwh(self.vt.powertrain, self.ambient_temp_c)  # type: ignore[arg-type]
        return None

    @property
    def charges(self) -> list[Step]:
        """The route's charging steps (station visits), in order."""
        return [s for s in self.route.steps if s.kind == "charge"]

    def kpi(self, key: str) -> Any:
        value = self.route.kpis.get(key)
        if value is None and key == "distance_m" and self.route.steps:
            return self.route.steps[-1].distance_m
        if value is None and key == "min_soc_kwh":
            socs = [s.soc_kwh for s in self.route.steps if s.soc_kwh is not None]
            return min(socs) if socs else None
        return value

    def cost(self, part: str = "total") -> Any:
        cost = self.route.kpis.get("cost")
        return cost.get(part) if isinstance(cost, Mapping) else None


def _vans(problem: Problem, solution: Solution) -> list[_Van]:
    types = problem.vehicle_type_by_id
    return [
        _Van(
            r,
            PALETTE[i % len(PALETTE)],
            types.get(r.vehicle_type),
            f"rt-{i}",
            problem.conditions.ambient_temp_c,
        )
        for i, r in enumerate(solution.routes)
    ]


@dataclass(frozen=True)
class _Unit:
    """One drone or robot and its sorties (flights or trips), in launch order."""

    name: str  # the unit's name, with its van's for van-carried units ("edv-1 / bot-2")
    kind: str  # "drone" or "robot"
    colour: str
    dom_id: str
    base: str  # "hub <depot id>" or "on <van>"
    sorties: tuple[Sortie, ...]

    def total(self, key: str) -> float:
        return float(sum(x.kpis.get(key) or 0.0 for x in self.sorties))

    @property
    def what(self) -> str:
        return "flight" if self.kind == "drone" else "trip"


def _sortie_times(x: Sortie) -> dict[str, Any]:
    """The checker's launch, deliver and recover steps of a sortie by kind (may be empty)."""
    return {st.kind: st for st in x.steps}


def _units(problem: Problem, solution: Solution, vans: Sequence[_Van]) -> list[_Unit]:
    """The units that made at least one sortie: hub units first, then van units by van."""
    colour = {v.route.vehicle: v.colour for v in vans}
    hubs = {f.id: f.hub for f in problem.light_fleets}
    groups: dict[tuple[str, str, str, str], list[Sortie]] = {}
    for x in solution.sorties:
        groups.setdefault((x.vehicle or "", x.fleet, x.unit, x.kind), []).append(x)

    def start(x: Sortie) -> float:
        st = _sortie_times(x).get("launch")
        if st is not None:
            return float(st.start_s)
        return float(x.launch_s) if x.launch_s is not None else 0.0

    out = []
    for i, ((van, fleet, unit, kind), xs) in enumerate(sorted(groups.items())):
        hub_colour = DRONE_COLOUR if kind == "drone" else ROBOT_COLOUR
        out.append(
            _Unit(
                name=f"{van} / {unit}" if van else unit,
                kind=kind,
                colour=colour.get(van, hub_colour) if van else hub_colour,
                dom_id=f"un-{i}",
                base=f"on {van}" if van else f"hub {hubs.get(fleet) or ''}".strip(),
                sorties=tuple(sorted(xs, key=start)),
            )
        )
    return out


def _time_axis(vans: Sequence[_Van], units: Sequence[_Unit] = ()) -> tuple[float, float]:
    """A shared time axis for charts and timeline: the routes' span plus shift bounds nearby."""
    times = [t for v in vans for s in v.route.steps for t in (s.arrival_s, s.departure_s)]
    times += [t for u in units for x in u.sorties for st in x.steps for t in (st.start_s, st.end_s)]
    if not times:
        return 8 * 3600.0, 18 * 3600.0
    lo, hi = min(times), max(times)
    for v in vans:
        if v.route.steps and v.vt is not None:
            lo = min(lo, max(float(v.vt.shift_start_s), lo - 2 * 3600))
            if v.vt.shift_end_s is not None:
                hi = max(hi, min(float(v.vt.shift_end_s), hi + 2 * 3600))
    lo = math.floor(lo / 3600) * 3600.0
    hi = max(math.ceil(hi / 3600) * 3600.0, lo + 3600)
    return lo, hi


def _time_ticks(t0: float, t1: float) -> list[float]:
    span_h = (t1 - t0) / 3600
    step = 3600 * (1 if span_h <= 14 else 2 if span_h <= 28 else 4)
    first = math.ceil(t0 / step) * step
    return [float(t) for t in range(int(first), int(t1) + 1, step)]


# ---------------------------------------------------------------- map
class _Projection:
    """Equirectangular projection (x scaled by cos of the mid latitude) fit into a viewBox."""

    def __init__(self, points: Iterable[LonLat], *, geographic: bool, size: float = 1000.0):
        xs: list[float] = []
        ys: list[float] = []
        for x, y in points:
            xs.append(x)
            ys.append(y)
        if not xs:
            xs, ys = [0.0], [0.0]
        self.x0, x1, self.y0, y1 = min(xs), max(xs), min(ys), max(ys)
        self.y1 = y1
        self.kx = math.cos(math.radians((self.y0 + y1) / 2)) if geographic else 1.0
        span = max((x1 - self.x0) * self.kx, y1 - self.y0, 1e-9)
        pad = size * 0.04
        self.scale = (size - 2 * pad) / span
        w = (x1 - self.x0) * self.kx * self.scale
        h = (y1 - self.y0) * self.scale
        self.width = max(w + 2 * pad, size * 0.45)
        self.height = max(h + 2 * pad, size * 0.45)
        self.off_x = (self.width - w) / 2
        self.off_y = (self.height - h) / 2

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return (
            self.off_x + (x - self.x0) * self.kx * self.scale,
            self.off_y + (self.y1 - y) * self.scale,
        )

    def path(self, line: Sequence[LonLat]) -> str:
        """``M x y x y ...`` (implicit line-to), consecutive duplicates dropped; '' if < 2 points."""
        out: list[str] = []
        last = None
        for x, y in line:
            px, py = self(x, y)
            pt = f"{_c(px)} {_c(py)}"
            if pt != last:
                out.append(pt)
                last = pt
        return "M" + " ".join(out) if len(out) >= 2 else ""


def _marker(proj: _Projection, xy: LonLat, shape: str, tip: str) -> str:
    px, py = proj(*xy)
    pos = f"{_c(px)} {_c(py)}"
    return (
        f'<g class="mk" data-xy="{pos}" transform="translate({pos})">'
        f"<title>{_e(tip)}</title>{shape}</g>"
    )


def _map_svg(
    problem: Problem,
    solution: Solution,
    vans: Sequence[_Van],
    roads: Sequence[Sequence[LonLat]] | None,
    route_paths: Mapping[str, Sequence[LonLat]] | None,
    units: Sequence[_Unit] = (),
) -> str:
    depots = {d.id: d for d in problem.depots}
    stops = problem.stop_by_id
    places: dict[str, Any] = {**stops, **problem.station_by_id}
    route_paths = route_paths if route_paths is not None else {}
    roads = roads if roads is not None else []

    def straight(v: _Van) -> list[LonLat]:
        pts = []
        start = depots.get(v.vt.start_depot) if v.vt else None
        end = depots.get(v.vt.end_depot_id) if v.vt else None
        if start is not None:
            pts.append(start.location.xy)
        pts += [places[s].location.xy for s in v.route.stops if s in places]
        if end is not None:
            pts.append(end.location.xy)
        return pts

    lines: dict[str, Sequence[LonLat]] = {}
    for v in vans:
        given = route_paths.get(v.route.vehicle)
        lines[v.dom_id] = given if given is not None and len(given) >= 2 else straight(v)

    def everything() -> Iterable[LonLat]:
        for d in problem.depots:
            yield d.location.xy
        for s in problem.stops:
            yield s.location.xy
        for c in problem.stations:
            yield c.location.xy
        for line in roads:
            yield from line
        for line in lines.values():
            yield from line

    geographic = problem.depots[0].location.is_geographic
    proj = _Projection(everything(), geographic=geographic)
    out = [
        f'<svg id="map" class="map" viewBox="0 0 {_c(proj.width)} {_c(proj.height)}" '
        f'role="img" aria-label="map of the routes">'
    ]
    if len(roads):
        network = " ".join(p for p in (proj.path(line) for line in roads) if p)
        out.append(f'<path class="roads" d="{network}"/>')
    out += _sortie_layer(problem, proj, units)
    for v in vans:
        steps = {s.id: s for s in v.route.steps if s.kind == "stop"}
        out.append(f'<g id="{v.dom_id}" class="rt">')
        line = proj.path(lines[v.dom_id])
        if line:
            out.append(
                f'<path class="route" data-vehicle="{_e(v.route.vehicle)}" stroke="{v.colour}" '
                f'd="{line}"><title>{_e(v.route.vehicle)}</title></path>'
            )
        circle = f'<circle r="4.5" fill="{v.colour}"/>'
        for k, sid in enumerate(v.route.stops, start=1):
            stop = stops.get(sid)
            if stop is None:
                continue
            step = steps.get(sid)
            tip = f"{sid}\n{v.route.vehicle} · stop {k} of {len(v.route.stops)}"
            if step is not None:
                tip += f"\narrival {_hhmm(step.arrival_s)}"
                if step.wait_s > 0:
                    tip += f", wait {step.wait_s / 60:.0f} min"
            if stop.time_window is not None:
                tw = stop.time_window
                tip += f"\nwindow {_hhmm(tw.start_s)}{DASH}{_hhmm(tw.end_s)}"
            tip += f"\n{len(stop.parcels)} parcel{'s' if len(stop.parcels) != 1 else ''}"
            tip += f", {stop.weight_kg:.1f} kg"
            out.append(_marker(proj, stop.location.xy, circle, tip))
        out.append("</g>")
    cross = '<path class="x" d="M-5 -5L5 5M-5 5L5 -5"/>'
    for u in solution.unassigned:
        stop = stops.get(u.stop)
        if stop is None:
            continue
        tip = f"{u.stop}\nunassigned: {u.reason}" + (f"\n{u.detail}" if u.detail else "")
        tip += f"\n{len(stop.parcels)} parcel{'s' if len(stop.parcels) != 1 else ''}"
        out.append(_marker(proj, stop.location.xy, cross, tip))
    visits: dict[str, list[tuple[_Van, Step]]] = {}
    for v in vans:
        for step in v.charges:
            visits.setdefault(step.id, []).append((v, step))
    for c in problem.stations:
        used = visits.get(c.id, [])
        cls = "station used" if used else "station"
        shape = f'<path class="{cls}" d="M0 -8L8 0L0 8L-8 0Z"/>{BOLT}'
        out.append(
            _marker(proj, c.location.xy, shape, _station_tip(c, used, problem.economics.currency))
        )
    square = '<rect class="depot" x="-7" y="-7" width="14" height="14" rx="2"/>'
    for d in problem.depots:
        tip = f"depot {d.id}" + (f"\n{d.name}" if d.name else "")
        tip += f"\nopen {_hhmm(d.open_s)}{DASH}{_hhmm(d.close_s)}"
        out.append(_marker(proj, d.location.xy, square, tip))
    out.append("</svg>")
    return "".join(out)


def _place_xy(problem: Problem, ident: str) -> LonLat | None:
    """(x, y) of a depot or stop id (sortie launch, delivery and recovery points)."""
    if ident in problem.depot_index:
        return problem.depots[problem.depot_index[ident]].location.xy
    stop = problem.stop_by_id.get(ident)
    return stop.location.xy if stop is not None else None


def _sortie_tip(u: _Unit, x: Sortie) -> str:
    st = _sortie_times(x)
    tip = f"{x.stop}: {u.kind} {u.what} by {u.name}"
    launch, deliver, recover = st.get("launch"), st.get("deliver"), st.get("recover")
    if launch is not None:
        tip += f"\nlaunch at {x.launch_at} {_hhmm(launch.start_s)}"
    if deliver is not None:
        tip += f"\ndelivered {_hhmm(deliver.start_s)}"
    if recover is not None:
        tip += f"\nrecovered at {x.recover_at} {_hhmm(recover.end_s)}"
        if recover.wait_s > 0:
            tip += f" (waited {recover.wait_s / 60:.0f} min)"
    km, wh = x.kpis.get("distance_m"), x.kpis.get("energy_wh")
    if _finite(km):
        tip += f"\n{km / 1000:.2f} km"
    if _finite(wh):
        tip += f", {wh:.0f} Wh"
    return tip


def _sortie_layer(problem: Problem, proj: _Projection, units: Sequence[_Unit]) -> list[str]:
    """Per unit a group (highlightable like a van): a dashed (drone) or dotted (robot) line per
    sortie, launch point -> customer -> recovery point, a ring at the customer and launch (up)
    and recovery (down) triangles beside each place where the unit leaves or rejoins."""
    out = []
    ring = '<circle class="sc" r="3.8" style="stroke:{c}"/>'
    for u in units:
        out.append(f'<g id="{u.dom_id}" class="rt">')
        marks: dict[tuple[str, str], list[str]] = {}
        for x in u.sorties:
            pts = [_place_xy(problem, i) for i in (x.launch_at, x.stop, x.recover_at)]
            if any(p is None for p in pts):
                continue
            tip = _sortie_tip(u, x)
            # out and back from the same place: one line (the return would retrace it)
            line = [p for p in pts if p is not None][: 2 if x.launch_at == x.recover_at else 3]
            d = proj.path(line)
            if d:
                out.append(
                    f'<path class="sortie {u.kind}" data-unit="{_e(u.name)}" stroke="{u.colour}" '
                    f'stroke-dasharray="{DASHES.get(u.kind, "4 4")}" d="{d}">'
                    f"<title>{_e(tip)}</title></path>"
                )
            stop = problem.stop_by_id.get(x.stop)
            if stop is not None:
                out.append(_marker(proj, stop.location.xy, ring.format(c=u.colour), tip))
            st = _sortie_times(x)
            for kind, at in (("launch", x.launch_at), ("recover", x.recover_at)):
                step = st.get(kind)
                when = (
                    "" if step is None else _hhmm(step.start_s if kind == "launch" else step.end_s)
                )
                marks.setdefault((kind, at), []).append(f"{x.stop} {when}".strip())
        for (kind, at), items in marks.items():
            xy = _place_xy(problem, at)
            if xy is None:
                continue
            verb = "launched" if kind == "launch" else "recovered"
            tip = f"{u.name} ({u.kind}) {verb} at {at}: {len(items)} {u.what}"
            tip += ("s" if len(items) != 1 else "") + "\n" + ", ".join(items[:12])
            tip += " ..." if len(items) > 12 else ""
            paint = f' fill="{u.colour}"/>' if kind == "launch" else f' style="stroke:{u.colour}"/>'
            shape = (LAUNCH_MARK if kind == "launch" else RECOVER_MARK).replace("/>", paint)
            out.append(_marker(proj, xy, shape, tip))
        out.append("</g>")
    return out


def _station_tip(c: ChargingStation, used: Sequence[tuple[_Van, Step]], currency: str) -> str:
    tip = f"charging station {c.id}" + (f"\n{c.name}" if c.name else "")
    tip += f"\n{c.connectors} × {c.power_kw:g} kW"
    if c.price_per_kwh is not None:
        tip += f", {c.price_per_kwh:g} {currency}/kWh"
    if c.close_s is not None or c.open_s:
        tip += f"\nopen {_hhmm(c.open_s)}{DASH}{_hhmm(c.close_s)}"
    if not used:
        return tip + "\nnot used"
    for v, s in used:
        tip += (
            f"\n{v.route.vehicle}: {_hhmm(s.arrival_s)}, {s.charge_s / 60:.0f} min, "
            f"+{s.charged_kwh:.1f} kWh"
        )
    return tip


def _line_key(colour: str, kind: str) -> str:
    """A short line sample for the legend: dashed (drone) or dotted (robot) in ``colour``."""
    return (
        f'<svg class="kl" viewBox="0 0 26 10" width="26" height="10" aria-hidden="true">'
        f'<line x1="2" y1="5" x2="24" y2="5" stroke="{colour}" '
        f'stroke-dasharray="{DASHES.get(kind, "4 4")}" class="kl-{kind}"/></svg>'
    )


def _legend(vans: Sequence[_Van], stations: bool = False, units: Sequence[_Unit] = ()) -> str:
    rows = []
    for v in vans:
        km = v.kpi("distance_m")
        rows.append(
            f'<tr data-route="{v.dom_id}" title="click to highlight">'
            f'<td class="l"><span class="sw" style="background:{v.colour}"></span>'
            f'{_e(v.route.vehicle)}</td><td class="l">{_e(v.type_name)}</td>'
            f"<td>{len(v.route.stops)}</td><td>{_num(km / 1000 if _finite(km) else None)}</td></tr>"
        )
    for u in units:
        rows.append(
            f'<tr data-route="{u.dom_id}" title="click to highlight">'
            f'<td class="l">{_line_key(u.colour, u.kind)} {_e(u.name)}</td>'
            f'<td class="l">{_e(u.kind)}, {_e(u.base)}</td><td>{len(u.sorties)}</td>'
            f"<td>{_num(u.total('distance_m') / 1000)}</td></tr>"
        )
    kinds = {u.kind for u in units}
    sortie_keys = ""
    if units:
        sortie_keys = (
            "<br>"
            + (
                f'<span class="k">{_line_key(DRONE_COLOUR, "drone")} drone flight</span> '
                if "drone" in kinds
                else ""
            )
            + (
                f'<span class="k">{_line_key(ROBOT_COLOUR, "robot")} robot trip</span> '
                if "robot" in kinds
                else ""
            )
            + '<span class="k"><span class="key-sc"></span> stop served by a drone or robot'
            '</span> <span class="k"><span class="key-ln">\u25b2</span> launch '
            '<span class="key-rc">\u25bd</span> recovery</span> (beside the van stop or hub). '
            "Hub units in purple (drones) or orange (robots), van units in their van's colour; "
            "lines are straight from launch to customer (and on to recovery)."
        )
    head = "Vehicle" if units else "Van"
    stops = '<span title="stops of a van, trips of a unit">Stops</span>' if units else "Stops"
    return (
        f'<table class="legend"><thead><tr><th class="l">{head}</th><th class="l">Type</th>'
        f"<th>{stops}</th><th>km</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        '<p class="keys"><span class="key-depot"></span> depot'
        + (" or hub " if units else " ")
        + '<span class="key-x">\u2715</span> unassigned stop'
        + (
            '<span class="key-st"></span> charging station '
            '<span class="key-st unused"></span> unused station'
            if stations
            else ""
        )
        + sortie_keys
        + "</p>"
        '<p class="hint noprint">Scroll to zoom, drag to pan, double-click to reset. '
        "Click a van"
        + (" or unit" if units else "")
        + " to highlight its route; click again to clear.</p>"
    )


# ---------------------------------------------------------------- KPIs
def _tile(label: str, value: str, sub: str = "", cls: str = "") -> str:
    sub_html = f'<div class="s">{sub}</div>' if sub else ""
    return (
        f'<div class="tile {cls}"><div class="k">{label}</div><div class="v">{value}</div>'
        f"{sub_html}</div>"
    )


def _kpi_tiles(problem: Problem, solution: Solution, vans: Sequence[_Van]) -> str:
    k = solution.kpis
    cur = str(k.get("currency") or problem.economics.currency)
    cost = _mapping(k.get("cost"))
    types = problem.vehicle_type_by_id
    by_type = k.get("vehicles_by_type") or {}
    by_type_txt = ", ".join(
        f"{n} × {_e(types[t].name or t if t in types else t)}" for t, n in by_type.items()
    )
    dist = k.get("distance_m")
    dur = k.get("duration_s")
    energy = k.get("energy_kwh")
    grid = k.get("grid_energy_kwh")
    penalty = k.get("unserved_penalty")
    reasons = k.get("unassigned_reasons") or {}
    reasons_txt = ", ".join(f"{_e(r)}: {n}" for r, n in reasons.items())
    unassigned_stops = k.get("unassigned", len(solution.unassigned))
    charges = [c for v in vans for c in v.charges]
    tiles = [
        _tile("Vans used", _num(k.get("vehicles_used", len(vans)), 0), by_type_txt),
        _tile(
            "Distance",
            f"{_num(dist / 1000 if _finite(dist) else None)} km",
            f"{_num(dur / 3600 if _finite(dur) else None)} van-hours",
        ),
        _tile(
            "Electricity",
            f"{_num(energy)} kWh",
            (f"{_num(grid)} kWh from the grid" if _finite(grid) else "")
            + (
                f" · {len(charges)} charging stop{'s' if len(charges) != 1 else ''}, "
                f"{_num(sum(c.charged_kwh for c in charges))} kWh on the way"
                if charges
                else ""
            ),
        ),
        _tile("Diesel", f"{_num(k.get('fuel_l'))} L"),
        _tile(
            "Total cost",
            _money(cost.get("total"), cur),
            f"+ {_money(penalty, cur)} unserved penalty"
            if _finite(penalty) and penalty > 0
            else "",
        ),
        _tile("Cost per parcel", _money(k.get("cost_per_parcel"), cur), cls="hi"),
        _tile("CO\u2082", f"{_num(k.get('co2_kg'))} kg", "tank-to-wheel + grid"),
        _tile("CO\u2082 per parcel", f"{_num(k.get('co2_kg_per_parcel'), 3)} kg", cls="hi"),
        _tile(
            "Parcels served",
            _num(k.get("served_parcels"), 0),
            f"{_num(k.get('served'), 0)} stops · {_num(k.get('parcels_per_route'))} per van",
        ),
        _tile(
            "Unassigned parcels",
            _num(k.get("unassigned_parcels"), 0),
            f"{_num(unassigned_stops, 0)} stops" + (f" · {reasons_txt}" if reasons_txt else ""),
            cls="bad"
            if _finite(k.get("unassigned_parcels")) and k["unassigned_parcels"] > 0
            else "",
        ),
    ]
    if problem.light_fleets or solution.sorties:
        tiles += _light_tiles(k)
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _hmm(seconds: Any) -> str:
    """A duration as ``H:MM h`` (an en dash when missing)."""
    if not _finite(seconds):
        return DASH
    minutes = int(round(float(seconds) / 60))
    return f"{minutes // 60}:{minutes % 60:02d} h"


def _light_tiles(k: Mapping[str, Any]) -> list[str]:
    """Drone flights, robot trips, their energy and the makespan (the checker's KPIs)."""
    flights, trips = k.get("flights") or 0, k.get("robot_trips") or 0
    d_kwh, r_kwh = k.get("drone_energy_kwh") or 0.0, k.get("robot_energy_kwh") or 0.0
    d_km, r_km = (
        (k.get("drone_distance_m") or 0.0) / 1000,
        (k.get("robot_distance_m") or 0.0) / 1000,
    )
    wait = k.get("van_sync_wait_s") or 0.0
    return [
        _tile(
            "Drone flights",
            _num(flights, 0),
            f"{_num(k.get('drone_parcels') or 0, 0)} parcels · {_num(d_km)} km flown",
        ),
        _tile(
            "Robot trips",
            _num(trips, 0),
            f"{_num(k.get('robot_parcels') or 0, 0)} parcels · {_num(r_km)} km driven",
        ),
        _tile(
            "Drone energy",
            f"{_num(d_kwh, 2)} kWh",
            f"{_num(d_kwh * 1000 / flights, 0)} Wh per flight" if flights else "",
        ),
        _tile(
            "Robot energy",
            f"{_num(r_kwh, 2)} kWh",
            f"{_num(r_kwh * 1000 / trips, 0)} Wh per trip" if trips else "",
        ),
        _tile(
            "Makespan",
            _hmm(k.get("makespan_s")),
            "first departure to last return, units included"
            + (f" · vans waited {wait / 60:.0f} min for units" if wait > 0 else ""),
        ),
    ]


def _cost_bar(cost: Mapping[str, Any], currency: str) -> str:
    parts = [(lbl, col, float(cost.get(key) or 0.0)) for key, lbl, col in COST_PARTS]
    total = sum(v for _, _, v in parts)
    if total <= 0:
        return ""
    width, height = 1000.0, 30.0
    x = 0.0
    out = [
        f'<svg class="costbar" viewBox="0 0 {_c(width)} {_c(height)}" preserveAspectRatio="none" '
        f'role="img" aria-label="cost breakdown">'
    ]
    for lbl, col, v in parts:
        w = v / total * width
        if w <= 0:
            continue
        out.append(
            f'<rect x="{_c(x)}" y="0" width="{_c(w)}" height="{_c(height)}" fill="{col}">'
            f"<title>{_e(lbl)}: {_num(v, 2)} {_e(currency)} ({v / total:.0%})</title></rect>"
        )
        x += w
    out.append("</svg>")
    keys = "".join(
        f'<span><span class="sw" style="background:{col}"></span>{lbl} '
        f'<b>{_num(v, 2)}</b> {_e(currency)} <span class="m">({v / total:.0%})</span></span>'
        for lbl, col, v in parts
    )
    return "".join(out) + f'<div class="costkeys">{keys}</div>'


# ---------------------------------------------------------------- per-route table
def _routes_table(vans: Sequence[_Van], currency: str) -> str:
    head = (
        '<tr><th class="l">Van</th><th class="l">Type</th><th>Stops</th><th>Parcels</th>'
        "<th>km</th><th>Hours</th><th>kWh</th><th>L</th>"
        f"<th>Cost ({_e(currency)})</th><th>CO\u2082 kg</th><th>Min SoC</th></tr>"
    )
    rows = []
    tot = {"stops": 0.0, "parcels": 0.0, "km": 0.0, "h": 0.0, "kwh": 0.0, "l": 0.0}
    tot_cost = tot_co2 = 0.0

    def add(key: str, x: Any) -> None:
        if _finite(x):
            tot[key] += x

    for v in vans:
        dist, dur = v.kpi("distance_m"), v.kpi("duration_s")
        km = dist / 1000 if _finite(dist) else None
        hours = dur / 3600 if _finite(dur) else None
        kwh = v.kpi("energy_kwh") if v.is_electric or not v.is_diesel else None
        litres = v.kpi("fuel_l") if v.is_diesel or not v.is_electric else None
        parcels = v.kpi("parcels")
        min_soc = v.kpi("min_soc_kwh")
        soc_txt = DASH
        if v.is_electric and _finite(min_soc):
            usable = v.usable_kwh or 0.0
            pct = f" ({min_soc / usable:.0%})" if usable > 0 else ""
            soc_txt = f"{_num(min_soc)} kWh{pct}"
        cost, co2 = v.cost(), v.kpi("co2_kg")
        for key, x in (
            ("stops", len(v.route.stops)),
            ("parcels", parcels),
            ("km", km),
            ("h", hours),
            ("kwh", kwh),
            ("l", litres),
        ):
            add(key, x)
        tot_cost += cost if _finite(cost) else 0.0
        tot_co2 += co2 if _finite(co2) else 0.0
        flag = ""
        if v.route.kpis.get("feasible") is False:
            flag = ' <span class="warn" title="the checker found this route infeasible">⚠</span>'
        rows.append(
            f'<tr data-route="{v.dom_id}"><td class="l"><span class="sw" '
            f'style="background:{v.colour}"></span>{_e(v.route.vehicle)}{flag}</td>'
            f'<td class="l">{_e(v.type_name)}</td><td>{len(v.route.stops)}</td>'
            f"<td>{_num(parcels, 0)}</td><td>{_num(km)}</td><td>{_num(hours, 2)}</td>"
            f"<td>{_num(kwh)}</td><td>{_num(litres)}</td><td>{_num(cost, 2)}</td>"
            f"<td>{_num(co2)}</td><td>{soc_txt}</td></tr>"
        )
    foot = (
        f'<tr class="total"><td class="l">Total</td><td class="l">{len(vans)} '
        f"van{'s' if len(vans) != 1 else ''}</td>"
        f"<td>{_num(tot['stops'], 0)}</td><td>{_num(tot['parcels'], 0)}</td>"
        f"<td>{_num(tot['km'])}</td><td>{_num(tot['h'], 2)}</td><td>{_num(tot['kwh'])}</td>"
        f"<td>{_num(tot['l'])}</td><td>{_num(tot_cost, 2)}</td><td>{_num(tot_co2)}</td>"
        "<td></td></tr>"
    )
    return (
        f'<div class="scroll"><table class="data"><thead>{head}</thead><tbody>{"".join(rows)}'
        f"</tbody><tfoot>{foot}</tfoot></table></div>"
    )


# ---------------------------------------------------------------- step charts
def _step_chart(
    *,
    axis: tuple[float, float],
    points: Sequence[tuple[float, float, str]],
    full: float,
    unit: str,
    colour: str,
    label: str,
    reference: float | None = None,
    reference_label: str = "",
    percent: bool = True,
    ramps: frozenset[int] = frozenset(),
    bands: Sequence[tuple[float, float, str]] = (),
) -> str:
    """A step chart of ``points`` (time s, value, tooltip) scaled to ``full``.

    With ``percent`` the left axis is in % of ``full`` and the right one in ``unit``; without,
    only a left axis in ``unit``. The line into point ``i`` for ``i`` in ``ramps`` is straight
    (a value that changes steadily, e.g. charging); ``bands`` are (from s, to s, tooltip)
    intervals shaded behind the line (charging).
    """
    width, height = 560.0, 120.0
    left, right, top, bottom = 40.0, 58.0, 16.0, 20.0
    pw, ph = width - left - right, height - top - bottom
    t0, t1 = axis
    top_pct = max(100.0, max((v / full * 100 for _, v, _ in points), default=0.0))
    top_pct = math.ceil(top_pct / 25) * 25

    def x(t: float) -> float:
        return left + (min(max(t, t0), t1) - t0) / (t1 - t0) * pw

    def y(v: float) -> float:
        return top + ph - max(v / full * 100, 0.0) / top_pct * ph

    out = [
        f'<svg class="chart" viewBox="0 0 {_c(width)} {_c(height)}" role="img" '
        f'aria-label="{_e(label)}">',
        f'<text x="{_c(left)}" y="11" class="ct">{_e(label)}</text>',
    ]
    for pct in range(0, int(top_pct) + 1, 25 if top_pct <= 100 else 50):
        yy = top + ph - pct / top_pct * ph
        value = full * pct / 100
        in_unit = f"{_num(value, 0 if full >= 20 else 1)} {_e(unit)}"
        out.append(
            f'<line class="grid" x1="{_c(left)}" x2="{_c(left + pw)}" y1="{_c(yy)}" y2="{_c(yy)}"/>'
            f'<text x="{_c(left - 4)}" y="{_c(yy + 3.5)}" text-anchor="end">'
            f"{f'{pct}%' if percent else in_unit}</text>"
        )
        if percent:
            out.append(f'<text x="{_c(left + pw + 4)}" y="{_c(yy + 3.5)}">{in_unit}</text>')
    for t in _time_ticks(t0, t1):
        out.append(
            f'<text x="{_c(x(t))}" y="{_c(height - 5)}" text-anchor="middle">{_hhmm(t)}</text>'
        )
    for a, b, tip in bands:
        out.append(
            f'<rect class="band" x="{_c(x(a))}" y="{_c(top)}" width="{_c(max(x(b) - x(a), 1.0))}" '
            f'height="{_c(ph)}" fill="{CHARGE_COLOUR}"><title>{_e(tip)}</title></rect>'
        )
    if points:
        d = [f"M{_c(x(points[0][0]))} {_c(y(points[0][1]))}"]
        for i, (t, v, _) in enumerate(points[1:], start=1):
            d.append(f"L{_c(x(t))} {_c(y(v))}" if i in ramps else f"H{_c(x(t))}V{_c(y(v))}")
        line = "".join(d)
        area = f"{line}V{_c(top + ph)}H{_c(x(points[0][0]))}Z"
        out.append(f'<path class="area" fill="{colour}" d="{area}"/>')
        out.append(f'<path class="step" stroke="{colour}" d="{line}"/>')
    if reference is not None:
        yy = y(reference)
        out.append(
            f'<line class="ref" x1="{_c(left)}" x2="{_c(left + pw)}" y1="{_c(yy)}" y2="{_c(yy)}"/>'
            f'<text class="reft" x="{_c(left + pw - 2)}" y="{_c(yy - 3)}" text-anchor="end">'
            f"{_e(reference_label)}</text>"
        )
    for t, v, tip in points:
        out.append(
            f'<circle class="pt" cx="{_c(x(t))}" cy="{_c(y(v))}" r="2" fill="{colour}">'
            f"<title>{_e(tip)}</title></circle>"
        )
    out.append("</svg>")
    return "".join(out)


def _series(
    steps: Sequence[Step], value: Callable[[Step], float | None], at_departure: bool
) -> list[tuple[float, float, Step]]:
    """(time the value takes effect, value, step) for each step that has a value."""
    out = []
    for s in steps:
        v = value(s)
        if v is None:
            continue
        if s.kind == "start":
            t = s.departure_s
        elif s.kind == "end":
            t = s.arrival_s
        else:
            t = s.departure_s if at_departure else s.arrival_s
        out.append((t, float(v), s))
    return out


def _soc_points(
    steps: Sequence[Step], usable: float
) -> tuple[list[tuple[float, float, str]], frozenset[int], list[tuple[float, float, str]]]:
    """State-of-charge points: a value at each arrival, and at a charging step both the value on
    arrival and after charging, joined by a straight rise; plus the charging intervals."""
    pts: list[tuple[float, float, str]] = []
    ramps: set[int] = set()
    bands: list[tuple[float, float, str]] = []
    for t, kwh, s in _series(steps, lambda s: s.soc_kwh, at_departure=False):
        if s.kind == "charge":
            before = kwh - s.charged_kwh
            pts.append((s.arrival_s, before, f"{s.id} {_hhmm(s.arrival_s)}: arrives with "
                        f"{before:.1f} kWh ({before / usable:.0%})"))  # fmt: skip
            if s.service_start_s > s.arrival_s:
                pts.append((s.service_start_s, before, f"{s.id}: plugged in at "
                            f"{_hhmm(s.service_start_s)}"))  # fmt: skip
            ramps.add(len(pts))
            tip = (
                f"{s.id} {_hhmm(s.service_start_s)}{DASH}{_hhmm(s.departure_s)}: charged "
                f"{s.charged_kwh:.1f} kWh in {s.charge_s / 60:.0f} min, leaves with {kwh:.1f} kWh "
                f"({kwh / usable:.0%})"
            )
            pts.append((s.departure_s, kwh, tip))
            bands.append((s.service_start_s, s.departure_s, tip))
        else:
            pts.append((t, kwh, f"{s.id} {_hhmm(t)}: {kwh:.1f} kWh ({kwh / usable:.0%})"))
    return pts, frozenset(ramps), bands


def _route_cards(vans: Sequence[_Van], axis: tuple[float, float]) -> str:
    cards = []
    for v in vans:
        steps = v.route.steps
        head = (
            f'<div class="ch"><span class="sw" style="background:{v.colour}"></span>'
            f"<b>{_e(v.route.vehicle)}</b> · {_e(v.type_name)} · {len(v.route.stops)} stops"
            f" · {_num(v.kpi('parcels'), 0)} parcels</div>"
        )
        if not steps:
            cards.append(f'<div class="card">{head}<p class="m">No schedule.</p></div>')
            continue
        charts = []
        cap = float(v.vt.capacity_kg) if v.vt is not None and v.vt.capacity_kg > 0 else 0.0
        full = cap or max((s.load_kg for s in steps), default=0.0) or 1.0
        pts = []
        for t, kg, s in _series(steps, lambda s: s.load_kg, at_departure=True):
            tip = f"{s.id} {_hhmm(t)}: {kg:,.0f} kg"
            if cap:
                tip += f" ({kg / cap:.0%} of {cap:,.0f} kg)"
            tip += f", {s.load_m3:.2f} m³"
            pts.append((t, kg, tip))
        charts.append(
            _step_chart(
                axis=axis,
                points=pts,
                full=full,
                unit="kg",
                colour=v.colour,
                label="Load on board (% of payload)",
            )
        )
        usable = v.usable_kwh
        if usable:
            reserve = float(v.vt.powertrain.reserve_fraction)  # type: ignore[union-attr]
            pts, ramps, bands = _soc_points(steps, usable)
            charts.append(
                _step_chart(
                    axis=axis,
                    points=pts,
                    full=usable,
                    unit="kWh",
                    colour=v.colour,
                    label="State of charge (% of usable battery"
                    + (
                        f" at {v.ambient_temp_c:g} °C)"
                        if v.vt is not None and usable < v.vt.powertrain.battery_usable_kwh  # type: ignore[union-attr]
                        else ")"
                    )
                    + (
                        f" · {len(bands)} charging stop{'s' if len(bands) != 1 else ''}"
                        if bands
                        else ""
                    ),
                    reference=reserve * usable,
                    reference_label=f"reserve {reserve:.0%}",
                    ramps=ramps,
                    bands=bands,
                )
            )
        elif v.is_diesel:
            pts = [
                (t, litres, f"{s.id} {_hhmm(t)}: {litres:.2f} L burnt")
                for t, litres, s in _series(steps, lambda s: s.fuel_used_l, at_departure=False)
            ]
            charts.append(
                _step_chart(
                    axis=axis,
                    points=pts,
                    full=_nice_ceil(max((p[1] for p in pts), default=0.0)),
                    unit="L",
                    colour=v.colour,
                    label="Diesel burnt since departure (litres)",
                    percent=False,
                )
            )
        cards.append(f'<div class="card" data-route="{v.dom_id}">{head}{"".join(charts)}</div>')
    return '<div class="cards">' + "".join(cards) + "</div>"


# ---------------------------------------------------------------- timeline
def _timeline_svg(
    vans: Sequence[_Van], axis: tuple[float, float], units: Sequence[_Unit] = ()
) -> str:
    width, label_w, right = 1160.0, 120.0, 16.0
    row_h, bar_h, top, axis_h = 24.0, 14.0, 6.0, 22.0
    pw = width - label_w - right
    height = top + row_h * (len(vans) + len(units)) + axis_h
    t0, t1 = axis

    def x(t: float) -> float:
        return label_w + (min(max(t, t0), t1) - t0) / (t1 - t0) * pw

    out = [
        f'<svg class="gantt" viewBox="0 0 {_c(width)} {_c(height)}" role="img" '
        f'aria-label="timeline per van">'
        '<defs><pattern id="wait-hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="2" height="4" fill="#6e7781"/></pattern></defs>'
    ]
    for t in _time_ticks(t0, t1):
        out.append(
            f'<line class="grid" x1="{_c(x(t))}" x2="{_c(x(t))}" y1="{_c(top)}" '
            f'y2="{_c(height - axis_h)}"/><text x="{_c(x(t))}" y="{_c(height - 6)}" '
            f'text-anchor="middle">{_hhmm(t)}</text>'
        )

    def bar(a: float, b: float, y0: float, cls: str, fill: str, tip: str, h: float = bar_h) -> str:
        if b <= a:
            return ""
        w = max(x(b) - x(a), 0.6)
        return (
            f'<rect class="{cls}" x="{_c(x(a))}" y="{_c(y0)}" width="{_c(w)}" '
            f'height="{_c(h)}" fill="{fill}"><title>{_e(tip)}</title></rect>'
        )

    for i, v in enumerate(vans):
        y_row = top + i * row_h
        yb = y_row + (row_h - bar_h) / 2
        out.append(f'<g data-route="{v.dom_id}">')
        out.append(
            f'<rect x="4" y="{_c(yb + 2)}" width="10" height="10" rx="2" fill="{v.colour}"/>'
            f'<text class="lbl" x="20" y="{_c(yb + 11)}">{_e(v.route.vehicle)}</text>'
        )
        if v.vt is not None:
            s0 = float(v.vt.shift_start_s)
            s1 = float(v.vt.shift_end_s) if v.vt.shift_end_s is not None else t1
            tip = f"{v.route.vehicle} shift {_hhmm(s0)}{DASH}{_hhmm(s1)}"
            out.append(
                f'<rect class="shift" x="{_c(x(s0))}" y="{_c(yb - 3)}" '
                f'width="{_c(x(s1) - x(s0))}" height="{_c(bar_h + 6)}"><title>{_e(tip)}</title>'
                "</rect>"
            )
            for bound in (s0, s1):
                if t0 <= bound <= t1:
                    out.append(
                        f'<line class="bound" x1="{_c(x(bound))}" x2="{_c(x(bound))}" y1="{_c(yb - 4)}" '
                        f'y2="{_c(yb + bar_h + 4)}"/>'
                    )
        steps = v.route.steps
        for j, s in enumerate(steps):
            where = f"{v.route.vehicle} at {s.id}"
            out.append(
                bar(
                    s.arrival_s,
                    s.service_start_s,
                    yb,
                    "wait",
                    WAIT_FILL,
                    f"{where}: waiting {_hhmm(s.arrival_s)}{DASH}{_hhmm(s.service_start_s)}",
                )
            )
            if s.kind == "charge":
                out.append(
                    bar(
                        s.service_start_s,
                        s.departure_s,
                        yb,
                        "chg",
                        CHARGE_COLOUR,
                        f"{where}: charging {_hhmm(s.service_start_s)}{DASH}"
                        f"{_hhmm(s.departure_s)} ({s.charge_s / 60:.0f} min), "
                        f"+{s.charged_kwh:.1f} kWh",
                    )
                )
                continue
            out.append(
                bar(
                    s.service_start_s,
                    s.departure_s,
                    yb,
                    "svc",
                    SERVICE_COLOUR,
                    f"{where}: service {_hhmm(s.service_start_s)}{DASH}{_hhmm(s.departure_s)}",
                )
            )
            if j + 1 < len(steps):
                nxt = steps[j + 1]
                km = (nxt.distance_m - s.distance_m) / 1000
                out.append(
                    bar(
                        s.departure_s,
                        nxt.arrival_s,
                        yb,
                        "drive",
                        v.colour,
                        f"{v.route.vehicle}: {s.id} → {nxt.id}, {_hhmm(s.departure_s)}{DASH}"
                        f"{_hhmm(nxt.arrival_s)}, {km:.1f} km",
                    )
                )
        out.append("</g>")
    for j, u in enumerate(units):
        y_row = top + (len(vans) + j) * row_h
        yb = y_row + (row_h - bar_h) / 2
        out.append(f'<g data-route="{u.dom_id}">')
        out.append(
            f'<rect x="4" y="{_c(yb + 2)}" width="10" height="10" rx="5" fill="{u.colour}"/>'
            f'<text class="lbl" x="20" y="{_c(yb + 11)}">{_e(u.name)}</text>'
        )
        for sortie in u.sorties:
            st = _sortie_times(sortie)
            launch, deliver, recover = st.get("launch"), st.get("deliver"), st.get("recover")
            if launch is None or deliver is None:
                continue
            end = recover.end_s if recover is not None else deliver.end_s
            tip = _sortie_tip(u, sortie)
            # launch, out, deliver, back, recover: the unit's colour, the hand-overs dark
            out.append(bar(launch.start_s, end, yb, f"unit {u.kind}", u.colour, tip))
            hands = [(launch.start_s, launch.end_s), (deliver.start_s, deliver.end_s)]
            if recover is not None:
                hands.append((recover.start_s, recover.end_s))
            for a, b in hands:
                out.append(bar(a, b, yb + bar_h / 4, "hand", SERVICE_COLOUR, tip, bar_h / 2))
        out.append("</g>")
    out.append("</svg>")
    unit_keys = ""
    if units:
        unit_keys = (
            f'<span><span class="sw" style="background:{DRONE_COLOUR}"></span>drone flight / '
            f'<span class="sw" style="background:{ROBOT_COLOUR}"></span>robot trip (hub '
            "units; van units in their van's colour), dark: launch, delivery, recovery</span>"
        )
    keys = (
        '<div class="costkeys"><span><span class="sw" style="background:linear-gradient(90deg,'
        f'{PALETTE[0]},{PALETTE[1]},{PALETTE[2]})"></span>{DRIVE_NOTE}</span>'
        f'<span><span class="sw" style="background:{SERVICE_COLOUR}"></span>service at stop</span>'
        f'<span><span class="sw" style="background:{WAIT_SWATCH}"></span>waiting for a time '
        'window</span><span><span class="sw shiftkey"></span>shift</span>'
        + (
            f'<span><span class="sw" style="background:{CHARGE_COLOUR}"></span>charging at a '
            "station</span>"
            if any(v.charges for v in vans)
            else ""
        )
        + unit_keys
        + "</div>"
    )
    return "".join(out) + keys


# ---------------------------------------------------------------- fleet comparison
def _bar_chart(
    rows: Sequence[Mapping[str, Any]],
    key: str,
    label: str,
    digits: int,
    *,
    name_key: str = "strategy",
    colours: Mapping[str, str] = STRATEGY_COLOURS,
) -> str:
    longest = max((len(str(r.get(name_key, ""))) for r in rows), default=0)
    width, label_w, right = 540.0, max(90.0, 7.0 * longest + 12), 90.0
    row_h, top = 26.0, 22.0
    height = top + row_h * len(rows) + 6
    values = [r.get(key) for r in rows]
    finite = [v for v in values if _finite(v)]
    vmax = max(finite, default=0.0) or 1.0
    pw = width - label_w - right
    best = min(finite) if finite else None
    out = [
        f'<svg class="bars" viewBox="0 0 {_c(width)} {_c(height)}" role="img" '
        f'aria-label="{_e(label)}"><text class="ct" x="0" y="13">{_e(label)}</text>'
    ]
    for i, (row, v) in enumerate(zip(rows, values, strict=True)):
        name = str(row.get(name_key, i + 1))
        col = colours.get(name.lower(), PALETTE[i % len(PALETTE)])
        y0 = top + i * row_h
        out.append(
            f'<text class="lbl" x="{_c(label_w - 6)}" y="{_c(y0 + 15)}" text-anchor="end">'
            f"{_e(name)}</text>"
        )
        if _finite(v):
            w = max(v / vmax * pw, 0.0)
            cls = ' class="best"' if v == best and len(finite) > 1 else ""
            out.append(
                f'<rect x="{_c(label_w)}" y="{_c(y0 + 3)}" width="{_c(w)}" height="18" rx="2" '
                f'fill="{col}"/><text{cls} x="{_c(label_w + w + 5)}" y="{_c(y0 + 16)}">'
                f"{_num(v, digits)}</text>"
            )
        else:
            out.append(f'<text x="{_c(label_w + 4)}" y="{_c(y0 + 16)}">{DASH}</text>')
    out.append("</svg>")
    return "".join(out)


def _comparison(rows: Sequence[Mapping[str, Any]], currency: str, *, modes: bool = False) -> str:
    """The fleet comparison (rows of ``StrategyResult.row``) or, with ``modes``, van-only vs
    van+drones vs van+robots (rows of ``voltroute.compare.mode_row``: flights, robot trips and
    the makespan added)."""
    light = (
        ("flights", "Flights", 0),
        ("robot_trips", "Robot trips", 0),
        ("makespan_h", "Makespan h", 2),
    )
    if modes:
        rows = [
            {
                **r,
                "makespan_h": r["makespan_s"] / 3600 if _finite(r.get("makespan_s")) else None,
            }
            for r in rows
        ]
    cols = (
        ("strategy", "Mode" if modes else "Strategy", None),
        ("vans", "Vans", 0),
        ("km", "km", 1),
        ("kwh", "kWh", 1),
        ("litres", "L", 1),
        ("cost", f"Cost ({currency})", 2),
        ("cost_per_parcel", f"{currency}/parcel", 2),
        ("co2_kg", "CO\u2082 kg", 1),
        ("co2_kg_per_parcel", "kg CO\u2082/parcel", 3),
        ("served_parcels", "Served", 0),
        ("unassigned_parcels", "Unassigned", 0),
        *(light if modes else ()),
        ("feasible", "Feasible", None),
    )
    head = "".join(
        f'<th class="{"l" if key == "strategy" else ""}">{_e(title)}</th>' for key, title, _ in cols
    )
    body = []
    for row in rows:
        cells = []
        for key, _, digits in cols:
            value = row.get(key)
            if key == "strategy":
                cells.append(f'<td class="l"><b>{_e(value if value is not None else "")}</b></td>')
            elif key == "feasible":
                ok = value is True
                cells.append(f'<td class="{"ok" if ok else "warn"}">{"yes" if ok else "no"}</td>')
            else:
                cells.append(f"<td>{_num(value, digits or 0)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    charts = (
        '<div class="pair">'
        + _bar_chart(rows, "cost_per_parcel", f"Cost per parcel ({currency})", 2)
        + _bar_chart(rows, "co2_kg_per_parcel", "CO\u2082 per parcel (kg)", 3)
        + "</div>"
    )
    return (
        f'<div class="scroll"><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{charts}"
    )


# ---------------------------------------------------------------- middle mile
def _linehaul_section(summary: Mapping[str, Any], folder: str) -> str:
    """The middle-mile comparison of :func:`voltroute.linehaul.demo_section`: a row per truck
    type with a link to its Gantt page (``folder``/file), and cost and CO2 per parcel bars."""
    rows = list(summary.get("rows") or [])
    files = _mapping(summary.get("files"))
    prefix = folder.rstrip("/") + "/" if folder else ""
    head = (
        '<tr><th class="l">Truck type</th><th class="l">Method</th><th>Tractors</th>'
        "<th>Drivers</th><th>km</th><th>kWh</th><th>Litres</th><th>Cost per day (USD)</th>"
        "<th>USD/parcel</th><th>g CO\u2082/parcel</th><th>Unserved parcels</th>"
        '<th class="l">Schedule</th></tr>'
    )
    body = []
    for r in rows:
        t = str(r.get("truck_type", ""))
        link = files.get(t)
        gantt = f'<a href="{_e(prefix + str(link))}">Gantt chart</a>' if link else DASH
        unserved = r.get("parcels_unserved")
        bad = _finite(unserved) and unserved > 0
        body.append(
            f'<tr><td class="l"><span class="sw" style="background:'
            f'{TRUCK_COLOURS.get(t, "#888")}"></span><b>{_e(t)}</b></td>'
            f'<td class="l">{_e(r.get("method", ""))}</td>'
            f"<td>{_num(r.get('trucks'), 0)}</td><td>{_num(r.get('drivers'), 0)}</td>"
            f"<td>{_num(r.get('km'), 0)}</td><td>{_num(r.get('kwh'), 0)}</td>"
            f"<td>{_num(r.get('litres'), 0)}</td><td>{_num(r.get('cost_per_day_usd'), 0)}</td>"
            f"<td>{_num(r.get('cost_per_parcel'), 3)}</td>"
            f"<td>{_num(r.get('co2_per_parcel_g'), 1)}</td>"
            f'<td class="{"warn" if bad else ""}">{_num(unserved, 0)}</td>'
            f'<td class="l">{gantt}</td></tr>'
        )
    parcels = summary.get("parcels")
    intro = (
        f"<p>The example network <b>{_e(summary.get('network', ''))}</b>: "
        f"{_num(summary.get('hubs'), 0)} hubs, {_num(summary.get('flows'), 0)} daily flows, "
        f"{_num(parcels, 0)} parcels a day, planned once per truck type "
        "(tractors reused over the 24 h cycle, drivers under the US hours of service; "
        "driverless trucks on the highway legs between transfer hubs with human-driven drayage). "
        f"Files in <code>{_e(prefix or './')}</code>: the network, a schedule (JSON) and a "
        "Gantt chart (HTML) per truck type.</p>"
    )
    charts = (
        '<div class="pair">'
        + _bar_chart(rows, "cost_per_parcel", "Middle-mile cost per parcel (USD)", 3,
                     name_key="truck_type", colours=TRUCK_COLOURS)
        + _bar_chart(rows, "co2_per_parcel_g", "Middle-mile CO\u2082 per parcel (g)", 1,
                     name_key="truck_type", colours=TRUCK_COLOURS)
        + "</div>"
    )  # fmt: skip
    return (
        f'{intro}<div class="scroll"><table class="data" id="linehaul-table"><thead>{head}'
        f"</thead><tbody>{''.join(body)}</tbody></table></div>{charts}"
    )


# ---------------------------------------------------------------- charging on the way
def _charging_table(problem: Problem, vans: Sequence[_Van], currency: str) -> str:
    """One row per charging stop: van, station, arrival, wait, minutes, kWh, SoC, cost.

    The cost is what the station bills: the grid energy (``kWh / charging_efficiency``) at the
    station's price, or at the plan's electricity price when the station states none.
    """
    stations = problem.station_by_id
    rows = []
    tot_kwh = tot_s = tot_cost = 0.0
    n = 0
    for v in vans:
        pt = v.vt.powertrain if v.vt is not None else None
        eff = float(getattr(pt, "charging_efficiency", 1.0) or 1.0)
        for s in v.charges:
            st = stations.get(s.id)
            price = (
                st.price_per_kwh
                if st is not None and st.price_per_kwh is not None
                else problem.economics.electricity_per_kwh
            )
            cost = s.charged_kwh / eff * price
            before = (s.soc_kwh - s.charged_kwh) if s.soc_kwh is not None else None
            usable = v.usable_kwh or 0.0
            soc = DASH
            if before is not None and s.soc_kwh is not None and usable > 0:
                soc = f"{before / usable:.0%} → {s.soc_kwh / usable:.0%}"
            name = st.name if st is not None and st.name else ""
            rows.append(
                f'<tr data-route="{v.dom_id}"><td class="l"><span class="sw" '
                f'style="background:{v.colour}"></span>{_e(v.route.vehicle)}</td>'
                f'<td class="l" title="{_e(name)}">{_e(s.id)}</td>'
                f"<td>{_hhmm(s.arrival_s)}</td><td>{_num(s.wait_s / 60, 0)}</td>"
                f"<td>{_num(s.charge_s / 60, 0)}</td><td>{_hhmm(s.departure_s)}</td>"
                f"<td>{_num(s.charged_kwh)}</td><td>{soc}</td><td>{_num(cost, 2)}</td></tr>"
            )
            tot_kwh += s.charged_kwh
            tot_s += s.charge_s
            tot_cost += cost
            n += 1
    if not rows:
        return (
            f'<p class="m">No van charged on the way ({len(problem.stations)} charging '
            f"station{'s' if len(problem.stations) != 1 else ''} available).</p>"
        )
    head = (
        '<tr><th class="l">Van</th><th class="l">Station</th><th>Arrival</th><th>Wait min</th>'
        "<th>Charging min</th><th>Leaves</th><th>kWh</th><th>SoC</th>"
        f"<th>Cost ({_e(currency)})</th></tr>"
    )
    foot = (
        f'<tr><td class="l">Total</td><td class="l">{n} stops</td><td></td><td></td>'
        f"<td>{_num(tot_s / 60, 0)}</td><td></td><td>{_num(tot_kwh)}</td><td></td>"
        f"<td>{_num(tot_cost, 2)}</td></tr>"
    )
    return (
        '<p class="m">Where and how long each van charged on the way; kWh into the battery, '
        "cost = grid energy (kWh / charging efficiency) at the station's price.</p>"
        f'<div class="scroll"><table class="data"><thead>{head}</thead>'
        f"<tbody>{''.join(rows)}</tbody><tfoot>{foot}</tfoot></table></div>"
    )


# ---------------------------------------------------------------- depot charging plan
def _depot_section(charging: DepotChargingProblem, plan: DepotChargingPlan) -> str:
    """The overnight depot charging plan: summary, site load chart, per-van profiles, table."""
    from voltroute.charging.report import load_svg, vehicle_svg

    cur = plan.currency
    site = charging.site
    chargers = ", ".join(f"{g.count} × {g.power_kw:g} kW" for g in site.chargers)
    gap = f", gap {plan.mip_gap:.2%}" if plan.mip_gap else ""
    base = plan.baseline
    saving = ""
    if base is not None and base.total_cost > 0:
        saving = (
            f" Charging on arrival at full power would cost {_money(base.total_cost, cur)} with a "
            f"peak of {_num(base.peak_kw)} kW: the plan saves "
            f"{(base.total_cost - plan.total_cost) / base.total_cost:.0%}."
        )
    summary = (
        f"<p>{len(plan.vehicles)} electric van{'s' if len(plan.vehicles) != 1 else ''} "
        f"from {_hhmm(charging.start_s)} to {_hhmm(charging.end_s)}; chargers {_e(chargers)}, "
        f"site limit {_num(site.power_limit_kw)} kW; {charging.slot_s // 60}-min slots. "
        f"MILP (HiGHS) <b>{_e(plan.status)}</b>{_e(gap)} in {plan.solve_time_s:.1f} s: "
        f"<b>{_money(plan.total_cost, cur)}</b> ({_money(plan.energy_cost, cur)} energy + "
        f"{_money(plan.demand_charge, cur)} demand charge), {_num(plan.grid_energy_kwh)} kWh "
        f"from the grid, peak {_num(plan.peak_kw)} kW.{saving}</p>"
    )
    if plan.grid_energy_kwh <= 1e-6 and not plan.shortfalls:
        summary += (
            '<p class="m">No van needs to charge: each already holds its required energy.</p>'
        )
    if plan.shortfalls:
        short = ", ".join(f"{_e(k)} {v:.1f} kWh" for k, v in plan.shortfalls.items())
        summary += f'<p class="warn">Leaves short of its required charge: {short}.</p>'
    keys = (
        '<div class="costkeys"><span><span class="sw" style="background:#1f5fbf"></span>site '
        'load (plan)</span><span><span class="sw" style="background:#999"></span>charging '
        'on arrival (dashed)</span><span><span class="sw" style="background:#c00"></span>site '
        'limit / required at departure</span><span><span class="sw" '
        'style="background:rgb(255,175,165)"></span>dearer energy (shading)</span>'
        '<span><span class="sw" style="background:#6aa84f"></span>van charging power</span>'
        '<span><span class="sw" style="background:#f3f3f3;border:1px solid #ccc"></span>van at '
        "the depot</span></div>"
    )
    rows = []
    for v in plan.vehicles:
        rows.append(
            f'<tr><td class="l">{_e(v.id)}</td><td>{_hhmm(v.arrival_s)}</td>'
            f"<td>{_hhmm(v.departure_s)}</td><td>{_num(v.arrival_soc_kwh)}</td>"
            f"<td>{_num(v.required_soc_kwh)}</td><td>{_num(v.departure_soc_kwh)}</td>"
            f"<td>{_num(v.grid_energy_kwh)}</td>"
            f'<td class="{"warn" if v.shortfall_kwh > 1e-6 else ""}">'
            f"{_num(v.shortfall_kwh)}</td></tr>"
        )
    table = (
        '<div class="scroll"><table class="data"><thead><tr><th class="l">Van</th>'
        "<th>Arrives</th><th>Leaves</th><th>Arrival kWh</th><th>Required kWh</th>"
        "<th>Departure kWh</th><th>Grid kWh</th><th>Short kWh</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
    vans = "".join(vehicle_svg(plan, i) for i in range(len(plan.vehicles)))
    return (
        f'{summary}{keys}<div class="depot">{load_svg(charging, plan)}'
        f'<div class="ct2">Per van: charging power (bars), state of charge (line)</div>'
        f"{vans}</div>{table}"
    )


# ---------------------------------------------------------------- unassigned, notes
def _unassigned_table(problem: Problem, solution: Solution) -> str:
    if not solution.unassigned:
        return '<p class="m">Every stop is served.</p>'
    rows = []
    for u in solution.unassigned:
        stop = problem.stop_by_id.get(u.stop)
        parcel_ids = u.parcels or (tuple(p.id for p in stop.parcels) if stop else ())
        ids = ", ".join(parcel_ids)
        rows.append(
            f'<tr><td class="l">{_e(u.stop)}</td><td title="{_e(ids)}">{len(parcel_ids)}</td>'
            f'<td class="l">{_e(u.reason)}</td><td class="l">{_e(u.detail)}</td></tr>'
        )
    return (
        '<div class="scroll"><table class="data"><thead><tr><th class="l">Stop</th>'
        '<th>Parcels</th><th class="l">Reason</th><th class="l">Detail</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


# ---------------------------------------------------------------- page
CSS = """
:root{--fg:#1f2328;--m:#59636e;--line:#d8dee4;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:#fff;
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main{max-width:1240px;margin:0 auto;padding:0 24px}
header{padding-top:20px}
h1{font-size:26px;margin:0 0 2px}
h2{font-size:17px;margin:30px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.m,.sub{color:var(--m)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;
margin-left:6px;vertical-align:2px}
.badge.ok{background:#dafbe1;color:#116329}.badge.bad{background:#ffebe9;color:#a40e26}
.tiles{display:grid;grid-template-columns:repeat(5,minmax(0,1fr));gap:10px;margin-top:16px}
.tile{border:1px solid var(--line);border-radius:8px;padding:9px 12px;background:var(--bg)}
.tile.hi{background:#eef5ff;border-color:#c8dcf5}
.tile.bad .v{color:#a40e26}
.tile .k{font-size:11.5px;color:var(--m);text-transform:uppercase;letter-spacing:.04em}
.tile .v{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.tile .s{font-size:12px;color:var(--m)}
.costbar{width:100%;height:22px;display:block;border-radius:4px;margin-top:14px}
.costkeys{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:12.5px;margin-top:6px}
.sw{display:inline-block;width:11px;height:11px;border-radius:3px;vertical-align:-1px;
margin-right:6px}
.shiftkey{background:#e9edf1;border:1px solid #9aa4ae}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{font-size:12px;color:var(--m);font-weight:600;background:var(--bg)}
.l{text-align:left}td.l{white-space:normal}
tfoot td{font-weight:650;border-top:2px solid var(--line)}
td.warn,.warn{color:#a40e26}td.ok{color:#116329}
.scroll{overflow-x:auto}
.mapwrap{display:grid;grid-template-columns:minmax(0,1fr) 310px;gap:16px;align-items:start}
svg.map{width:100%;height:auto;display:block;border:1px solid var(--line);border-radius:8px;
background:#fbfbf8;cursor:grab;touch-action:none;user-select:none}
.map path,.map rect,.map circle{vector-effect:non-scaling-stroke}
.map .roads{fill:none;stroke:#cdd1d5;stroke-width:.7;stroke-linejoin:round}
.map .route{fill:none;stroke-width:2.6;stroke-linejoin:round;stroke-linecap:round;opacity:.9}
.map circle{stroke:#fff;stroke-width:1.2}
.map .x{stroke:#111;stroke-width:2.4;fill:none}
.map .depot{fill:#111;stroke:#fff;stroke-width:1.5}
.map .station{fill:#fff;stroke:#8a6d00;stroke-width:1.5}
.map .station.used{fill:#f2b705;stroke:#111}
.map .bolt{fill:#111;stroke:none}
.map .sortie{fill:none;stroke-width:1.7;stroke-linejoin:round;opacity:.85}
.map .sortie.robot{stroke-width:2.8;stroke-linecap:round}
.map circle.sc{fill:#fff;stroke-width:2}
.map .ln{stroke:#fff;stroke-width:.8}
.map .rc{fill:#fff;stroke-width:1.6}
svg.kl{vertical-align:-1px;margin-left:6px}
.keys .k{white-space:nowrap}
.kl line{stroke-width:2}.kl .kl-robot{stroke-width:3;stroke-linecap:round}
.key-sc{display:inline-block;width:10px;height:10px;border-radius:50%;border:2px solid #7b2cbf;
background:#fff;margin:0 4px 0 12px;vertical-align:-1px}
.key-ln,.key-rc{color:#7b2cbf;margin-left:4px}
.gantt .unit{opacity:.8}
.gantt .hand{opacity:.9}
.key-st{display:inline-block;width:10px;height:10px;background:#f2b705;border:1.5px solid #111;
transform:rotate(45deg);margin:0 4px 0 12px;vertical-align:-1px}
.key-st.unused{background:#fff;border-color:#8a6d00}
.chart .band{opacity:.28}
.gantt .chg{stroke:#8a6d00;stroke-width:.6}
nav.links{margin-top:6px;font-size:13.5px}
nav.links a{color:#0b57d0}
.depot svg{width:100%;height:auto;display:block}
.depot .dvan{margin-top:2px}
.ct2{font-size:12px;font-weight:600;margin:10px 0 2px}
.legend td,.legend th{padding:3px 6px}
.legend td.l:first-child{white-space:nowrap}
.legend tbody tr{cursor:pointer}
.legend tbody tr:hover{background:var(--bg)}
.keys{font-size:12.5px;margin:8px 0 0}
.key-depot{display:inline-block;width:11px;height:11px;background:#111;border-radius:2px;
vertical-align:-1px}
.key-x{font-weight:700;margin-left:12px}
.hint{font-size:12px;color:var(--m)}
body.hl .rt:not(.on){opacity:.1}
body.hl [data-route]:not(.on){opacity:.35}
tr.on{background:#fff6d6}
svg text{font-family:inherit;font-size:11px;fill:var(--m)}
svg .ct{font-size:12px;font-weight:600;fill:var(--fg)}
svg .lbl{font-size:12px;fill:var(--fg)}
svg .best{font-weight:700;fill:var(--fg)}
.chart .grid,.gantt .grid{stroke:#e6e9ec;stroke-width:1}
.chart .step{fill:none;stroke-width:2}
.chart .area{opacity:.13}
.chart .ref{stroke:#a40e26;stroke-width:1.2;stroke-dasharray:5 4}
.chart .reft{fill:#a40e26}
.gantt{width:100%;height:auto;display:block}
.gantt .shift{fill:#e9edf1;stroke:#c3cad1;stroke-width:.6}
.gantt .bound{stroke:#59636e;stroke-width:1.5}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.card .chart{width:100%;height:auto;display:block;margin-top:4px}
.ch{font-size:13px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:24px;margin-top:14px}
.bars{width:100%;height:auto}
ul.notes li{margin:3px 0}
footer{max-width:1240px;margin:30px auto 24px;padding:0 24px;font-size:12px;color:var(--m)}
@media (max-width:1000px){.mapwrap,.pair{grid-template-columns:1fr}
.tiles{grid-template-columns:repeat(auto-fill,minmax(170px,1fr))}}
@media print{body{font-size:11px}.noprint{display:none}
header,main{max-width:none;padding:0}.tile .v{font-size:17px}
.tile,.card,tr,svg{break-inside:avoid}h2{break-after:avoid}
.cards{grid-template-columns:1fr 1fr}.card{min-width:0}}
"""

# Wheel zoom and drag pan on the map's viewBox (markers shrink as you zoom so they stay
# readable); clicking anything with data-route highlights that van everywhere.
JS = """
(function(){
var svg=document.getElementById('map');
if(svg){
var vb=svg.viewBox.baseVal,home=[vb.x,vb.y,vb.width,vb.height],mk=svg.querySelectorAll('.mk');
var rescale=function(){var s=Math.pow(vb.width/home[2],0.75);mk.forEach(function(m){
m.setAttribute('transform','translate('+m.getAttribute('data-xy')+') scale('+s+')');});};
var pt=function(e){var r=svg.getBoundingClientRect();
return [vb.x+(e.clientX-r.left)/r.width*vb.width,vb.y+(e.clientY-r.top)/r.height*vb.height];};
svg.addEventListener('wheel',function(e){e.preventDefault();var p=pt(e),k=e.deltaY<0?0.8:1.25;
var w=vb.width*k;if(w<home[2]/60||w>home[2]*2)return;
vb.x=p[0]-(p[0]-vb.x)*k;vb.y=p[1]-(p[1]-vb.y)*k;vb.width=w;vb.height*=k;rescale();},
{passive:false});
var drag=null;
svg.addEventListener('pointerdown',function(e){drag=[e.clientX,e.clientY];
svg.style.cursor='grabbing';});
window.addEventListener('pointermove',function(e){if(!drag)return;
var r=svg.getBoundingClientRect();vb.x-=(e.clientX-drag[0])*vb.width/r.width;
vb.y-=(e.clientY-drag[1])*vb.height/r.height;drag=[e.clientX,e.clientY];});
window.addEventListener('pointerup',function(){drag=null;svg.style.cursor='';});
svg.addEventListener('dblclick',function(){vb.x=home[0];vb.y=home[1];vb.width=home[2];
vb.height=home[3];rescale();});
}
document.querySelectorAll('[data-route]').forEach(function(el){
el.addEventListener('click',function(){
var id=el.getAttribute('data-route'),on=el.classList.contains('on');
document.querySelectorAll('.on').forEach(function(x){x.classList.remove('on');});
document.body.classList.toggle('hl',!on);
if(!on)document.querySelectorAll('[data-route="'+id+'"],#'+id).forEach(function(x){
x.classList.add('on');});
});});
})();
"""


def _section(title: str, body: str, sid: str) -> str:
    return f'<section id="{sid}"><h2>{title}</h2>{body}</section>'


def render_report(
    problem: Problem,
    solution: Solution,
    *,
    title: str = "voltroute plan",
    roads: list[list[tuple[float, float]]] | None = None,
    route_paths: dict[str, list[tuple[float, float]]] | None = None,
    comparison: list[dict] | None = None,
    notes: list[str] | None = None,
    depot_charging: tuple[DepotChargingProblem, DepotChargingPlan] | None = None,
    links: list[tuple[str, str]] | None = None,
    modes: list[dict] | None = None,
    linehaul: Mapping[str, Any] | None = None,
    linehaul_dir: str = "linehaul",
) -> str:
    """One self-contained HTML document describing ``solution`` (annotated by the checker).

    ``roads``: road polylines as (lon, lat) drawn as the map background; ``route_paths``: per
    vehicle name, the road polyline of its route (straight segments when missing);
    ``comparison``: rows of :meth:`voltroute.compare.StrategyResult.row` (section omitted when
    None); ``notes``: assumptions and data sources, shown as a list; ``depot_charging``: an
    overnight depot charging problem and its plan (:mod:`voltroute.charging`), shown as the
    site's load curve and each van's charging profile; ``links``: (label, relative address)
    of related reports, shown under the title. A "Charging on the way" section appears when the
    problem has charging stations. Drone flights and robot trips (``solution.sorties``) are drawn
    on the map (dashed and dotted, with launch and recovery markers), the timeline (a row per
    unit) and the KPI tiles. ``modes``: rows of :func:`voltroute.compare.mode_row` (van-only vs
    van+drones vs van+robots); ``linehaul``: the summary of
    :func:`voltroute.linehaul.demo_section`, whose Gantt pages are linked under
    ``linehaul_dir`` (relative to the report).
    """
    vans = _vans(problem, solution)
    units = _units(problem, solution, vans)
    k = solution.kpis
    currency = str(k.get("currency") or problem.economics.currency)
    axis = _time_axis(vans, units)
    cost = _mapping(k.get("cost"))

    feasible = k.get("feasible")
    if feasible is True:
        badge = '<span class="badge ok">feasible</span>'
    elif feasible is False:
        n = k.get("violations")
        badge = f'<span class="badge bad">infeasible: {_num(n, 0)} violations</span>'
    else:
        badge = ""
    facts = [
        f"problem <b>{_e(problem.name)}</b>",
        f"{len(problem.stops)} stops, {problem.num_parcels} parcels",
        f"{len(problem.depots)} depot{'s' if len(problem.depots) != 1 else ''}",
        f"{sum(vt.count for vt in problem.vehicle_types)} vans available",
        f"{problem.conditions.ambient_temp_c:g} °C",
    ]
    for fleet in problem.light_fleets:
        where = f"at {fleet.hub}" if fleet.base == "hub" else "per van"
        facts.append(f"{fleet.count} {_e(fleet.kind)}{'s' if fleet.count != 1 else ''} {_e(where)}")
    solver = solution.solver or {}
    if solver.get("engine"):
        run = f"solver {_e(solver['engine'])}"
        if _finite(solver.get("runtime_s")):
            run += f" ({solver['runtime_s']:.1f} s)"
        facts.append(run)

    nav = ""
    if links:
        nav = (
            '<nav class="links">'
            + " · ".join(f'<a href="{_e(href)}">{_e(label)}</a>' for label, href in links)
            + "</nav>"
        )
    sections = [
        f"<section>{_kpi_tiles(problem, solution, vans)}{_cost_bar(cost, currency)}</section>",
        _section(
            "Map",
            '<div class="mapwrap">'
            + _map_svg(problem, solution, vans, roads, route_paths, units)
            + f"<div>{_legend(vans, bool(problem.stations), units)}</div></div>",
            "map-section",
        ),
        _section("Routes", _routes_table(vans, currency), "routes"),
    ]
    if problem.stations or any(v.charges for v in vans):
        sections.append(
            _section("Charging on the way", _charging_table(problem, vans, currency), "charging")
        )
    if vans or units:
        sections.append(_section("Timeline", _timeline_svg(vans, axis, units), "timeline"))
    if vans:
        sections.append(_section("Load and energy per van", _route_cards(vans, axis), "charts"))
    if depot_charging is not None:
        sections.append(
            _section("Depot charging overnight", _depot_section(*depot_charging), "depot")
        )
    if comparison is not None:
        sections.append(_section("Fleet comparison", _comparison(comparison, currency), "compare"))
    if modes is not None:
        sections.append(
            _section(
                "Vans, drones and sidewalk robots",
                '<p class="m">The same orders planned van-only, with the drones and with the '
                "robots (each plan checked independently; makespan from the first departure to "
                "the last van or unit back).</p>" + _comparison(modes, currency, modes=True),
                "modes",
            )
        )
    if linehaul is not None:
        sections.append(
            _section("Middle mile: trucks between hubs", _linehaul_section(linehaul, linehaul_dir),
                     "linehaul")
        )  # fmt: skip
    sections.append(
        _section("Unassigned stops", _unassigned_table(problem, solution), "unassigned")
    )
    if notes:
        items = "".join(f"<li>{_e(n)}</li>" for n in notes)
        sections.append(_section("Notes", f'<ul class="notes">{items}</ul>', "notes"))

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(title)}{badge}</h1>"
        f'<div class="sub">{" · ".join(facts)}</div>{nav}</header>'
        f"<main>{''.join(sections)}</main>"
        "<footer>Generated by voltroute. Times are local times of the planning day; costs in "
        f"{_e(currency)}; CO\u2082 tank-to-wheel for diesel and grid average for electricity."
        f"</footer><script>{JS}</script></body></html>\n"
    )


def write_report(
    path: str | Path,
    problem: Problem,
    solution: Solution,
    *,
    title: str = "voltroute plan",
    roads: list[list[tuple[float, float]]] | None = None,
    route_paths: dict[str, list[tuple[float, float]]] | None = None,
    comparison: list[dict] | None = None,
    notes: list[str] | None = None,
    depot_charging: tuple[DepotChargingProblem, DepotChargingPlan] | None = None,
    links: list[tuple[str, str]] | None = None,
    modes: list[dict] | None = None,
    linehaul: Mapping[str, Any] | None = None,
    linehaul_dir: str = "linehaul",
) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8, parent folders created); return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        render_report(
            problem,
            solution,
            title=title,
            roads=roads,
            route_paths=route_paths,
            comparison=comparison,
            notes=notes,
            depot_charging=depot_charging,
            links=links,
            modes=modes,
            linehaul=linehaul,
            linehaul_dir=linehaul_dir,
        ),
        encoding="utf-8",
    )
    return out


__all__ = ["render_report", "write_report"]
