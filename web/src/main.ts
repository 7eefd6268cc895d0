/**
 * Entry point of the incidentmap page: a Leaflet map of every incident in
 * view (the server's clusters with their true counts and mix of event
 * types, incidents one by one where they are few, or a heat map), a filters panel that is one CQL2
 * text filter, an incident detail panel, exports, and the whole state in
 * the URL fragment (history.pushState on changes; popstate restores). The page talks
 * only to the public API, and the status line always says in words what
 * the map shows or what went wrong.
 */
import "leaflet/dist/leaflet.css";
import "./style.css";
import L from "./leaflet-global";
import "leaflet.heat";
import {
  fetchEnums,
  fetchIncident,
  fetchProvinces,
  geocode,
  getJSON,
  LoadError,
  NotOK,
  type Enums,
} from "./api";
import { nearLon, normaliseBBox } from "./bbox";
import {
  buildDonut,
  clustersURL,
  describeCluster,
  donutSize,
  membersURL,
  parseClusters,
  parseMembers,
  zoomOf,
  type ClusterCollection,
  type ClusterFeature,
} from "./clusters";
import { buildDetail } from "./detail";
import { statusText } from "./format";
import { EVENT_COLOURS, OTHER_COLOUR, eventColour } from "./palette";
import { initResearch } from "./research";
import { Timeline } from "./timeline";
import { buildCQL2, countURL, emptyFilter, itemsURL, num, parseCountries, type FilterState } from "./query";
import { groupSubEvents, SUB_EVENT_GROUPS } from "./subevents";
import { fromSearch, toSearch, type PageState } from "./urlstate";
import type { IncidentFeature } from "./types";
// Basemap, accessibility and selection (issue 12): see those modules.
import { addBackground } from "./basemap";
import { fetchMapConfig } from "./mapconfig";
import { clusterName, incidentName, keepLegendOffSheets, makeOperable } from "./a11y";
import { Selection } from "./select";
import { currentView, onViewTarget, viewBBox, type View } from "./viewload";
import { FlatMarker } from "./flat";

/** Where the map starts when there is nothing to fit to: the seed incidents' region. */
const DEFAULT_CENTRE: L.LatLngTuple = [30, 55];
const DEFAULT_ZOOM = 4;
/** Zoom of the clusters that frame the first view when the URL names none. */
const FIT_ZOOM = 2;
/** Most incidents of one place listed when its cluster is clicked. */
const MEMBERS_LIMIT = 200;
/** Most incidents an export holds (the API's page limit). */
const EXPORT_LIMIT = 10000;

/** Fallback lists when /queryables cannot be read. */
const FALLBACK_ENUMS: Enums = {
  eventTypes: Object.keys(EVENT_COLOURS).sort(),
  subEventTypes: Object.values(SUB_EVENT_GROUPS).flat(),
  targetTypes: [
    "embassy",
    "consulate",
    "diplomatic_vehicle",
    "diplomatic_staff",
    "international_organisation",
    "military",
    "government",
    "civilian",
    "religious_site",
    "other",
  ],
};

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

const statusEl = byId("status");
const spinner = byId("spinner");
const form = byId<HTMLFormElement>("filter-form");
const input = {
  from: byId<HTMLInputElement>("f-from"),
  to: byId<HTMLInputElement>("f-to"),
  country: byId<HTMLInputElement>("f-country"),
  targetCountry: byId<HTMLInputElement>("f-target-country"),
  fatalities: byId<HTMLInputElement>("f-fatalities"),
  text: byId<HTMLInputElement>("f-text"),
  near: byId<HTMLInputElement>("f-near"),
  nearKm: byId<HTMLInputElement>("f-near-km"),
  heat: byId<HTMLInputElement>("f-heat"),
};
const eventBox = byId("f-event");
const subBox = byId("f-sub");
const provinceSelect = byId<HTMLSelectElement>("f-province");
const targetBox = byId("f-target");
const cqlOut = byId<HTMLTextAreaElement>("cql");
const detailEl = byId("detail");
const detailContent = byId("detail-content");
const filtersEl = byId("filters");
const filtersToggle = byId<HTMLButtonElement>("filters-toggle");

function setStatus(text: string, isError = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle("bar__status--error", isError);
}

function setMsg(id: string, text: string, isError = false): void {
  const e = byId(id);
  e.textContent = text;
  e.classList.toggle("filters__msg--error", isError);
}

let loadingCount = 0;
function setLoading(on: boolean): void {
  loadingCount = Math.max(0, loadingCount + (on ? 1 : -1));
  const busy = loadingCount > 0;
  spinner.hidden = !busy;
  byId("map").setAttribute("aria-busy", String(busy));
}

/** The page state; the URL is always toSearch(state) plus the view. */
let state: PageState = fromSearch(location.hash);

// ---------------------------------------------------------------- map

