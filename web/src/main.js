// voltroute dashboard: upload a problem, follow the plan job, then show KPIs, map, timeline,
// load / state-of-charge charts and the fleet comparison.
import "./style.css";
import * as api from "./api.js";
import { renderCharts } from "./charts.js";
import { DASH, duration, el, esc, fallbackColour, isNum, num } from "./format.js";
import { renderMap, setRouteVisible } from "./map.js";
import { renderTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 700;
const state = { planId: null, pollTimer: null, renderToken: 0 };

window.__voltroute = { ready: false, planId: null, status: null, routeLayerCount: 0, routesRendered: 0, vehicles: [] };

// ------------------------------------------------------------------ API key
function showKey() {
  const key = api.getKey();
  $("key-label").textContent = key ? `key ${key.slice(0, 10)}…` : "no API key";
}

function askKey() {
  $("key-input").value = api.getKey();
  $("key-dialog").showModal();
  $("key-input").focus();
}

$("key-form").addEventListener("submit", () => {
  api.setKey($("key-input").value);
  showKey();
  loadRecent();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("plan");
  if (fromHash && !state.planId) openPlan(fromHash);
});
$("key-change").addEventListener("click", askKey);

async function call(fn) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof api.ApiError && err.status === 401) {
      askKey();
    }
    throw err;
  }
}

// ------------------------------------------------------------------ upload
const isCsv = (file) => !!file && (/\.csv$/i.test(file.name) || file.type === "text/csv");

$("file-input").addEventListener("change", () => {
  $("csv-options").hidden = !isCsv($("file-input").files[0]);
});

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("file-input").files[0];
  if (!file) return;
  const params = { time_limit_s: $("time-limit").value, compare: $("compare").checked ? "true" : "false" };
  if (isCsv(file)) {
    Object.assign(params, {
      fleet: $("fleet").value,
      depot_lat: $("depot-lat").value,
      depot_lon: $("depot-lon").value,
      name: file.name.replace(/\.csv$/i, ""),
    });
  }
  $("submit").disabled = true;
  try {
    const job = await call(() => api.submitPlan(file, params));
    openPlan(job.id, job);
    loadRecent();
  } catch (err) {
    showProgress({ status: "failed", error: { code: err.code, message: err.message } });
  } finally {
    $("submit").disabled = false;
  }
});

// ------------------------------------------------------------------ progress
function showProgress(job) {
  $("progress-card").hidden = false;
  const status = job.status || "unknown";
  const st = $("status");
  st.textContent = `${job.name || job.id || ""} · ${status}`;
  st.dataset.status = status;
  st.className = `status ${status}`;
  window.__voltroute.status = status;
  const p = job.progress || {};
  const limit = job.time_limit_s;
  let fraction = isNum(p.fraction) ? p.fraction : isNum(p.elapsed_s) && limit ? p.elapsed_s / limit : 0;
  if (status === "done") fraction = 1;
  $("progress-bar").style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
  $("progress-bar").className = status;
  const per = job.compare ? " per fleet" : "";
  $("elapsed").textContent = `${isNum(p.elapsed_s) ? `${num(p.elapsed_s, 1)} s` : DASH} · limit ${limit ?? DASH} s${per}`;
  const best = isNum(p.best_cost) ? p.best_cost : job.kpis?.cost?.total;
  $("best-cost").textContent = isNum(best) ? num(best, 2) : DASH;
  $("iterations").textContent = isNum(p.iterations) ? p.iterations.toLocaleString("en-US") : DASH;
  const error = $("error");
  error.hidden = !job.error;
  error.textContent = job.error ? `${job.error.code || "error"}: ${job.error.message || ""}` : "";
  $("cancel").hidden = !(status === "queued" || status === "running");
}

$("cancel").addEventListener("click", async () => {
  if (!state.planId) return;
  try {
    showProgress(await call(() => api.cancelPlan(state.planId)));
  } catch (err) {
    console.warn(err);
  }
});

