// The routes map: MapLibre GL with an empty style (background only) and GeoJSON sources, so it
// needs no tile server, fonts or network beyond the voltroute API.
import * as maplibregl from "maplibre-gl";
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import "maplibre-gl/dist/maplibre-gl.css";
import { esc, fallbackColour, hhmm, num } from "./format.js";

maplibregl.setWorkerUrl(workerUrl);

const EMPTY = { type: "FeatureCollection", features: [] };
let current = null;

const kindOf = (f) => f.properties?.kind || (f.geometry?.type === "LineString" ? "route" : "stop");

function bounds(collections) {
  const b = new maplibregl.LngLatBounds();
  let any = false;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      b.extend([c[0], c[1]]);
      any = true;
    } else c.forEach(visit);
  };
  for (const fc of collections) for (const f of fc.features || []) if (f.geometry) visit(f.geometry.coordinates);
  return any ? b : null;
}

function popupHtml(p) {
  const kind = p.kind || "stop";
  if (kind === "depot") return `<b>Depot ${esc(p.id)}</b><br>${esc(p.name || "")}<br>open ${hhmm(p.open_s)}–${hhmm(p.close_s)}`;
  if (kind === "unassigned") return `<b>Unassigned ${esc(p.stop || p.id)}</b><br>reason: ${esc(p.reason || "?")}${p.detail ? `<br>${esc(p.detail)}` : ""}`;
  const soc = p.soc_kwh === null || p.soc_kwh === undefined ? "" : `<br>state of charge ${num(Number(p.soc_kwh), 1)} kWh`;
  return `<b>${esc(p.stop)}</b> · ${esc(p.vehicle)} #${esc(p.sequence)}<br>arrive ${hhmm(Number(p.arrival_s))}, leave ${hhmm(Number(p.departure_s))}<br>load ${num(Number(p.load_kg), 1)} kg${soc}`;
}

/**
 * Draw a plan. Returns a promise that resolves once the map is idle with
 * {routeLayerCount, routesRendered, vehicles}; `onToggle` legend entries are returned as well.
 */
export function renderMap(container, geojson, roads) {
  if (current) {
    current.remove();
    current = null;
  }
  container.innerHTML = "";
  const features = geojson?.features || [];
  const routes = features.filter((f) => kindOf(f) === "route");
  const points = { type: "FeatureCollection", features: features.filter((f) => f.geometry?.type === "Point") };
  const routeFc = { type: "FeatureCollection", features: routes };
  const vehicles = routes.map((f, i) => ({
    vehicle: String(f.properties?.vehicle ?? `route-${i}`),
    colour: f.properties?.colour || fallbackColour(i),
    layer: `route-${i}`,
  }));

  let map;
  try {
    map = new maplibregl.Map({
      container,
      style: {
        version: 8,
        sources: {},
        layers: [{ id: "background", type: "background", paint: { "background-color": "#f3f1ec" } }],
      },
      center: [24.94, 60.17],
      zoom: 12,
      attributionControl: false,
      canvasContextAttributes: { preserveDrawingBuffer: true, antialias: true },
    });
  } catch (err) {
    container.append(Object.assign(document.createElement("p"), {
      className: "map-error",
      textContent: `The map needs WebGL, which this browser could not start (${err.message}).`,
    }));
    return Promise.resolve({ routeLayerCount: 0, routesRendered: 0, vehicles, error: String(err) });
  }
  current = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");

  return new Promise((resolve) => {
    map.on("load", () => {
      map.addSource("roads", { type: "geojson", data: roads || EMPTY });
      map.addSource("routes", { type: "geojson", data: routeFc });
      map.addSource("points", { type: "geojson", data: points });
      map.addLayer({
        id: "roads",
        type: "line",
        source: "roads",
        paint: {
          "line-color": "#d3cfc6",
          "line-width": ["interpolate", ["linear"], ["zoom"], 11, 0.6, 16, 3],
        },
      });
      map.addLayer({
        id: "routes-casing",
        type: "line",
        source: "routes",
        layout: { "line-join": "round", "line-cap": "round" },
        paint: { "line-color": "#ffffff", "line-width": 7, "line-opacity": 0.9 },
      });
      vehicles.forEach((v, i) => {
        map.addLayer({
          id: v.layer,
          type: "line",
          source: "routes",
          filter: ["==", ["to-string", ["get", "vehicle"]], v.vehicle],
          layout: { "line-join": "round", "line-cap": "round" },
          paint: { "line-color": ["coalesce", ["get", "colour"], fallbackColour(i)], "line-width": 4 },
        });
      });
      map.addLayer({
        id: "stops",
        type: "circle",
        source: "points",
        filter: ["==", ["get", "kind"], "stop"],
        paint: {
          "circle-radius": ["interpolate", ["linear"], ["zoom"], 11, 3.5, 16, 7],
          "circle-color": ["coalesce", ["get", "colour"], "#555"],
          "circle-stroke-color": "#fff",
          "circle-stroke-width": 1.5,
        },
      });
      map.addLayer({
        id: "unassigned",
        type: "circle",
        source: "points",
        filter: ["==", ["get", "kind"], "unassigned"],
        paint: { "circle-radius": 6, "circle-color": "#fff", "circle-stroke-color": "#d1242f", "circle-stroke-width": 3 },
      });
      map.addLayer({
        id: "depots",
        type: "circle",
        source: "points",
        filter: ["==", ["get", "kind"], "depot"],
        paint: { "circle-radius": 9, "circle-color": "#1f2328", "circle-stroke-color": "#fff", "circle-stroke-width": 3 },
      });
      for (const layer of ["stops", "unassigned", "depots"]) {
        map.on("click", layer, (e) => {
          const f = e.features?.[0];
          if (!f) return;
          new maplibregl.Popup({ closeButton: false }).setLngLat(e.lngLat).setHTML(popupHtml(f.properties)).addTo(map);
        });
        map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
        map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
      }
      const b = bounds([routeFc, points]);
      if (b) map.fitBounds(b, { padding: 40, duration: 0, maxZoom: 16 });
      map.once("idle", () => {
        const layerIds = vehicles.map((v) => v.layer).filter((id) => map.getLayer(id));
        const rendered = new Set(
          map.queryRenderedFeatures({ layers: layerIds }).map((f) => String(f.properties.vehicle)),
        );
        resolve({ routeLayerCount: layerIds.length, routesRendered: rendered.size, vehicles });
      });
    });
    map.on("error", (e) => console.warn("map error", e?.error || e));
  });
}

export function setRouteVisible(layer, visible) {
  if (current?.getLayer(layer)) current.setLayoutProperty(layer, "visibility", visible ? "visible" : "none");
}