const map = L.map("map", { minZoom: 2, maxZoom: 19 });
const markers = L.layerGroup();
const heat = L.heatLayer([], { radius: 22, blur: 18, maxZoom: 10 });
/** The heat map's points; set on the layer only while it is on the map (leaflet.heat redraws through its map). */
let heatPoints: [number, number, number][] = [];
const selection = new Selection(map);
const overlays = L.layerGroup().addTo(map);
/** The research tools (research.ts): table, counts, grid mode, share, PNG, scale and legends. */
const research = initResearch({
  map,
  markers,
  heat,
  state: () => state,
  selectIncident,
  pushURL,
  applyLayers: applyHeat,
});

function markerIcon(eventType: string | null | undefined): L.DivIcon {
  const dot = document.createElement("span");
  dot.className = "marker__dot";
  dot.style.backgroundColor = eventColour(eventType); // CSSOM, allowed by CSP
  return L.divIcon({ html: dot, className: "marker", iconSize: [16, 16], iconAnchor: [8, 8] });
}

function clusterMarker(f: ClusterFeature, at: L.LatLngTuple): L.Marker {
  const p = f.properties;
  const types = p.event_types ?? {};
  const size = donutSize(p.count);
  const title = describeCluster(p.count, types);
  const m = new FlatMarker(at, {
    icon: L.divIcon({ html: buildDonut(p.count, types), className: "marker-cluster cluster", iconSize: [size, size] }),
    title,
    alt: title,
    keyboard: true,
    // Bigger clusters on top where neighbouring cells' clusters overlap.
    zIndexOffset: Math.round(1000 * Math.log10(Math.max(1, p.count))),
  });
  m.on("click", () => void openCluster(f, m.getLatLng()));
  makeOperable(m, clusterName(p.count, types));
  return m;
}

/**
 * The markers on the map by what they show (a cluster's id, zoom, count,
 * mix and filter; an incident's id and filter): the next draw keeps those
 * it shows again (a pan at the same zoom keeps most of them), so that only
 * what changed is built and moved in the page.
 */
let shown = new Map<string, L.Marker>();

/** singleMarker is the marker of one incident of a clusters response. */
function singleMarker(f: ClusterFeature, at: L.LatLngTuple): L.Marker {
  // title and alt are set as attributes, never parsed as HTML.
  const title = f.properties.title ?? "incident";
  const m = new FlatMarker(at, { icon: markerIcon(f.properties.event_type), title, alt: title, keyboard: true });
  m.on("click", () => selectIncident(f.id));
  research.marker(m, f.id);
  makeOperable(m, incidentName(f.properties.title, f.properties.event_type, f.properties.occurred_start));
  return m;
}

/** A feature of a clusters response made ready to draw. */
interface ReadyFeature {
  f: ClusterFeature;
  key: string;
  at: L.LatLngTuple;
  /** Its share of the heat map's weight. */
  weight: number;
  /** Its marker, built ahead when none on the map shows it. */
  marker: L.Marker | null;
}

/**
 * prepare makes a clusters response ready to draw: where each feature goes
 * and the markers of those not on the map, built while a zoom animation
 * still runs so that draw only swaps them in.
 */
function prepare(fc: ClusterCollection): ReadyFeature[] {
  const centre = map.getCenter().lng;
  const zoom = typeof fc.zoom === "number" ? fc.zoom : zoomOf(map.getZoom());
  const cql = buildCQL2(state.filter);
  let most = 1;
  for (const f of fc.features) most = Math.max(most, f.properties.count);
  return fc.features.map((f) => {
    const [lon, lat] = f.geometry.coordinates;
    const at: L.LatLngTuple = [lat, nearLon(lon, centre)];
    const p = f.properties;
    const key = p.cluster ? `c${f.id}|${zoom}|${p.count}|${Object.values(p.event_types ?? {}).join(",")}|${cql}` : `i${f.id}|${cql}`;
    const marker = shown.has(key) ? null : newMarker(f, at);
    return { f, key, at, weight: f.properties.count / most, marker };
  });
}

function newMarker(f: ClusterFeature, at: L.LatLngTuple): L.Marker {
  return f.properties.cluster ? clusterMarker(f, at) : singleMarker(f, at);
}

/**
 * stage puts the new markers of a prepared answer on the map, hidden
 * (class marker--staged), while a zoom animation still runs: Leaflet's
 * work of adding them is then done before they are due, and draw only
 * shows them.
 */
function stage(ready: ReadyFeature[]): void {
  if (!map.hasLayer(markers)) return;
  for (const { marker } of ready) {
    if (!marker) continue;
    markers.addLayer(marker);
    marker.getElement()?.classList.add("marker--staged");
  }
}

/** unstage takes the staged markers of an answer that will not be drawn off the map. */
function unstage(ready: ReadyFeature[]): void {
  for (const { marker } of ready) if (marker) markers.removeLayer(marker);
}

