"""The study's HTML report: one self-contained file, plots as inline SVG (no scripts, no CDN).

Plots: cost per parcel of each strategy's base case stacked by component (middle-mile and
last-mile components side by side in one bar), a tornado chart per strategy (how far each
sensitivity moves the whole-chain cost per parcel from the base), and cost against CO2 per
parcel for every scenario planned. Failed scenarios are listed with their error.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from voltroute.study.results import columns
from voltroute.study.runner import StudyRun
from voltroute.study.spec import SENSITIVITIES

__all__ = ["render_report", "write_report"]

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
)  # fmt: skip
LH_SHADES = ("#08306b", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7")
LM_SHADES = ("#7f2704", "#d94801", "#f16913", "#fd8d3c", "#fdae6b", "#fdd0a2", "#fee6ce")
FONT = "font-family='system-ui,sans-serif' font-size='12'"


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _fmt(v: Any, nd: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return str(v)


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= v:
            return m * mag
    return 10 * mag  # pragma: no cover


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    step = _nice_max(span / n)
    start = math.ceil(lo / step) * step
    out = []
    t = start
    while t <= hi + 1e-9 * span:
        out.append(round(t, 10))
        t += step
    return out


# ------------------------------------------------------------------ stacked cost per parcel
def stacked_cost_svg(rows: list[dict[str, Any]], currency: str) -> str:
    """Horizontal bars, one per strategy's base case: cost per parcel stacked by component."""
    bars = [r for r in rows if r["varied"] == "base" and r["status"] != "failed"]
    if not bars:
        return "<p>No base scenario was planned, so there is no cost breakdown to show.</p>"
    comps: list[str] = []
    for r in bars:
        for k in r:
            if k.startswith(("lh_cost_pp_", "lm_cost_pp_")) and k not in comps:
                comps.append(k)
    comps.sort(key=lambda k: (not k.startswith("lh_"), k))
    colour: dict[str, str] = {}
    lh_i = lm_i = 0
    for k in comps:
        if k.startswith("lh_"):
            colour[k] = LH_SHADES[lh_i % len(LH_SHADES)]
            lh_i += 1
        else:
            colour[k] = LM_SHADES[lm_i % len(LM_SHADES)]
            lm_i += 1
    total = max(sum(r.get(k) or 0.0 for k in comps) for r in bars)
    xmax = _nice_max(total * 1.05)
    left, right, bar_h, gap, top = 250, 30, 22, 10, 20
    width = 900
    plot_w = width - left - right
    height = top + len(bars) * (bar_h + gap) + 40 + 22 * ((len(comps) + 3) // 4)
    sx = plot_w / xmax
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='cost per parcel by component' {FONT}>"
    ]
    axis_y = top + len(bars) * (bar_h + gap)
    for t in _ticks(0, xmax):
        x = left + t * sx
        out.append(f"<line x1='{x:.1f}' y1='{top - 5}' x2='{x:.1f}' y2='{axis_y}' stroke='#ddd'/>")
        out.append(f"<text x='{x:.1f}' y='{axis_y + 14}' text-anchor='middle'>{t:g}</text>")
    out.append(
        f"<text x='{left + plot_w / 2:.0f}' y='{axis_y + 30}' text-anchor='middle'>"
        f"cost per parcel, {_e(currency)} (middle mile blue, last mile orange)</text>"
    )
    for i, r in enumerate(bars):
        y = top + i * (bar_h + gap)
        out.append(
            f"<text x='{left - 6}' y='{y + bar_h * 0.7:.1f}' text-anchor='end'>{_e(r['strategy'])}</text>"
        )
        x = left
        for k in comps:
            v = r.get(k) or 0.0
            if v <= 0:
                continue
            w = v * sx
            out.append(
                f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{bar_h}' fill='{colour[k]}'>"
                f"<title>{_e(_comp_name(k))}: {v:.3f} {_e(currency)}/parcel</title></rect>"
            )
            x += w
        tot = sum(r.get(k) or 0.0 for k in comps)
        out.append(f"<text x='{x + 4:.1f}' y='{y + bar_h * 0.7:.1f}'>{tot:.2f}</text>")
    ly = axis_y + 44
    for j, k in enumerate(comps):
        lx = 20 + (j % 4) * 220
        yy = ly + (j // 4) * 22
        out.append(f"<rect x='{lx}' y='{yy}' width='12' height='12' fill='{colour[k]}'/>")
        out.append(f"<text x='{lx + 17}' y='{yy + 10}'>{_e(_comp_name(k))}</text>")
    out.append("</svg>")
    return "".join(out)


def _comp_name(key: str) -> str:
    link = "middle mile" if key.startswith("lh_") else "last mile"
    return f"{link}: {key.split('_cost_pp_', 1)[1].replace('_', ' ')}"


# ------------------------------------------------------------------ tornado
def tornado_data(rows: list[dict[str, Any]], strategy: str) -> tuple[float | None, list[dict]]:
    """Base chain cost per parcel and, per sensitivity, the lowest and highest scenario."""
    base = next((r for r in rows if r["strategy"] == strategy and r["varied"] == "base"), None)
    if base is None or base["chain_cost_per_parcel"] is None:
        return None, []
    b = base["chain_cost_per_parcel"]
    out = []
    for k in SENSITIVITIES:
        vals = [
            r
            for r in rows
            if r["strategy"] == strategy
            and r["varied"] == k
            and r["chain_cost_per_parcel"] is not None
        ]
        if not vals:
            continue
        lo = min(vals, key=lambda r: r["chain_cost_per_parcel"])
        hi = max(vals, key=lambda r: r["chain_cost_per_parcel"])
        lo_v = min(lo["chain_cost_per_parcel"], b)
        hi_v = max(hi["chain_cost_per_parcel"], b)
        out.append(
            {
                "name": k,
                "low": lo_v,
                "high": hi_v,
                "low_at": lo[k] if lo["chain_cost_per_parcel"] < b else None,
                "high_at": hi[k] if hi["chain_cost_per_parcel"] > b else None,
                "base_at": base[k],
            }
        )
    out.sort(key=lambda d: d["high"] - d["low"], reverse=True)
    return b, out


def tornado_svg(rows: list[dict[str, Any]], strategy: str, currency: str) -> str:
    b, data = tornado_data(rows, strategy)
    if b is None or not data:
        return ""
    lo = min(d["low"] for d in data)
    hi = max(d["high"] for d in data)
    pad = max((hi - lo) * 0.08, abs(b) * 0.01, 1e-6)
    x0, x1 = lo - pad, hi + pad
    left, right, bar_h, gap, top = 200, 150, 20, 8, 24
    width = 820
    plot_w = width - left - right
    height = top + len(data) * (bar_h + gap) + 40

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * plot_w

    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='tornado chart' {FONT}>",
        f"<text x='{left}' y='14' font-weight='bold'>{_e(strategy)}</text>",
    ]
    axis_y = top + len(data) * (bar_h + gap)
    for t in _ticks(x0, x1):
        out.append(
            f"<line x1='{sx(t):.1f}' y1='{top - 4}' x2='{sx(t):.1f}' y2='{axis_y}' stroke='#eee'/>"
        )
        out.append(f"<text x='{sx(t):.1f}' y='{axis_y + 14}' text-anchor='middle'>{t:g}</text>")
    for i, d in enumerate(data):
        y = top + i * (bar_h + gap)
        out.append(
            f"<text x='{left - 6}' y='{y + bar_h * 0.7:.1f}' text-anchor='end'>{_e(d['name'])}</text>"
        )
        if d["low"] < b:
            out.append(
                f"<rect x='{sx(d['low']):.1f}' y='{y}' width='{sx(b) - sx(d['low']):.1f}' "
                f"height='{bar_h}' fill='#2ca02c'><title>{_e(d['name'])} = {_e(d['low_at'])}: "
                f"{d['low']:.3f}</title></rect>"
            )
            out.append(
                f"<text x='{sx(d['low']) - 3:.1f}' y='{y + bar_h * 0.7:.1f}' text-anchor='end' "
                f"font-size='10'>{_e(d['low_at'])}</text>"
            )
        if d["high"] > b:
            out.append(
                f"<rect x='{sx(b):.1f}' y='{y}' width='{sx(d['high']) - sx(b):.1f}' "
                f"height='{bar_h}' fill='#d62728'><title>{_e(d['name'])} = {_e(d['high_at'])}: "
                f"{d['high']:.3f}</title></rect>"
            )
            out.append(
                f"<text x='{sx(d['high']) + 3:.1f}' y='{y + bar_h * 0.7:.1f}' font-size='10'>"
                f"{_e(d['high_at'])}</text>"
            )
    out.append(
        f"<line x1='{sx(b):.1f}' y1='{top - 6}' x2='{sx(b):.1f}' y2='{axis_y}' stroke='#000'/>"
    )
    out.append(
        f"<text x='{left + plot_w / 2:.0f}' y='{axis_y + 30}' text-anchor='middle'>whole-chain cost "
        f"per parcel, {_e(currency)} (base {b:.3f}; green cheaper, red dearer)</text>"
    )
    out.append("</svg>")
    return "".join(out)


