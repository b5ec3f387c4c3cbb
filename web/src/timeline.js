// Per-van timeline (vis-timeline): driving, service, waiting and charging blocks from route steps.
import { DataSet, Timeline } from "vis-timeline/standalone";
import "vis-timeline/styles/vis-timeline-graph2d.min.css";
import { duration, esc, hhmm, num } from "./format.js";

const DAY0 = new Date(2000, 0, 1).getTime(); // local midnight of an arbitrary day
const at = (s) => new Date(DAY0 + s * 1000);
let current = null;

function isCharge(step) {
  return step.kind === "charge" || Number(step.charge_kwh) > 0 || Number(step.charge_s) > 0;
}

/** vis-timeline items for one route's steps. */
export function routeItems(route, group, colour) {
  const items = [];
  const steps = route.steps || [];
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i];
    const prev = steps[i - 1];
    if (prev && st.arrival_s > prev.departure_s) {
      items.push({
        group, start: at(prev.departure_s), end: at(st.arrival_s), className: "drive",
        style: `background-color:${colour};border-color:${colour}`,
        title: `drive ${esc(prev.id)} → ${esc(st.id)}: ${duration(st.arrival_s - prev.departure_s)}, ${num((st.distance_m - prev.distance_m) / 1000, 2)} km`,
      });
    }
    const wait = Number(st.wait_s) || Math.max(0, st.service_start_s - st.arrival_s);
    if (wait > 0) {
      items.push({
        group, start: at(st.service_start_s - wait), end: at(st.service_start_s), className: "wait",
        title: `wait at ${esc(st.id)}: ${duration(wait)}`,
      });
    }
    if (st.departure_s > st.service_start_s) {
      const charge = isCharge(st);
      items.push({
        group, start: at(st.service_start_s), end: at(st.departure_s), className: charge ? "charge" : "svc",
        title: `${charge ? "charge" : esc(st.kind)} ${esc(st.id)} ${hhmm(st.service_start_s)}–${hhmm(st.departure_s)}` +
          (st.soc_kwh !== null && st.soc_kwh !== undefined ? `, ${num(st.soc_kwh, 1)} kWh` : "") +
          `, load ${num(st.load_kg, 1)} kg`,
      });
    }
  }
  return items;
}

export function renderTimeline(container, routes, colours) {
  if (current) {
    current.destroy();
    current = null;
  }
  container.innerHTML = "";
  if (!routes.length) {
    container.textContent = "No routes.";
    return;
  }
  const groups = routes.map((r, i) => ({
    id: i,
    content: `<span class="swatch" style="background:${colours[i]}"></span>${esc(r.vehicle)} <span class="muted">${esc(r.vehicle_type)}</span>`,
  }));
  const items = routes.flatMap((r, i) => routeItems(r, i, colours[i])).map((it, k) => ({ id: k, type: "range", content: "", ...it }));
  const times = routes.flatMap((r) => (r.steps || []).flatMap((s) => [s.arrival_s, s.departure_s]));
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const pad = Math.max(600, (hi - lo) * 0.04);
  current = new Timeline(container, new DataSet(items), new DataSet(groups), {
    stack: false,
    xss: { filterOptions: { whiteList: { span: ["class", "style"] } } }, // swatch colours in labels
    showCurrentTime: false,
    orientation: "top",
    start: at(lo - pad),
    end: at(hi + pad),
    min: at(lo - 6 * 3600),
    max: at(hi + 6 * 3600),
    margin: { item: { horizontal: 0, vertical: 6 } },
    selectable: false,
    zoomKey: "ctrlKey",
    tooltip: { followMouse: true },
    format: { minorLabels: { minute: "HH:mm", hour: "HH:mm" }, majorLabels: { minute: "", hour: "" } },
  });
}
