/**
 * Entry point of the incidentmap page: a full-window Leaflet map of the
 * incidents served by /collections/incidents/items, reloaded (debounced,
 * aborting the previous request) whenever the view moves. The status line
 * always says in words what the map shows or what went wrong.
 */
import "leaflet/dist/leaflet.css";
import "./style.css";
import * as L from "leaflet";
import { fetchBasemap, fetchIncidents, LoadError } from "./api";
import { nearLon, normaliseBBox } from "./bbox";
import { escapeHTML, statusText } from "./format";
import { EVENT_COLOURS, OTHER_COLOUR, eventColour } from "./palette";
import { buildPopup } from "./popup";
import type { BBox, IncidentCollection, IncidentFeature } from "./types";

/** Where the map starts when there is nothing to fit to: the seed incidents' region. */
const DEFAULT_CENTRE: L.LatLngTuple = [30, 55];
const DEFAULT_ZOOM = 4;
const WORLD: BBox = [-180, -90, 180, 90];
const DEBOUNCE_MS = 250;

const statusEl = document.getElementById("status") as HTMLElement;

function setStatus(text: string, isError = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle("bar__status--error", isError);
}

const map = L.map("map", { minZoom: 2 }).setView(DEFAULT_CENTRE, DEFAULT_ZOOM);
const markers = L.layerGroup().addTo(map);
let statusNote = "";

function draw(features: IncidentFeature[]): void {
  markers.clearLayers();
  const centre = map.getCenter().lng;
  for (const f of features) {
    const [lon, lat] = f.geometry.coordinates;
    L.circleMarker([lat, nearLon(lon, centre)], {
      radius: 7,
      color: "#ffffff",
      weight: 1.5,
      fillColor: eventColour(f.properties.event_type),
      fillOpacity: 0.9,
    })
      .bindPopup(() => buildPopup(f), { maxWidth: 320 })
      .addTo(markers);
  }
}

let inFlight: AbortController | null = null;

/** load fetches and draws the incidents in bbox; null if aborted or failed. */
async function load(bbox: BBox): Promise<IncidentCollection | null> {
  inFlight?.abort();
  const ctl = new AbortController();
  inFlight = ctl;
  setStatus("Loading incidents…");
  try {
    const fc = await fetchIncidents(bbox, ctl.signal);
    if (ctl.signal.aborted) return null;
    draw(fc.features);
    return fc;
  } catch (err) {
    if (ctl.signal.aborted) return null;
    console.error(err);
    setStatus(err instanceof LoadError ? err.message : "Could not load incidents.", true);
    return null;
  } finally {
    if (inFlight === ctl) inFlight = null;
  }
}

/** refresh loads the incidents in the current view and reports them. */
async function refresh(): Promise<void> {
  const b = map.getBounds();
  const fc = await load(normaliseBBox(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()));
  if (fc) setStatus(statusText(fc.numberReturned ?? 0, fc.numberMatched ?? 0) + statusNote);
}

let timer: ReturnType<typeof setTimeout> | undefined;

function scheduleRefresh(): void {
  inFlight?.abort();
  clearTimeout(timer);
  timer = setTimeout(() => void refresh(), DEBOUNCE_MS);
}

function addLegend(): void {
  const legend = new L.Control({ position: "bottomleft" });
  legend.onAdd = () => {
    const box = document.createElement("div");
    box.className = "legend";
    const entries: [string, string][] = [...Object.entries(EVENT_COLOURS), ["Other", OTHER_COLOUR]];
    for (const [name, colour] of entries) {
      const row = document.createElement("div");
      const swatch = document.createElement("span");
      swatch.className = "legend__swatch";
      swatch.style.backgroundColor = colour; // CSSOM, allowed by CSP style-src
      row.append(swatch, document.createTextNode(name));
      box.append(row);
    }
    return box;
  };
  legend.addTo(map);
}

async function start(): Promise<void> {
  addLegend();
  const [basemap, all] = await Promise.all([fetchBasemap(), load(WORLD)]);
  if (basemap) {
    // Leaflet renders attribution as HTML; ours is plain text from config.
    L.tileLayer(basemap.url, { attribution: escapeHTML(basemap.attribution), maxZoom: 19 }).addTo(map);
  } else {
    statusNote = " · no basemap configured";
  }
  if (all && all.features.length > 0) {
    const bounds = L.latLngBounds(all.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]));
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: 8, animate: false });
  }
  map.on("moveend", scheduleRefresh);
  if (all) await refresh();
}

void start();