# ------------------------------------------------------------------ scatter
def scatter_svg(rows: list[dict[str, Any]], currency: str) -> str:
    pts = [r for r in rows if r["chain_cost_per_parcel"] is not None]
    if not pts:
        return "<p>No scenario was planned.</p>"
    strategies = list(dict.fromkeys(r["strategy"] for r in pts))
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(strategies)}
    xs = [r["chain_co2_per_parcel_kg"] for r in pts]
    ys = [r["chain_cost_per_parcel"] for r in pts]
    x0, x1 = 0.0, _nice_max(max(xs) * 1.08)
    ylo, yhi = min(ys), max(ys)
    ypad = max((yhi - ylo) * 0.1, 0.05 * abs(yhi), 1e-3)
    y0, y1 = max(0.0, ylo - ypad), yhi + ypad
    left, right, top, bottom = 70, 330, 20, 50
    width, height = 980, 440
    pw, ph = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * pw

    def py(v: float) -> float:
        return top + ph - (v - y0) / (y1 - y0) * ph

    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='cost against CO2' {FONT}>",
        f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='none' stroke='#999'/>",
    ]
    for t in _ticks(x0, x1):
        out.append(
            f"<line x1='{px(t):.1f}' y1='{top}' x2='{px(t):.1f}' y2='{top + ph}' stroke='#eee'/>"
        )
        out.append(f"<text x='{px(t):.1f}' y='{top + ph + 14}' text-anchor='middle'>{t:g}</text>")
    for t in _ticks(y0, y1):
        out.append(
            f"<line x1='{left}' y1='{py(t):.1f}' x2='{left + pw}' y2='{py(t):.1f}' stroke='#eee'/>"
        )
        out.append(f"<text x='{left - 5}' y='{py(t) + 4:.1f}' text-anchor='end'>{t:g}</text>")
    out.append(
        f"<text x='{left + pw / 2:.0f}' y='{height - 12}' text-anchor='middle'>"
        "whole-chain CO2 per parcel, kg</text>"
        f"<text transform='translate(16 {top + ph / 2:.0f}) rotate(-90)' text-anchor='middle'>"
        f"whole-chain cost per parcel, {_e(currency)}</text>"
    )
    for r in sorted(pts, key=lambda r: r["varied"] == "base"):
        base = r["varied"] == "base"
        c = colour[r["strategy"]]
        hollow = r["status"] == "incomplete"
        opacity = 0.1 if hollow else (0.95 if base else 0.55)
        stroke = "#000" if base else (c if hollow else "none")
        out.append(
            f"<circle cx='{px(r['chain_co2_per_parcel_kg']):.1f}' cy='{py(r['chain_cost_per_parcel']):.1f}' "
            f"r='{7 if base else 4}' fill='{c}' fill-opacity='{opacity}' "
            f"stroke='{stroke}'><title>{'INCOMPLETE ' if hollow else ''}{_e(r['strategy'])} | {_e(r['varied'])}"
            f"{_e(_settings_text(r))}: {r['chain_cost_per_parcel']:.3f} {_e(currency)}, "
            f"{r['chain_co2_per_parcel_kg']:.3f} kg CO2</title></circle>"
        )
    for i, s in enumerate(strategies):
        ly = top + 10 + i * 20
        out.append(f"<circle cx='{left + pw + 20}' cy='{ly}' r='6' fill='{colour[s]}'/>")
        out.append(f"<text x='{left + pw + 32}' y='{ly + 4}'>{_e(s)}</text>")
    ly = top + 20 + len(strategies) * 20
    out.append(
        f"<text x='{left + pw + 14}' y='{ly}' font-size='11'>large, outlined: base case;</text>"
        f"<text x='{left + pw + 14}' y='{ly + 14}' font-size='11'>small: one sensitivity;</text>"
        f"<text x='{left + pw + 14}' y='{ly + 28}' font-size='11'>hollow: incomplete plan (see notes)</text>"
    )
    out.append("</svg>")
    return "".join(out)