/** draw shows a clusters response (prepared, and maybe staged, ahead): a donut per cluster, a dot per incident. */
function draw(ready: ReadyFeature[]): void {
  const points: [number, number, number][] = [];
  const next = new Map<string, L.Marker>();
  const added: L.Marker[] = [];
  for (const { f, key, at, weight, marker } of ready) {
    points.push([at[0], at[1], weight]);
    let m = shown.get(key);
    if (m) {
      shown.delete(key);
      if (marker) markers.removeLayer(marker); // drawn meanwhile by another answer
      const was = m.getLatLng();
      if (was.lat !== at[0] || was.lng !== at[1]) m.setLatLng(at);
    } else {
      m = marker ?? newMarker(f, at);
      if (!markers.hasLayer(m)) added.push(m);
    }
    next.set(key, m);
  }
  for (const m of shown.values()) markers.removeLayer(m);
  for (const m of added) markers.addLayer(m);
  for (const { marker } of ready) marker?.getElement()?.classList.remove("marker--staged");
  shown = next;
  heatPoints = points;
  if (map.hasLayer(heat)) heat.setLatLngs(points);
}

/**
 * openCluster zooms in to where a cluster splits, or, when its incidents
 * share one place and never split, lists them in the side panel.
 */
async function openCluster(f: ClusterFeature, at: L.LatLng): Promise<void> {
  const split = f.properties.expansion_zoom ?? -1;
  if (split >= 0) {
    map.setView(at, Math.max(split, map.getZoom() + 1));
    return;
  }
  detailAbort?.abort();
  const ctl = new AbortController();
  detailAbort = ctl;
  setLoading(true);
  try {
    const m = parseMembers(await getJSON(membersURL(state.filter, f.id, MEMBERS_LIMIT), "the cluster", ctl.signal));
    if (ctl.signal.aborted) return;
    const box = document.createElement("div");
    const head = document.createElement("h2");
    head.className = "detail__title";
    head.textContent = `${m.numberMatched.toLocaleString("en")} incidents at one place`;
    const list = document.createElement("ul");
    list.className = "members";
    for (const inc of m.features) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "members__item";
      b.textContent = `${inc.properties.occurred_start ?? ""} ${inc.properties.title ?? inc.id}`;
      b.addEventListener("click", () => selectIncident(inc.id));
      li.append(b);
      list.append(li);
    }
    box.append(head, list);
    if (m.features.length < m.numberMatched) {
      const more = document.createElement("p");
      more.textContent = `The first ${m.features.length.toLocaleString("en")} are listed; export the selection for all of them.`;
      box.append(more);
    }
    shownId = null;
    selection.clear();
    detailContent.replaceChildren(box);
    if (detailEl.hidden) {
      detailEl.hidden = false;
      map.invalidateSize();
    }
  } catch (err) {
    if (!ctl.signal.aborted) setStatus(describeFailure(err), true);
  } finally {
    setLoading(false);
  }
}

/** selectIncident opens an incident's detail (fetched by id) and records it in history. */
function selectIncident(id: string): void {
  state.selected = id;
  pushURL();
  void openSelected();
}

function applyHeat(): void {
  input.heat.checked = state.heat;
  if (state.heat) {
    map.removeLayer(markers);
    heat.addTo(map);
    heat.setLatLngs(heatPoints);
  } else {
    map.removeLayer(heat);
    markers.addTo(map);
  }
  research.applyMode(); // the grid mode (research.ts) may take the markers' place
}

/** drawOverlays shows the drawn rectangle and the distance circle of the filter. */
function drawOverlays(): void {
  overlays.clearLayers();
  const f = state.filter;
  const style = { color: "#24323f", weight: 1.5, dashArray: "5 4", fill: false, interactive: false };
  if (f.rect) {
    const [w, s, e, n] = f.rect;
    L.rectangle([[s, w], [n, e > w ? e : e + 360]], style).addTo(overlays);
  }
  if (f.near) L.circle([f.near.lat, f.near.lon], { ...style, radius: f.near.km * 1000 }).addTo(overlays);
}

function filterActive(): boolean {
  return buildCQL2(state.filter) !== "";
}

function describeFailure(err: unknown): string {
  if (err instanceof NotOK && err.status === 400) return `The server rejected the filter: ${err.message}`;
  if (err instanceof LoadError) return err.message;
  return "Could not load incidents.";
}

/** A clusters request for one view under one filter; its URL says which. */
interface ViewLoad {
  url: string;
  ctl: AbortController;
  answer: Promise<ClusterCollection>;
}

/** The request whose answer the map will draw next, if any. */
let pending: ViewLoad | null = null;

/**
 * load asks for the clusters of a view, unless the same request is already
 * out: a view asked for as an animation starts (viewload.ts) is the one
 * asked for again when it ends, and a burst of calls (moveend with a
 * filter change) makes one request. A different request cancels the one
 * out, which is stale.
 */
function load(v: View): ViewLoad {
  const url = clustersURL(state.filter, viewBBox(map, v), v.zoom);
  if (pending?.url === url) return pending;
  pending?.ctl.abort();
  const ctl = new AbortController();
  const answer = getJSON(url, "incidents", ctl.signal).then(parseClusters);
  answer.catch(() => undefined); // the refresh that draws it reports failures
  pending = { url, ctl, answer };
  return pending;
}

/** True while Leaflet animates a zoom. */
function zooming(): boolean {
  return (map as unknown as { _animatingZoom?: boolean })._animatingZoom === true;
}

