"""Text table and a self-contained HTML report (inline SVG) of a charging plan."""

from __future__ import annotations

import html
import math

from voltroute.charging.model import DepotChargingPlan, DepotChargingProblem


def _hhmm(t_s: float) -> str:
    day, rest = divmod(int(round(t_s)), 86_400)
    return f"{rest // 3600:02d}:{rest % 3600 // 60:02d}" + (f"+{day}" if day else "")


def format_plan(plan: DepotChargingPlan) -> str:
    """Per-vehicle table and totals against the greedy baseline."""
    lines = [
        f"{'vehicle':<16} {'arrive':>8} {'depart':>8} {'arr kWh':>8} {'dep kWh':>8} "
        f"{'charged':>8} {'short':>7}"
    ]
    for v in plan.vehicles:
        charged = v.departure_soc_kwh - v.arrival_soc_kwh
        lines.append(
            f"{v.id:<16} {_hhmm(v.arrival_s):>8} {_hhmm(v.departure_s):>8} "
            f"{v.arrival_soc_kwh:8.1f} {v.departure_soc_kwh:8.1f} {charged:8.1f} "
            f"{v.shortfall_kwh:7.1f}"
        )
    c = plan.currency
    gap = f", gap {plan.mip_gap:.2%}" if plan.mip_gap else ""
    lines.append(
        f"status {plan.status} ({plan.solver_status}{gap}), solved in {plan.solve_time_s:.2f} s"
    )
    lines.append(
        f"{'':<16} {'energy cost':>12} {'demand chg':>11} {'total':>10} {'peak kW':>8} "
        f"{'grid kWh':>9}"
    )
    rows = [("optimised", plan)] + ([("greedy", plan.baseline)] if plan.baseline else [])
    for name, p in rows:
        lines.append(
            f"{name:<16} {p.energy_cost:12.2f} {p.demand_charge:11.2f} {p.total_cost:10.2f} "
            f"{p.peak_kw:8.1f} {p.grid_energy_kwh:9.1f}"
        )
    b = plan.baseline
    if b is not None and b.total_cost > 0:
        lines.append(
            f"saving vs greedy: {b.total_cost - plan.total_cost:.2f} {c} "
            f"({(b.total_cost - plan.total_cost) / b.total_cost:.1%}), peak "
            f"{plan.peak_kw:.1f} kW vs {b.peak_kw:.1f} kW"
        )
    for vid, kwh in plan.shortfalls.items():
        lines.append(f"SHORTFALL: {vid} leaves {kwh:.2f} kWh short of its required SoC")
    return "\n".join(lines)


