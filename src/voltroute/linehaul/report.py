"""Self-contained HTML: KPI table and a 24 h Gantt chart per tractor (inline SVG, no scripts)."""

from __future__ import annotations

from html import escape

from voltroute.linehaul.plan import LinehaulPlan
from voltroute.model.problem import DAY_S

_COLORS = {"loaded": "#2b6cb0", "empty": "#a0aec0", "charge": "#38a169", "stop": "#dd6b20"}


def _rows(p: LinehaulPlan) -> list[tuple[str, list[tuple[float, float, str, str]]]]:
    """One row per tractor and day of its cycle: (start, end, kind, label) within [0, 24 h)."""
    rows = []
    for tr in p.tractors:
        period = tr.cycle_days * DAY_S
        segs: list[tuple[float, float, str, str]] = []
        for t in p.trips:
            if t.tractor == tr.id:
                segs.append(
                    (
                        t.depart_s,
                        t.arrive_s,
                        "loaded" if t.loaded else "empty",
                        f"{t.id} {t.origin}>{t.destination}",
                    )
                )
                segs.extend((a, b, "stop", kind) for kind, a, b in t.stops)
        segs.extend(
            (c.start_s, c.end_s, "charge", f"charge {c.hub}")
            for c in p.charges
            if c.tractor == tr.id
        )
        for day in range(tr.cycle_days):
            row = []
            lo = day * DAY_S
            for a, b, kind, label in segs:
                a, b = a % period, a % period + (b - a)
                for k in (0, period):
                    x, y = max(a - k, lo), min(b - k, lo + DAY_S)
                    if y > x:
                        row.append((x - lo, y - lo, kind, label))
            rows.append((f"{tr.id}/{day + 1}" if tr.cycle_days > 1 else tr.id, row))
    return rows


def gantt_svg(p: LinehaulPlan) -> str:
    rows = _rows(p)
    w, left, rh = 960, 80, 16
    h = 24 + rh * len(rows)
    sx = (w - left - 10) / DAY_S
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-size="10">']
    for hr in range(0, 25, 2):
        x = left + hr * 3600 * sx
        out.append(f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{h}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{x:.1f}" y="10" text-anchor="middle">{hr:02d}:00</text>')
    for r, (name, segs) in enumerate(rows):
        y = 18 + r * rh
        out.append(f'<text x="2" y="{y + 10}">{escape(name)}</text>')
        for a, b, kind, label in segs:
            hh = rh - 4 if kind != "stop" else (rh - 4) / 2
            out.append(
                f'<rect x="{left + a * sx:.1f}" y="{y:.1f}" width="{max(0.5, (b - a) * sx):.1f}" '
                f'height="{hh:.1f}" fill="{_COLORS[kind]}"><title>{escape(label)}</title></rect>'
            )
    out.append("</svg>")
    return "".join(out)


def plan_html(p: LinehaulPlan) -> str:
    k = p.kpis
    kp = "".join(
        f"<tr><th>{escape(n)}</th><td>{escape(v)}</td></tr>"
        for n, v in [
            ("truck type", p.truck_type),
            ("method", f"{p.method}{' (optimal)' if p.optimal else ''}"),
            ("tractors", str(k["trucks"])),
            ("drivers", str(k["drivers"])),
            ("km", f"{k['distance_m'] / 1000:,.0f}"),
            ("kWh (grid)", f"{k['energy_kwh']:,.0f}"),
            ("litres diesel", f"{k['fuel_l']:,.0f}"),
            ("parcels", f"{k['parcels']:,}"),
            ("cost per parcel", f"{k['cost_per_parcel']:.3f} USD"),
            ("CO2 per parcel", f"{k['co2_per_parcel_kg'] * 1000:.1f} g"),
        ]
    )
    br = "".join(
        f"<tr><th>{escape(n)}</th><td>{v:,.0f}</td></tr>" for n, v in p.cost_breakdown.items()
    )
    un = "".join(
        f"<li>{escape(u.flow)} ({u.parcels} parcels): {escape(u.reason)}</li>" for u in p.unserved
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in p.notes)
    bad = "".join(f"<li>{escape(v)}</li>" for v in p.violations)
    extra = (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "") + (
        f"<h2>Violations</h2><ul>{bad}</ul>" if bad else ""
    )
    legend = " ".join(
        f'<span style="background:{c};color:#fff;padding:0 4px">{n}</span>'
        for n, c in _COLORS.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Linehaul plan {escape(p.network)}</title>"
        "<style>body{font-family:sans-serif;margin:20px}td,th{padding:2px 8px;text-align:left}</style>"
        f"</head><body><h1>Middle-mile plan: {escape(p.network)}</h1>"
        f"<table>{kp}</table><h2>Cost per day by component (USD)</h2><table>{br}</table>"
        f"<h2>Unserved flows</h2><ul>{un or '<li>none</li>'}</ul>{extra}"
        f"<h2>Tractors over 24 h</h2><p>{legend} (one row per tractor; a cycle of n days is "
        f"run by n tractors, one day apart)</p>{gantt_svg(p)}</body></html>"
    )