/**
 * How far into a zoom animation (ms) the new view's markers may replace
 * the old ones. Leaflet sets the new zoom and pixel origin as its 250 ms
 * animation starts, so markers added during it sit where they belong when
 * it ends; its ease-out curve has covered about three quarters of the way
 * after 100 ms, so from then on the new clusters are drawn as soon as their
 * answer is in rather than after the animation. The heat map is redrawn
 * only after it (its canvas is scaled by the animation).
 */
const ZOOM_DRAW_AFTER_MS = 100;
/** When the current zoom animation started (performance.now()). */
let zoomAnimAt = 0;

/** zoomDrawable resolves when the view a zoom animates to may be drawn. */
function zoomDrawable(): Promise<void> {
  if (!zooming()) return Promise.resolve();
  const left = map.hasLayer(markers) ? zoomAnimAt + ZOOM_DRAW_AFTER_MS - performance.now() : Infinity;
  if (left <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = Number.isFinite(left) ? setTimeout(resolve, left) : undefined;
    map.once("zoomend", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The URL of the clusters on the map (null: none, or not a view's own). */
let drawnURL: string | null = null;

/**
 * refresh loads and draws the incidents of a view (by default the one on
 * screen). Drawn once the animation towards it, if any, has ended; an
 * answer overtaken by another request is dropped. keepStatus leaves the
 * status line as it is while loading (it is still true; the spinner shows).
 */
async function refresh(v: View = currentView(map), keepStatus = false): Promise<void> {
  const l = load(v);
  setLoading(true);
  if (!keepStatus) setStatus("Loading incidents…");
  try {
    const fc = await l.answer;
    if (pending !== l) return;
    const ready = prepare(fc);
    stage(ready);
    await zoomDrawable();
    if (pending !== l) {
      unstage(ready);
      return;
    }
    pending = null;
    drawnURL = l.url;
    draw(ready);
    reportStatus(fc);
    research.drawn(fc);
    drawn(fc.numberMatched);
  } catch (err) {
    if (pending !== l) return;
    pending = null;
    drawnURL = null; // the status line says the load failed: the next move asks again
    console.warn(err);
    setStatus(describeFailure(err), true);
    drawn(null);
  } finally {
    setLoading(false);
  }
}

/**
 * reportStatus says in the status line what the map shows: every incident
 * in view is on the map, in clusters or one by one, and the count is the
 * true total (the sum of the clusters' counts).
 */
function reportStatus(fc: ClusterCollection): void {
  const n = fc.numberMatched;
  if (n === 0) {
    setStatus(filterActive() ? "No incidents match these filters in this view." : "No incidents in this view.");
    return;
  }
  const clusters = fc.features.filter((f) => f.properties.cluster).length;
  const singles = fc.features.length - clusters;
  const how =
    clusters > 0
      ? ` (in ${clusters.toLocaleString("en")} clusters${singles > 0 ? ` and ${singles.toLocaleString("en")} single markers` : ""}; click a cluster to zoom in)`
      : "";
  setStatus(statusText(n, n) + how);
}

/** scheduleRefresh reloads the view after a change of filter or history (no delay: load() coalesces). */
function scheduleRefresh(): void {
  void refresh();
}

// ---------------------------------------------------------------- URL

function viewOf(): PageState["view"] {
  const c = map.getCenter();
  return { lat: c.lat, lon: c.lng, zoom: map.getZoom() };
}

/** urlFor is the page URL for s: the state goes in the fragment. */
function urlFor(s: PageState): string {
  const q = toSearch(s);
  return `${location.pathname}${location.search}${q ? `#${q.slice(1)}` : ""}`;
}

/** pushURL records a change (filter, selection, heat) as a history entry. */
function pushURL(): void {
  state.view = viewOf();
  const url = urlFor(state);
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.pushState(null, "", url);
}

/** replaceURL keeps the view in the URL without a history entry per pan. */
function replaceURL(): void {
  state.view = viewOf();
  history.replaceState(null, "", urlFor(state));
}

// ---------------------------------------------------------------- filters panel

function checkboxes(box: HTMLElement, name: string, values: string[]): void {
  for (const v of values) {
    const label = document.createElement("label");
    label.className = "filters__check";
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.name = name;
    cb.value = v;
    label.append(cb, document.createTextNode(v.replaceAll("_", " ")));
    box.append(label);
  }
}

function checked(box: HTMLElement): string[] {
  return [...box.querySelectorAll<HTMLInputElement>("input[type=checkbox]")].filter((c) => c.checked).map((c) => c.value);
}

function setChecked(box: HTMLElement, values: string[]): void {
  for (const c of box.querySelectorAll<HTMLInputElement>("input[type=checkbox]")) c.checked = values.includes(c.value);
}

function rectLabel(): string {
  const r = state.filter.rect;
  return r ? `Region: ${r.map(num).join(", ")} (W, S, E, N).` : "No region drawn.";
}

/** writeForm shows the state in the panel. */
function writeForm(): void {
  const f = state.filter;
  input.from.value = f.from;
  input.to.value = f.to;
  setChecked(eventBox, f.eventTypes);
  setChecked(subBox, f.subEventTypes);
  if (f.subEventTypes.length) byId<HTMLDetailsElement>("f-sub-details").open = true;
  setChecked(targetBox, f.targetTypes);
  setProvinceSelection(f.provinces);
  input.country.value = f.countries.join(", ");
  input.targetCountry.value = f.targetCountries.join(", ");
  input.fatalities.value = f.minFatalities === null ? "" : String(f.minFatalities);
  input.text.value = f.text;
  input.near.value = f.near?.label ?? "";
  if (f.near) input.nearKm.value = String(f.near.km);
  setMsg("f-country-msg", "");
  setMsg("f-target-country-msg", "");
  setMsg("f-near-msg", f.near ? `Within ${f.near.km} km of ${num(f.near.lat)}, ${num(f.near.lon)}.` : "");
  setMsg("f-rect-msg", rectLabel());
  input.heat.checked = state.heat;
  updateOutputs();
}

/**
 * readForm reads the panel into a new FilterState, resolving a new place
 * name through /geocode; null (with the reason shown beside the field)
 * when something is invalid.
 */
async function readForm(): Promise<FilterState | null> {
  const f = emptyFilter();
  let ok = true;
  f.from = input.from.value;
  f.to = input.to.value;
  if (f.from && f.to && f.from > f.to) {
    setStatus("The start date is after the end date.", true);
    return null;
  }
  f.eventTypes = checked(eventBox);
  f.subEventTypes = checked(subBox);
  f.targetTypes = checked(targetBox);
  for (const [el, key, msg] of [
    [input.country, "countries", "f-country-msg"],
    [input.targetCountry, "targetCountries", "f-target-country-msg"],
  ] as const) {
    const { codes, bad } = parseCountries(el.value);
    f[key] = codes;
    if (bad.length) {
      ok = false;
      setMsg(msg, `Not an ISO alpha-3 code: ${bad.join(", ")}`, true);
      el.setAttribute("aria-invalid", "true");
    } else {
      setMsg(msg, "");
      el.removeAttribute("aria-invalid");
    }
  }
  f.provinces = readProvinces(f.countries);
  const fat = input.fatalities.value.trim();
  if (fat !== "") {
    if (/^\d{1,9}$/.test(fat)) f.minFatalities = Number(fat);
    else {
      ok = false;
      setStatus("Fatalities must be a whole number, 0 or more.", true);
    }
  }
  f.text = input.text.value;
  f.rect = state.filter.rect;
  const place = input.near.value.trim();
  const km = Number(input.nearKm.value);
  if (place !== "") {
    if (!(km > 0)) {
      setMsg("f-near-msg", "The distance must be more than 0 km.", true);
      return null;
    }
    const prev = state.filter.near;
    if (prev && prev.label === place) {
      f.near = { ...prev, km };
    } else {
      setMsg("f-near-msg", `Looking up ${place}…`);
      try {
        const found = await geocode(place);
        const best = found[0];
        if (!best) {
          setMsg("f-near-msg", `No place called "${place}" was found.`, true);
          return null;
        }
        const label = [best.name, best.admin1 !== best.name ? best.admin1 : "", best.country].filter(Boolean).join(", ");
        f.near = { label, lon: best.lon, lat: best.lat, km };
        input.near.value = label;
      } catch (err) {
        setMsg("f-near-msg", err instanceof LoadError ? err.message : "Place search failed.", true);
        return null;
      }
    }
    setMsg("f-near-msg", `Within ${km} km of ${f.near.label} (${num(f.near.lat)}, ${num(f.near.lon)}).`);
  } else {
    setMsg("f-near-msg", "");
  }
  return ok ? f : null;
}

let selectionAbort: AbortController | null = null;

/** updateOutputs shows the CQL2 text, export links and the API examples for the state. */
function updateOutputs(): void {
  const f = state.filter;
  const cql = buildCQL2(f);
  cqlOut.value = cql || "(no filter: every incident)";
  timeline.update();
  research.changed();
  void loadProvinces(f.countries);
  const nSub = f.subEventTypes.length;
  byId("f-sub-summary").textContent = nSub ? `${nSub} sub-event type${nSub === 1 ? "" : "s"} chosen` : "Choose sub-event types";
  byId<HTMLAnchorElement>("export-geojson").href = itemsURL(f, { limit: EXPORT_LIMIT, format: "geojson" });
  byId<HTMLAnchorElement>("export-csv").href = itemsURL(f, { limit: EXPORT_LIMIT, format: "csv" });
  const apiURL = itemsURL(f, { base: location.origin, limit: EXPORT_LIMIT, format: "geojson" });
  byId<HTMLTextAreaElement>("use-url").value = apiURL;
  byId<HTMLTextAreaElement>("use-code").value = [
    "# Python",
    "import requests",
    `fc = requests.get("${apiURL}", timeout=60).json()`,
    'print(len(fc["features"]), "downloaded;", "more: follow the next link" if any(l["rel"] == "next" for l in fc["links"]) else "that is all")',
    "",
    "# GDAL",
    `ogr2ogr -f GPKG incidents.gpkg "${apiURL}"`,
  ].join("\n");
  // How many incidents the whole selection holds, for the export warning.
  selectionAbort?.abort();
  const ctl = new AbortController();
  selectionAbort = ctl;
  setMsg("export-msg", "Counting the selection…");
  getJSON(countURL(f), "the count of the selection", ctl.signal)
    .then((body) => {
      const m = (body as { numberMatched?: unknown }).numberMatched;
      const n = typeof m === "number" ? m : 0;
      const s = n.toLocaleString("en");
      if (n > EXPORT_LIMIT) {
        setMsg("export-msg", `${s} incidents match; a download holds only the newest ${EXPORT_LIMIT.toLocaleString("en")}. Narrow the filter, or page through the API's next links.`, true);
      } else {
        setMsg("export-msg", `${s} incident${n === 1 ? "" : "s"} match; a download holds all of them (not only the view).`);
      }
    })
    .catch((err) => {
      if (!ctl.signal.aborted) setMsg("export-msg", describeFailure(err), true);
    });
}

// ---------------------------------------------------------------- provinces

/** The host countries whose provinces the select lists ("" none); provincesReady once they are in. */
let provinceKey = "";
let provincesReady = false;
let provinceSeq = 0;
/** The host country of every province loaded so far. */
const provinceCountry = new Map<string, string>();

function setProvinceSelection(codes: string[]): void {
  for (const o of provinceSelect.options) o.selected = codes.includes(o.value);
}

/**
 * readProvinces is the provinces chosen in the select for the host
 * countries; while the select is still loading them, the state's choice.
 */
function readProvinces(countries: string[]): string[] {
  if (countries.length === 0) return [];
  if (provincesReady && provinceKey === countries.join(",")) {
    return [...provinceSelect.selectedOptions].map((o) => o.value);
  }
  // Loading: keep the chosen provinces, less those known to lie in a country no longer set.
  return state.filter.provinces.filter((p) => {
    const c = provinceCountry.get(p);
    return c === undefined || countries.includes(c);
  });
}

/** loadProvinces fills the province select with the provinces of the host countries. */
async function loadProvinces(countries: string[]): Promise<void> {
  const key = countries.join(",");
  if (key === provinceKey) return;
  provinceKey = key;
  provincesReady = false;
  const seq = ++provinceSeq;
  const box = byId("f-province-box");
  if (countries.length === 0) {
    provinceSelect.replaceChildren();
    box.hidden = true;
    setMsg("f-province-msg", "");
    return;
  }
  setMsg("f-province-msg", "Loading provinces…");
  let lists: Awaited<ReturnType<typeof fetchProvinces>>[];
  try {
    lists = await Promise.all(countries.map((c) => fetchProvinces(c)));
  } catch (err) {
    if (seq !== provinceSeq) return;
    box.hidden = true;
    setMsg(
      "f-province-msg",
      err instanceof NotOK && err.status === 404 ? "Provinces are not available on this server." : "Could not load the provinces.",
      err instanceof NotOK && err.status === 404 ? false : true,
    );
    return;
  }
  if (seq !== provinceSeq) return;
  countries.forEach((c, i) => lists[i]?.forEach((p) => provinceCountry.set(p.code, c)));
  const opts = (list: { code: string; name: string }[]) =>
    list.map((p) => {
      const o = document.createElement("option");
      o.value = p.code;
      o.textContent = `${p.name} (${p.code})`;
      return o;
    });
  if (countries.length === 1) {
    provinceSelect.replaceChildren(...opts(lists[0] ?? []));
  } else {
    provinceSelect.replaceChildren(
      ...countries.map((c, i) => {
        const g = document.createElement("optgroup");
        g.label = c;
        g.append(...opts(lists[i] ?? []));
        return g;
      }),
    );
  }
  provincesReady = true;
  box.hidden = provinceSelect.options.length === 0;
  setMsg("f-province-msg", provinceSelect.options.length === 0 ? "No provinces known for this country." : "");
  // Keep only the chosen provinces that belong to these countries.
  const known = new Set([...provinceSelect.options].map((o) => o.value));
  const kept = state.filter.provinces.filter((c) => known.has(c));
  setProvinceSelection(kept);
  if (kept.length !== state.filter.provinces.length && state.filter.countries.join(",") === key) {
    state.filter.provinces = kept;
    updateOutputs();
    replaceURL();
    scheduleRefresh();
  }
}

// ---------------------------------------------------------------- timeline (timeline.ts)

/** setDates sets the date range of the filter, the inputs, the outputs and the map. */
function setDates(from: string, to: string): void {
  state.filter.from = from;
  state.filter.to = to;
  input.from.value = from;
  input.to.value = to;
  updateOutputs();
  scheduleRefresh();
}

let drawWaiters: ((n: number | null) => void)[] = [];

/** nextDraw resolves with the incidents in view once the next load is drawn (null if it fails). */
function nextDraw(): Promise<number | null> {
  return new Promise((resolve) => drawWaiters.push(resolve));
}

function drawn(n: number | null): void {
  const waiting = drawWaiters;
  drawWaiters = [];
  for (const resolve of waiting) resolve(n);
}

const timeline = new Timeline({
  filter: () => state.filter,
  setDates: (from, to, push) => {
    setDates(from, to);
    if (push) pushURL();
    else replaceURL();
  },
  nextDraw,
  setNote: (text, isError = false) => setMsg("hist-note", text, isError),
});

/** stopPlay pauses the timeline's play; the current range stays. */
function stopPlay(): void {
  timeline.stop();
}

let applySeq = 0;

/** applyForm applies the panel; when applies overlap (change, then submit), the last one wins. */
async function applyForm(): Promise<void> {
  const seq = ++applySeq;
  const f = await readForm();
  if (!f || seq !== applySeq) return;
  if (f.from !== state.filter.from || f.to !== state.filter.to) stopPlay();
  state.filter = f;
  drawOverlays();
  updateOutputs();
  pushURL();
  scheduleRefresh();
}

// Rectangle drawing: a button, then two clicks on the map.
let drawing: L.LatLng | null | undefined; // undefined: not drawing
function stopDrawing(): void {
  drawing = undefined;
  document.body.classList.remove("rect-drawing");
  map.off("click", onDrawClick);
}
function onDrawClick(e: L.LeafletMouseEvent): void {
  if (drawing === null) {
    drawing = e.latlng;
    setMsg("f-rect-msg", "Now click the opposite corner.");
    return;
  }
  const a = drawing as L.LatLng;
  const b = e.latlng;
  stopDrawing();
  const box = normaliseBBox(Math.min(a.lng, b.lng), Math.min(a.lat, b.lat), Math.max(a.lng, b.lng), Math.max(a.lat, b.lat));
  if (box[0] === box[2] || box[1] === box[3]) {
    setMsg("f-rect-msg", "That rectangle has no area; try again.", true);
    return;
  }
  state.filter.rect = box;
  setMsg("f-rect-msg", rectLabel());
  drawOverlays();
  updateOutputs();
  pushURL();
  scheduleRefresh();
}

// ---------------------------------------------------------------- detail panel

let shownId: string | null = null;
let detailAbort: AbortController | null = null;

function renderDetail(f: IncidentFeature): void {
  shownId = f.id;
  research.selected(f.id);
  const permalink = `${location.origin}${urlFor({ ...state, selected: f.id })}`;
  detailContent.replaceChildren(buildDetail(f, permalink));
  if (detailEl.hidden) {
    detailEl.hidden = false;
    map.invalidateSize();
  }
  const [lon, lat] = f.geometry.coordinates;
  selection.show(lat, nearLon(lon, map.getCenter().lng), detailEl);
}

function hideDetail(push: boolean): void {
  detailAbort?.abort();
  shownId = null;
  state.selected = null;
  research.selected(null);
  selection.clear();
  detailEl.hidden = true;
  detailContent.replaceChildren();
  map.invalidateSize();
  if (push) pushURL();
}

/** openSelected shows the panel of state.selected, fetching it by id (permalinks, back/forward). */
async function openSelected(): Promise<void> {
  const id = state.selected;
  if (!id) {
    if (shownId) hideDetail(false);
    return;
  }
  if (id === shownId) return;
  detailAbort?.abort();
  const ctl = new AbortController();
  detailAbort = ctl;
  setLoading(true);
  try {
    renderDetail(await fetchIncident(id, ctl.signal));
  } catch (err) {
    if (ctl.signal.aborted) return;
    setStatus(
      err instanceof NotOK && err.status === 404 ? `Incident "${id}" was not found.` : describeFailure(err),
      true,
    );
  } finally {
    setLoading(false);
  }
}

// ---------------------------------------------------------------- wiring

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

async function copy(text: string, button: HTMLElement): Promise<void> {
  const before = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Select and copy by hand";
  }
  setTimeout(() => (button.textContent = before), 1500);
}

function wire(): void {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void applyForm();
  });
  form.addEventListener("change", (e) => {
    const t = e.target as HTMLElement;
    if (t === input.heat) {
      state.heat = input.heat.checked;
      applyHeat();
      pushURL();
      return;
    }
    // Controls marked data-self are handled by their own modules (timeline, research).
    if (t instanceof HTMLTextAreaElement || t.dataset.self !== undefined) return;
    if (t === input.from || t === input.to) stopPlay();
    void applyForm();
  });
  byId("f-reset").addEventListener("click", () => {
    stopPlay();
    state.filter = emptyFilter();
    writeForm();
    drawOverlays();
    pushURL();
    scheduleRefresh();
  });
  byId("f-rect-draw").addEventListener("click", () => {
    stopDrawing();
    drawing = null;
    document.body.classList.add("rect-drawing");
    setMsg("f-rect-msg", "Click one corner of the region on the map.");
    map.on("click", onDrawClick);
  });
  byId("f-rect-clear").addEventListener("click", () => {
    stopDrawing();
    if (!state.filter.rect) return;
    state.filter.rect = null;
    setMsg("f-rect-msg", rectLabel());
    drawOverlays();
    updateOutputs();
    pushURL();
    scheduleRefresh();
  });
  byId("cql-copy").addEventListener("click", (e) => void copy(buildCQL2(state.filter), e.currentTarget as HTMLElement));
  byId("detail-close").addEventListener("click", () => hideDetail(true));
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (drawing !== undefined) {
      stopDrawing();
      setMsg("f-rect-msg", rectLabel());
    } else if (!detailEl.hidden) hideDetail(true);
  });
  filtersToggle.addEventListener("click", () => {
    filtersEl.hidden = !filtersEl.hidden;
    filtersToggle.setAttribute("aria-expanded", String(!filtersEl.hidden));
    map.invalidateSize();
  });
  window.addEventListener("popstate", () => {
    state = fromSearch(location.hash);
    stopPlay();
    stopDrawing();
    writeForm();
    drawOverlays();
    applyHeat();
    if (state.view) map.setView([state.view.lat, state.view.lon], state.view.zoom, { animate: false });
    void openSelected();
    scheduleRefresh();
  });
}

