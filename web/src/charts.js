// Small SVG line charts: load and state of charge over the day, one card per van.
import { esc, hhmm, isNum, num } from "./format.js";

const W = 320;
const H = 110;
const M = { l: 40, r: 8, t: 16, b: 20 };

/** An SVG string for one series of [t, y] points; `step` draws it as a step function. */
export function lineChart(points, { colour, yMax, unit, label, step = false, t0, t1 }) {
  const pts = points.filter(([t, y]) => isNum(t) && isNum(y));
  if (!pts.length) return `<div class="chart-none">no ${esc(label)} data</div>`;
  const x0 = t0 ?? pts[0][0];
  const x1 = Math.max(t1 ?? pts[pts.length - 1][0], x0 + 1);
  const ymax = Math.max(yMax || 0, ...pts.map((p) => p[1]), 1e-9);
  const sx = (t) => M.l + ((t - x0) / (x1 - x0)) * (W - M.l - M.r);
  const sy = (y) => H - M.b - (y / ymax) * (H - M.t - M.b);
  let d = "";
  pts.forEach(([t, y], i) => {
    if (i === 0) d += `M${sx(t).toFixed(1)},${sy(y).toFixed(1)}`;
    else {
      if (step) d += `H${sx(t).toFixed(1)}`;
      d += `L${sx(t).toFixed(1)},${sy(y).toFixed(1)}`;
    }
  });
  const last = pts[pts.length - 1];
  const area = `${d}L${sx(last[0]).toFixed(1)},${sy(0)}L${sx(pts[0][0]).toFixed(1)},${sy(0)}Z`;
  const ticks = [0, 0.5, 1].map((f) => x0 + f * (x1 - x0));
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}">
    <line x1="${M.l}" y1="${sy(0)}" x2="${W - M.r}" y2="${sy(0)}" class="axis"/>
    <line x1="${M.l}" y1="${sy(ymax)}" x2="${W - M.r}" y2="${sy(ymax)}" class="grid"/>
    <text x="${M.l - 4}" y="${sy(ymax) + 4}" text-anchor="end" class="tick">${num(ymax, 0)}</text>
    <text x="${M.l - 4}" y="${sy(0)}" text-anchor="end" class="tick">0</text>
    ${ticks.map((t, i) => `<text x="${sx(t)}" y="${H - 5}" text-anchor="${["start", "middle", "end"][i]}" class="tick">${hhmm(t)}</text>`).join("")}
    <path d="${area}" fill="${colour}" opacity="0.12"/>
    <path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>
    <text x="${M.l + 4}" y="10" class="chart-label">${esc(label)} (${esc(unit)})</text>
  </svg>`;
}

const pct = (x, of) => (isNum(x) && isNum(of) && of > 0 ? `${Math.round((100 * x) / of)} %` : "\u2013");

/** Cards per route with its facts and load / SoC charts. `types` maps vehicle type id to its spec. */
export function renderCharts(container, routes, colours, types) {
  container.innerHTML = "";
  routes.forEach((r, i) => {
    const steps = r.steps || [];
    const t0 = steps[0]?.departure_s;
    const t1 = steps[steps.length - 1]?.arrival_s;
    const spec = types[r.vehicle_type] || {};
    const load = [];
    steps.forEach((s, j) => {
      // load_kg is the load after the step: carry the previous load up to the arrival.
      load.push([s.arrival_s, j ? steps[j - 1].load_kg : s.load_kg]);
      load.push([s.departure_s, s.load_kg]);
    });
    const soc = steps.filter((s) => isNum(s.soc_kwh)).flatMap((s) => [[s.arrival_s, s.soc_kwh], [s.departure_s, s.soc_kwh]]);
    const k = r.kpis || {};
    const peak = Math.max(0, ...steps.map((s) => s.load_kg).filter(isNum));
    const battery = spec.powertrain?.battery_usable_kwh;
    const socEnd = soc.length ? soc[soc.length - 1][1] : null;
    const card = document.createElement("div");
    card.className = "van";
    card.dataset.vehicle = r.vehicle;
    card.innerHTML = `
      <div class="van-head"><span class="swatch" style="background:${colours[i]}"></span>
        <b>${esc(r.vehicle)}</b> <span class="muted">${esc(spec.name || r.vehicle_type)}</span></div>
      <div class="van-facts">${num((k.distance_m ?? 0) / 1000, 1)} km · ${esc(k.stops ?? r.stops?.length ?? "")} stops · ${esc(k.parcels ?? "")} parcels ·
        ${hhmm(t0)}–${hhmm(t1)}${isNum(k.energy_kwh) && k.energy_kwh > 0 ? ` · ${num(k.energy_kwh, 1)} kWh` : ""}${isNum(k.fuel_l) && k.fuel_l > 0 ? ` · ${num(k.fuel_l, 2)} L` : ""}</div>
      <div class="van-charts">
        ${lineChart(load, { colour: colours[i], unit: "kg", label: `load, peak ${pct(peak, spec.capacity_kg)} of capacity`, t0, t1 })}
        ${soc.length ? lineChart(soc, { colour: "#2da44e", yMax: battery, unit: "kWh", label: `state of charge, ${pct(socEnd, battery)} at the end`, t0, t1 }) : `<div class="chart-none">diesel van: no battery</div>`}
      </div>`;
    container.append(card);
  });
}