function stopPolling() {
  if (state.pollTimer) clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

async function openPlan(id, job = null) {
  stopPolling();
  state.planId = id;
  window.__voltroute = { ...window.__voltroute, ready: false, planId: id, routeLayerCount: 0, routesRendered: 0, vehicles: [] };
  history.replaceState(null, "", `#plan=${encodeURIComponent(id)}`);
  highlightRecent();
  const poll = async () => {
    if (state.planId !== id) return;
    try {
      job = await call(() => api.getPlan(id));
    } catch (err) {
      showProgress({ id, status: "failed", error: { code: err.code, message: err.message } });
      return;
    }
    if (state.planId !== id) return;
    showProgress(job);
    $("empty-title").textContent = job.status === "done" ? "Loading the plan" : `Plan ${job.status}`;
    $("empty-text").textContent = job.status === "queued" || job.status === "running"
      ? "The map, KPIs, timeline, charts and fleet comparison appear here when the plan is done."
      : job.status === "done" ? "Fetching the routes…" : "This plan has no result.";
    if (job.status === "done") {
      loadRecent();
      await showResults(job);
    } else if (job.status === "queued" || job.status === "running") {
      state.pollTimer = setTimeout(poll, POLL_MS);
    } else {
      loadRecent();
    }
  };
  if (job) showProgress(job);
  $("results").hidden = true;
  $("empty").hidden = false;
  await poll();
}

// ------------------------------------------------------------------ recent plans
function highlightRecent() {
  for (const li of $("recent").querySelectorAll("li[data-plan]")) {
    li.classList.toggle("active", li.dataset.plan === state.planId);
  }
}

async function loadRecent() {
  if (!api.getKey()) return;
  const list = $("recent");
  let plans;
  try {
    plans = await call(() => api.listPlans(20));
  } catch (err) {
    list.replaceChildren(el("li", { class: "muted" }, `could not list plans: ${err.message}`));
    return;
  }
  if (!plans.length) {
    list.replaceChildren(el("li", { class: "muted" }, "no plans yet"));
    return;
  }
  list.replaceChildren(
    ...plans.map((p) =>
      el("li", { "data-plan": p.id, "data-testid": "recent-plan", onclick: () => openPlan(p.id) },
        el("span", { class: `dot ${p.status}` }),
        el("span", { class: "recent-name" }, p.name || p.id.slice(0, 8)),
        el("span", { class: "muted" }, `${p.status} · ${(p.created_at || "").replace("T", " ").slice(5, 16)}`),
      ),
    ),
  );
  highlightRecent();
}
$("refresh").addEventListener("click", loadRecent);

// ------------------------------------------------------------------ results
/** [data-kpi name, label, value -> display, unit]. Names are the API's kpis keys ("cost.total" is nested). */
const TILES = [
  ["vehicles_used", "Vans", (v) => num(v, 0), ""],
  ["distance_m", "Distance", (v) => num(v / 1000, 1), "km"],
  ["energy_kwh", "Energy", (v) => num(v, 1), "kWh"],
  ["fuel_l", "Diesel", (v) => num(v, 1), "L"],
  ["cost.total", "Cost", (v) => num(v, 2), ""],
  ["cost_per_parcel", "Cost per parcel", (v) => num(v, 2), ""],
  ["co2_kg_per_parcel", "CO₂ per parcel", (v) => num(v * 1000, 0), "g"],
  ["served_parcels", "Parcels served", (v) => num(v, 0), ""],
  ["unassigned_parcels", "Unassigned parcels", (v) => num(v, 0), ""],
];

const kpiValue = (kpis, name) => name.split(".").reduce((o, k) => (o == null ? undefined : o[k]), kpis);

function renderKpis(kpis) {
  const currency = kpis.currency || "";
  const tiles = TILES.map(([name, label, show, unit]) => {
    const v = kpiValue(kpis, name);
    const u = unit || (name.startsWith("cost") ? currency : "");
    const tile = el("div", { class: "tile", "data-kpi": name, "data-value": v === undefined ? "" : String(v), "data-testid": `kpi-${name}` },
      el("div", { class: "tile-label" }, label),
      el("div", { class: "tile-value" }, isNum(v) ? show(v) : DASH, u ? el("span", { class: "unit" }, ` ${u}`) : null),
    );
    if (name === "unassigned_parcels") {
      const reasons = Object.entries(kpis.unassigned_reasons || {});
      tile.classList.toggle("warn", isNum(v) && v > 0);
      tile.append(el("div", { class: "tile-note", "data-testid": "unassigned-reasons" },
        reasons.length ? reasons.map(([r, n]) => `${r}: ${n}`).join(", ") : "none"));
    }
    if (name === "energy_kwh" && isNum(kpis.grid_energy_kwh)) {
      tile.append(el("div", { class: "tile-note" }, `${num(kpis.grid_energy_kwh, 1)} kWh from the grid`));
    }
    if (name === "co2_kg_per_parcel" && isNum(kpis.co2_kg)) {
      tile.append(el("div", { class: "tile-note" }, `${num(kpis.co2_kg, 1)} kg in all`));
    }
    if (name === "cost.total" && kpis.cost) {
      const c = kpis.cost;
      tile.title = ["fixed", "driver", "energy", "maintenance"].filter((k) => isNum(c[k])).map((k) => `${k} ${num(c[k], 2)}`).join(", ");
      tile.append(el("div", { class: "tile-note" }, `driver ${num(c.driver, 0)} · fixed ${num(c.fixed, 0)}`));
    }
    return tile;
  });
  $("kpis").replaceChildren(...tiles);
}

/** The comparison as a list of rows, whether the API gives a list or an object keyed by strategy. */
function comparisonRows(comparison) {
  if (!comparison) return [];
  if (Array.isArray(comparison)) return comparison;
  for (const key of ["rows", "strategies", "fleets"]) if (Array.isArray(comparison[key])) return comparison[key];
  return Object.entries(comparison).filter(([, v]) => v && typeof v === "object").map(([k, v]) => ({ strategy: k, ...v }));
}

function renderComparison(comparison, currency) {
  const rows = comparisonRows(comparison);
  const box = $("comparison");
  if (!rows.length) {
    box.replaceChildren(el("p", { class: "muted" }, "No comparison: submit with “compare fleets” ticked."));
    return;
  }
  const cols = [
    ["strategy", "fleet", (v) => v],
    ["vans", "vans", (v) => num(v, 0)],
    ["km", "km", (v) => num(v, 1)],
    ["kwh", "kWh", (v) => num(v, 1)],
    ["litres", "litres", (v) => num(v, 1)],
    ["cost", `cost ${currency}`, (v) => num(v, 2)],
    ["cost_per_parcel", "per parcel", (v) => num(v, 3)],
    ["co2_kg", "CO₂ kg", (v) => num(v, 1)],
    ["co2_kg_per_parcel", "CO₂ g/parcel", (v) => num(v * 1000, 0)],
    ["unassigned_parcels", "unassigned", (v) => num(v, 0)],
  ];
  const feasible = rows.filter((r) => r.feasible !== false && isNum(r.cost_per_parcel));
  const best = feasible.length ? Math.min(...feasible.map((r) => r.cost_per_parcel)) : null;
  const bestCo2 = feasible.length ? Math.min(...feasible.map((r) => r.co2_kg_per_parcel)) : null;
  box.replaceChildren(
    el("table", { class: "table", "data-testid": "comparison-table" },
      el("thead", {}, el("tr", {}, cols.map(([, h], i) => el("th", { class: i ? "r" : "" }, h)))),
      el("tbody", {}, rows.map((r) =>
        el("tr", { "data-strategy": r.strategy, class: r.feasible === false ? "infeasible" : "" },
          cols.map(([k, , show], i) => {
            const v = r[k];
            const good = (k === "cost_per_parcel" && v === best) || (k === "co2_kg_per_parcel" && v === bestCo2);
            return el("td", { class: `${i ? "r" : "strategy"}${good ? " best" : ""}` },
              i === 0 ? el("span", { class: `pill ${esc(v)}` }, v ?? DASH) : isNum(v) ? show(v) : DASH);
          }),
        ),
      )),
    ),
    el("p", { class: "muted small" }, "Each fleet planned on the same stops; best cost and CO₂ per parcel in bold."),
  );
}

function renderUnassigned(solution) {
  const rows = solution?.unassigned || [];
  const box = $("unassigned");
  if (!rows.length) {
    box.replaceChildren(el("p", { class: "ok" }, "Every stop is served."));
    return;
  }
  box.replaceChildren(
    el("table", { class: "table" },
      el("thead", {}, el("tr", {}, el("th", {}, "stop"), el("th", {}, "parcels"), el("th", {}, "reason"), el("th", {}, "detail"))),
      el("tbody", {}, rows.map((u) =>
        el("tr", {}, el("td", {}, u.stop), el("td", {}, String((u.parcels || []).length)), el("td", {}, el("span", { class: "pill warn" }, u.reason)), el("td", { class: "muted" }, u.detail || "")),
      )),
    ),
  );
}

function renderLegend(vehicles) {
  $("legend").replaceChildren(
    ...vehicles.map((v) =>
      el("label", { class: "legend-item", "data-vehicle": v.vehicle },
        el("input", { type: "checkbox", checked: true, onchange: (e) => setRouteVisible(v.layer, e.target.checked) }),
        el("span", { class: "swatch", style: { background: v.colour } }),
        v.vehicle,
      ),
    ),
    el("span", { class: "legend-item" }, el("span", { class: "swatch depot" }), "depot"),
    el("span", { class: "legend-item" }, el("span", { class: "swatch unassigned" }), "unassigned"),
  );
}

async function showResults(job) {
  const token = ++state.renderToken;
  const id = job.id;
  const [geojson, roads, problem] = await Promise.all([
    call(() => api.getGeojson(id)),
    api.getRoads(id).catch(() => null),
    api.getProblem(id).catch(() => null),
  ]);
  if (token !== state.renderToken || state.planId !== id) return;
  const kpis = job.kpis || {};
  const solution = job.solution || {};
  const routes = solution.routes || [];
  $("empty").hidden = true;
  $("results").hidden = false;
  $("plan-title").textContent = job.name || solution.problem || id;
  const solver = solution.solver || {};
  $("plan-meta").textContent = [
    `plan ${id.slice(0, 8)}`,
    job.finished_at ? `finished ${job.finished_at.replace("T", " ").slice(0, 19)}` : null,
    isNum(solver.runtime_s) ? `searched ${duration(solver.runtime_s)}` : null,
    solver.engine ? `${solver.engine} seed ${solver.seed ?? DASH}` : null,
    kpis.feasible === false ? "INFEASIBLE" : null,
  ].filter(Boolean).join(" · ");
  renderKpis(kpis);
  renderComparison(job.comparison, kpis.currency || "");
  renderUnassigned(solution);

  const routeFeatures = (geojson?.features || []).filter((f) => (f.properties?.kind || "") === "route" || f.geometry?.type === "LineString");
  const colourOf = new Map(routeFeatures.map((f) => [String(f.properties?.vehicle), f.properties?.colour]));
  const colours = routes.map((r, i) => colourOf.get(String(r.vehicle)) || fallbackColour(i));
  const types = Object.fromEntries((problem?.vehicle_types || []).map((t) => [t.id, t]));
  renderTimeline($("timeline"), routes, colours);
  renderCharts($("charts"), routes, colours, types);

  const drawn = await renderMap($("map"), geojson, roads);
  if (token !== state.renderToken) return;
  renderLegend(drawn.vehicles);
  window.__voltroute = {
    ready: true,
    planId: id,
    status: job.status,
    routeLayerCount: drawn.routeLayerCount,
    routesRendered: drawn.routesRendered,
    mapError: drawn.error || null,
    vehicles: drawn.vehicles.map((v) => ({ vehicle: v.vehicle, colour: v.colour })),
    kpis,
  };
  document.body.dataset.ready = "true";
}

// ------------------------------------------------------------------ start
showKey();
if (!api.getKey()) askKey();
else {
  loadRecent();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("plan");
  if (fromHash) openPlan(fromHash);
}