/** fillPanel builds the filter checkboxes from the server's lists. */
function fillPanel(enums: Enums): void {
  checkboxes(eventBox, "event", enums.eventTypes);
  for (const [group, subs] of groupSubEvents(enums.subEventTypes, enums.eventTypes)) {
    const box = document.createElement("div");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", `${group} sub-event types`);
    const head = document.createElement("p");
    head.className = "filters__subhead";
    head.textContent = group;
    box.append(head);
    checkboxes(box, "sub", subs);
    subBox.append(box);
  }
  checkboxes(targetBox, "target", enums.targetTypes);
}

/**
 * firstView sets the view and draws it. With a view in the URL that is one
 * request. Without one the map frames the whole selection from its clusters
 * over the world; when the framed view shows all of them at the same
 * cluster zoom, that answer is the view's own and is drawn as it is (one
 * request, not fit-then-load); else it is drawn, with the true total when
 * the view holds every cluster, while the view's own clusters load.
 */
async function firstView(): Promise<void> {
  if (state.view) {
    map.setView([state.view.lat, state.view.lon], state.view.zoom);
    await refresh();
    return;
  }
  framing = true;
  map.setView(DEFAULT_CENTRE, DEFAULT_ZOOM);
  framing = false;
  setLoading(true);
  setStatus("Loading incidents…");
  let all: ClusterCollection;
  try {
    all = parseClusters(
      await getJSON(clustersURL(state.filter, [-180, -90, 180, 90], FIT_ZOOM), "incidents", new AbortController().signal),
    );
  } catch (err) {
    setStatus(describeFailure(err), true);
    await refresh();
    return;
  } finally {
    setLoading(false);
  }
  const corners: L.LatLngTuple[] = [];
  for (const f of all.features) {
    const b = f.properties.bbox;
    const [lon, lat] = f.geometry.coordinates;
    if (b) corners.push([b[1], b[0]], [b[3], b[2]]);
    else corners.push([lat, lon]);
  }
  if (corners.length > 0) {
    framing = true;
    map.fitBounds(L.latLngBounds(corners), { padding: [40, 40], maxZoom: 8, animate: false });
    framing = false;
  }
  draw(prepare(all));
  const inView = map.getBounds();
  if (!corners.every((c) => inView.contains(c))) {
    // The selection does not fit in one view: what is in view is the view's own answer.
    await refresh();
    return;
  }
  // Every incident of the selection is in view: the world's answer gives
  // the true total at once.
  reportStatus(all);
  if (zoomOf(map.getZoom()) === zoomOf(FIT_ZOOM)) {
    research.drawn(all);
    drawn(all.numberMatched);
    return;
  }
  // The framed view is closer than the world's clusters: its own (the same
  // incidents, split finer) replace them when they come.
  await refresh(currentView(map), true);
}