def _nice_step(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``x`` (> 0)."""
    if x <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x * (1 - 1e-9))


def _price_colour(price: float, lo: float, hi: float) -> str:
    f = 0.0 if hi <= lo else (price - lo) / (hi - lo)
    r, g, b = int(235 + 20 * f), int(245 - 70 * f), int(235 - 70 * f)
    return f"rgb({r},{g},{b})"


LEFT = 110  # left margin of every chart, so the vans' time axes line up with the site's


def _load_svg(problem: DepotChargingProblem, plan: DepotChargingPlan) -> str:
    w, h, ml, mb, mt = 900, 260, LEFT, 30, 10
    n = len(plan.site_load_kw)
    base = plan.baseline.site_load_kw if plan.baseline else ()
    top = max([problem.site.power_limit_kw, *plan.site_load_kw, *base, 1.0]) * 1.1
    sx = (w - ml - 10) / max(n, 1)

    def y(kw: float) -> float:
        return mt + (h - mt - mb) * (1 - kw / top)

    prices = plan.slot_price_per_kwh
    lo, hi = min(prices, default=0.0), max(prices, default=0.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dload" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="site load">'
    ]
    for t, pr in enumerate(prices):
        parts.append(
            f'<rect x="{ml + t * sx:.1f}" y="{mt}" width="{sx + 0.5:.1f}" height="{h - mt - mb}" '
            f'fill="{_price_colour(pr, lo, hi)}"><title>{pr:.3f}/kWh</title></rect>'
        )

    def path(load: tuple[float, ...], colour: str, dash: str = "") -> str:
        pts = []
        for t, kw in enumerate(load):
            pts += [f"{ml + t * sx:.1f},{y(kw):.1f}", f"{ml + (t + 1) * sx:.1f},{y(kw):.1f}"]
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        return (
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{extra} '
            f'points="{" ".join(pts)}"/>'
        )

    if base:
        parts.append(path(base, "#999", "4 3"))
    parts.append(path(plan.site_load_kw, "#1f5fbf"))
    yl = y(problem.site.power_limit_kw)
    parts.append(
        f'<line x1="{ml}" x2="{w - 10}" y1="{yl:.1f}" y2="{yl:.1f}" stroke="#c00" '
        f'stroke-dasharray="6 4"/><text x="{ml + 4}" y="{yl - 4:.1f}" font-size="11" '
        f'fill="#c00">site limit {problem.site.power_limit_kw:g} kW</text>'
    )
    tick = _nice_step(top / 5)
    k = 0
    while k * tick <= top:
        kw = k * tick
        parts.append(
            f'<text x="{ml - 4}" y="{y(kw) + 4:.1f}" font-size="10" text-anchor="end">'
            f"{kw:g} kW</text>"
        )
        k += 1
    # a time label every whole number of hours (slots per hour x 1, 2, 3 or 4)
    per_hour = max(1, 3600 // plan.slot_s)
    step = per_hour * next((h for h in (1, 2, 3, 4) if n / (per_hour * h) <= 12), 6)
    first = next((t for t in range(n) if plan.slot_start_s[t] % 3600 == 0), 0)
    for t in range(first, n, step):
        parts.append(
            f'<text x="{ml + t * sx:.1f}" y="{h - 10}" font-size="10">'
            f"{_hhmm(plan.slot_start_s[t])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _vehicle_svg(plan: DepotChargingPlan, idx: int) -> str:
    v = plan.vehicles[idx]
    w, h, ml = 900, 70, LEFT
    n = len(v.power_kw)
    sx = (w - ml - 10) / max(n, 1)
    pmax = max([*v.power_kw, 1.0])
    top = max([*v.soc_kwh, v.required_soc_kwh, 1.0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dvan" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="charging profile">'
    ]
    a = (v.arrival_s - plan.slot_start_s[0]) / plan.slot_s if n else 0
    d = (v.departure_s - plan.slot_start_s[0]) / plan.slot_s if n else 0
    parts.append(
        f'<rect x="{ml + a * sx:.1f}" y="2" width="{max(0.0, (d - a) * sx):.1f}" height="{h - 4}" '
        f'fill="#f3f3f3"/>'
    )
    for t, p in enumerate(v.power_kw):
        if p > 0:
            bh = (h - 8) * p / pmax
            parts.append(
                f'<rect x="{ml + t * sx:.1f}" y="{h - 4 - bh:.1f}" width="{sx:.1f}" '
                f'height="{bh:.1f}" fill="#6aa84f"><title>{p:.1f} kW '
                f"({html.escape(str(v.charger[t]))})</title></rect>"
            )
    pts = " ".join(
        f"{ml + k * sx:.1f},{h - 4 - (h - 8) * s / top:.1f}" for k, s in enumerate(v.soc_kwh)
    )
    parts.append(f'<polyline fill="none" stroke="#1f5fbf" stroke-width="1.5" points="{pts}"/>')
    yr = h - 4 - (h - 8) * v.required_soc_kwh / top
    parts.append(
        f'<line x1="{ml}" x2="{w - 10}" y1="{yr:.1f}" y2="{yr:.1f}" stroke="#c00" '
        f'stroke-dasharray="3 3"/>'
    )
    parts.append(
        f'<text x="2" y="{h / 2:.0f}" font-size="11">{html.escape(v.id[:18])}</text></svg>'
    )
    return "".join(parts)


def load_svg(problem: DepotChargingProblem, plan: DepotChargingPlan) -> str:
    """Inline SVG: the site's load per slot (optimised, greedy dashed) on price shading."""
    return _load_svg(problem, plan)


def vehicle_svg(plan: DepotChargingPlan, idx: int) -> str:
    """Inline SVG: vehicle ``idx``'s charging power per slot and its state of charge."""
    return _vehicle_svg(plan, idx)


def plan_html(problem: DepotChargingProblem, plan: DepotChargingPlan) -> str:
    """A self-contained HTML page: site load (vs limit, on price shading) and each van's profile."""
    table = html.escape(format_plan(plan))
    vans = "\n".join(f"<div>{_vehicle_svg(plan, i)}</div>" for i in range(len(plan.vehicles)))
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Depot charging plan: {html.escape(plan.problem)}</title>
<style>body{{font-family:sans-serif;margin:20px;color:#222}}pre{{background:#f7f7f7;padding:8px}}
.legend span{{margin-right:16px}}</style></head><body>
<h1>Depot charging plan: {html.escape(plan.problem)}</h1>
<h2>Site load</h2>
<p class="legend"><span style="color:#1f5fbf">&#9644; optimised</span>
<span style="color:#999">&#9476; greedy baseline</span>
<span style="color:#c00">&#9476; site limit</span>
<span>background: energy price (darker red = dearer)</span></p>
{_load_svg(problem, plan)}
<h2>Vehicles</h2>
<p class="legend"><span style="color:#6aa84f">&#9632; charging power</span>
<span style="color:#1f5fbf">&#9644; state of charge</span>
<span style="color:#c00">&#9476; required at departure</span>
<span>grey: at the depot</span></p>
{vans}
<h2>Summary</h2><pre>{table}</pre>
</body></html>
"""