def _settings_text(r: dict[str, Any]) -> str:
    if r["varied"] == "base":
        return ""
    return " (" + ", ".join(f"{k}={r.get(k)}" for k in r["varied"].split(",")) + ")"


# ------------------------------------------------------------------ page
def _table(rows: list[dict[str, Any]], cols: list[str], headers: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in (headers or cols))
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(_fmt(r.get(c)))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body{font-family:system-ui,sans-serif;margin:24px;max-width:1200px;color:#222}
h1{margin-bottom:4px} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;font-size:12px;margin:8px 0 16px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:right} th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}
.tiles{display:flex;gap:12px;flex-wrap:wrap}
.tile{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px}
.tile b{display:block;font-size:20px}
.fail{color:#b00}
"""


def render_report(run: StudyRun) -> str:
    """The report as one HTML string."""
    spec = run.spec
    rows = run.rows
    currency = "USD"
    ok = [r for r in rows if r["status"] != "failed"]
    base = [r for r in rows if r["varied"] == "base"]
    ok_base = [r for r in ok if r["varied"] == "base"]
    best_cost = min(ok_base, key=lambda r: r["chain_cost_per_parcel"], default=None)
    best_co2 = min(ok_base, key=lambda r: r["chain_co2_per_parcel_kg"], default=None)
    links = []
    if spec.linehaul.truck_types:
        lh = f"middle mile: {run.network_name or spec.linehaul.network} network"
        if spec.linehaul.network != "example":
            lh += f" ({spec.linehaul.network})"
        links.append(f"{lh}, seed {spec.linehaul.seed}")
    if spec.last_mile.fleets:
        links.append(f"last mile: order set {run.problem_name}")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>voltroute study {_e(spec.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>Strategy study: {_e(spec.name)}</h1>",
        f"<p class='sub'>{_e(spec.study.description)}</p>" if spec.study.description else "",
        f"<p class='sub'>{_e('; '.join(links))}. {len(rows)} scenarios ({spec.study.design}); "
        f"{run.tasks} planner runs: {run.computed} computed, {run.cached} from the cache, "
        f"{run.failed_tasks} failed; {run.wall_s:.1f} s wall on {run.workers or 0} workers; "
        f"code {_e(run.code_version)}.</p>",
        "<div class='tiles'>",
    ]
    if best_cost is not None:
        parts.append(
            f"<div class='tile'>lowest cost per parcel (base case)<b>{best_cost['chain_cost_per_parcel']:.3f} "
            f"{currency}</b>{_e(best_cost['strategy'])}{' (incomplete)' if best_cost['status'] == 'incomplete' else ''}</div>"
        )
    if best_co2 is not None:
        parts.append(
            f"<div class='tile'>lowest CO2 per parcel (base case)<b>{best_co2['chain_co2_per_parcel_kg']:.3f} kg</b>"
            f"{_e(best_co2['strategy'])}{' (incomplete)' if best_co2['status'] == 'incomplete' else ''}</div>"
        )
    n_failed = sum(r["status"] == "failed" for r in rows)
    parts.append(
        f"<div class='tile'>scenarios failed<b class='{'fail' if n_failed else ''}'>{n_failed}</b>"
        f"of {len(rows)}</div></div>"
    )
    parts.append("<h2>Base case by strategy</h2>")
    parts.append(
        _table(
            base,
            [
                "strategy",
                "status",
                "chain_cost_per_parcel",
                "chain_co2_per_parcel_kg",
                "lh_cost_per_parcel",
                "lm_cost_per_parcel",
                "lh_co2_per_parcel_kg",
                "lm_co2_per_parcel_kg",
                "lh_trucks",
                "lh_drivers",
                "lm_vans",
            ],
            [
                "strategy",
                "status",
                f"chain {currency}/parcel",
                "chain kg CO2/parcel",
                f"middle mile {currency}/parcel",
                f"last mile {currency}/parcel",
                "middle mile kg/parcel",
                "last mile kg/parcel",
                "trucks",
                "drivers",
                "vans",
            ],
        )
    )
    parts.append("<h2>Cost per parcel by component (base case)</h2>")
    parts.append(stacked_cost_svg(rows, currency))
    tornados = [tornado_svg(rows, s, currency) for s in dict.fromkeys(r["strategy"] for r in rows)]
    tornados = [t for t in tornados if t]
    if tornados:
        parts.append("<h2>Sensitivities (tornado, whole-chain cost per parcel)</h2>")
        parts.append(
            "<p>Each bar spans the lowest and highest whole-chain cost per parcel among the "
            "scenarios that change only that parameter; the label at its end is the value.</p>"
        )
        parts.extend(tornados)
    parts.append("<h2>Cost against CO2 per parcel</h2>")
    parts.append(scatter_svg(rows, currency))
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        parts.append(f"<h2 class='fail'>Failed scenarios ({len(failed)})</h2>")
        parts.append(_table(failed, ["strategy", "varied", "error"]))
    incomplete = [r for r in rows if r["status"] == "incomplete"]
    if incomplete:
        parts.append(f"<h2>Incomplete plans ({len(incomplete)})</h2>")
        parts.append(_table(incomplete, ["strategy", "varied", "notes"]))
    parts.append("<h2>All scenarios</h2><details><summary>table</summary>")
    cols = [c for c in columns(rows) if c not in ("error", "notes")]
    parts.append(_table(rows, cols))
    parts.append("</details></body></html>")
    return "".join(parts)


def write_report(run: StudyRun, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_report(run), encoding="utf-8")
    return path