/** True while the first view frames the selection: those moves are not the user's. */
let framing = false;

async function start(): Promise<void> {
  if (window.matchMedia("(max-width: 700px)").matches) {
    filtersEl.hidden = true;
    filtersToggle.setAttribute("aria-expanded", "false");
  }
  addLegend();
  keepLegendOffSheets([filtersEl, detailEl], window.matchMedia("(max-width: 700px)"));
  applyHeat();
  wire();
  // The map's request goes out first, with the panel's lists and the
  // basemap's config beside it; the panel's own requests (timeline, the
  // selection's count) wait for the first draw so as not to compete with it.
  const enumsP = fetchEnums();
  const mapConfigP = fetchMapConfig();
  drawOverlays();
  map.on("moveend", () => {
    if (framing) return;
    replaceURL();
    // A zoom's view is often drawn before its animation ends: no second load.
    if (!pending && clustersURL(state.filter, viewBBox(map, currentView(map)), map.getZoom()) === drawnURL) return;
    void refresh();
  });
  map.on("zoomanim", () => (zoomAnimAt = performance.now()));
  onViewTarget(map, (v) => void refresh(v));
  const first = firstView();
  fillPanel((await enumsP) ?? FALLBACK_ENUMS);
  void openSelected();
  await first;
  writeForm();
  history.replaceState(null, "", urlFor({ ...state, view: viewOf() }));
  // The background comes after the first incidents, so that its tiles
  // never hold up the incidents' requests.
  addBackground(map, await mapConfigP);
}

void start();
