/**
 * The server's clusters: what /collections/incidents/clusters answers for a
 * map view (every incident of the view, as clusters with their true counts
 * and mix of event types, or one by one where they are few), the URL that
 * asks for it, and the pieces of a cluster marker (a ring of the event
 * types around the count). Pure functions apart from buildDonut, which
 * makes DOM nodes (never HTML text).
 */
import { count as fmtCount } from "./format";
import { buildCQL2, num, type FilterState } from "./query";
import { EVENT_COLOURS, OTHER_COLOUR, eventColour } from "./palette";
import type { BBox } from "./types";

export const CLUSTERS_PATH = "/collections/incidents/clusters";
/** The deepest zoom the server clusters for. */
export const MAX_CLUSTER_ZOOM = 22;

/** A cluster or an incident of a clusters response. */
export interface ClusterFeature {
  type: "Feature";
  id: string;
  geometry: { type: "Point"; coordinates: [number, number] };
  properties: {
    cluster: boolean;
    count: number;
    /** Clusters: incidents per event type. */
    event_types?: Record<string, number>;
    /** Clusters: [west, south, east, north] of its incidents. */
    bbox?: [number, number, number, number];
    /** Clusters: the zoom where it splits; -1 when its incidents share one place. */
    expansion_zoom?: number;
    /** Incidents: their main properties. */
    title?: string | null;
    event_type?: string | null;
    occurred_start?: string | null;
    fatalities?: number | null;
    country?: string | null;
  };
}

/** The response of the clusters endpoint. */
export interface ClusterCollection {
  type: "FeatureCollection";
  zoom: number;
  /** Every incident in the features, counted once. */
  numberMatched: number;
  numberReturned: number;
  /** False when the view's incidents come one by one. */
  clustered: boolean;
  features: ClusterFeature[];
}

/** The members of one cluster (/clusters/{id}). */
export interface ClusterMembers {
  numberMatched: number;
  features: ClusterFeature[];
}

/** zoomOf is the integer zoom the server clusters for at a map zoom. */
export function zoomOf(mapZoom: number): number {
  return Math.max(0, Math.min(MAX_CLUSTER_ZOOM, Math.round(mapZoom)));
}

function filterParams(f: FilterState): URLSearchParams {
  const q = new URLSearchParams();
  const cql = buildCQL2(f);
  if (cql !== "") {
    q.set("filter", cql);
    q.set("filter-lang", "cql2-text");
  }
  return q;
}

function withQuery(path: string, q: URLSearchParams): string {
  const s = q.toString().replaceAll("+", "%20").replaceAll("%2C", ",");
  return s ? `${path}?${s}` : path;
}

/** clustersURL asks for the view's clusters of the incidents the state selects. */
export function clustersURL(f: FilterState, bbox: BBox, mapZoom: number): string {
  const q = filterParams(f);
  q.set("zoom", String(zoomOf(mapZoom)));
  q.set("bbox", bbox.map(num).join(","));
  return withQuery(CLUSTERS_PATH, q);
}

/** membersURL asks for the incidents of a cluster, under the same filter. */
export function membersURL(f: FilterState, id: string, limit: number): string {
  const q = filterParams(f);
  q.set("limit", String(Math.trunc(limit)));
  return withQuery(`${CLUSTERS_PATH}/${encodeURIComponent(id)}`, q);
}

function isFeature(x: unknown): x is ClusterFeature {
  if (!x || typeof x !== "object") return false;
  const f = x as ClusterFeature;
  const c = f.geometry?.coordinates;
  return (
    typeof f.id === "string" &&
    Array.isArray(c) &&
    c.length === 2 &&
    c.every((v) => typeof v === "number" && Number.isFinite(v)) &&
    !!f.properties &&
    typeof f.properties.count === "number" &&
    typeof f.properties.cluster === "boolean"
  );
}

/** parseClusters checks a clusters response; it throws on anything else. */
export function parseClusters(body: unknown): ClusterCollection {
  const fc = body as ClusterCollection;
  if (!fc || typeof fc !== "object" || fc.type !== "FeatureCollection" || !Array.isArray(fc.features)) {
    throw new Error("The server sent something other than clusters.");
  }
  const features = fc.features.filter(isFeature);
  const matched = typeof fc.numberMatched === "number" ? fc.numberMatched : features.reduce((n, f) => n + f.properties.count, 0);
  return { ...fc, features, numberMatched: matched, numberReturned: features.length, clustered: !!fc.clustered };
}

/** parseMembers checks a cluster's members response. */
export function parseMembers(body: unknown): ClusterMembers {
  const m = body as ClusterMembers;
  if (!m || typeof m !== "object" || !Array.isArray(m.features)) throw new Error("The server sent something other than a cluster.");
  const features = m.features.filter(isFeature);
  return { numberMatched: typeof m.numberMatched === "number" ? m.numberMatched : features.length, features };
}

/** abbreviate writes a count in at most 4 characters: 999, 1.2k, 45k, 1.2M. */
export function abbreviate(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${(Math.floor(n / 100) / 10).toString()}k`;
  if (n < 1_000_000) return `${Math.floor(n / 1000)}k`;
  if (n < 10_000_000) return `${(Math.floor(n / 100_000) / 10).toString()}M`;
  return `${Math.floor(n / 1_000_000)}M`;
}

/** A piece of a donut: an event type's colour and its share of the ring. */
export interface Segment {
  type: string;
  colour: string;
  count: number;
  /** Where it starts and how long it is, as fractions of the ring. */
  start: number;
  length: number;
}

/**
 * segments splits a ring between event types in the legend's order (then
 * any others, as "other"), each as long as its share of the count.
 */
export function segments(types: Record<string, number>): Segment[] {
  const order = Object.keys(EVENT_COLOURS);
  let other = 0;
  const parts: [string, string, number][] = [];
  for (const t of order) if ((types[t] ?? 0) > 0) parts.push([t, eventColour(t), types[t] as number]);
  for (const [t, n] of Object.entries(types)) if (!order.includes(t) && n > 0) other += n;
  if (other > 0) parts.push(["other", OTHER_COLOUR, other]);
  const total = parts.reduce((s, [, , n]) => s + n, 0);
  const out: Segment[] = [];
  let start = 0;
  for (const [type, colour, count] of parts) {
    const length = total > 0 ? count / total : 0;
    out.push({ type, colour, count, start, length });
    start += length;
  }
  return out;
}

/** donutSize is the diameter in pixels of a cluster of n incidents. */
export function donutSize(n: number): number {
  return Math.round(30 + 8 * Math.log10(Math.max(1, n)));
}

/** describeCluster is the cluster's title: its count and its mix, in words. */
export function describeCluster(count: number, types: Record<string, number>): string {
  const mix = segments(types)
    .map((s) => `${s.type} ${fmtCount(s.count)}`)
    .join(", ");
  return `${fmtCount(count)} incidents${mix ? `: ${mix}` : ""}`;
}

/**
 * ringGradient is the CSS background of a cluster's ring: a conic
 * gradient of the event types' shares, clockwise from the top, in the
 * legend's order (the same ring png.ts draws on the canvas).
 */
export function ringGradient(types: Record<string, number>): string {
  const pct = (x: number): string => `${Math.round(x * 10000) / 100}%`;
  const stops = segments(types).map((s) => `${s.colour} ${pct(s.start)} ${pct(s.start + s.length)}`);
  if (stops.length === 0) return OTHER_COLOUR;
  return `conic-gradient(${stops.join(", ")})`;
}

/**
 * buildDonut makes the marker of a cluster: two elements, a ring of the
 * event types' shares (a conic gradient set through the CSSOM, which the
 * Content-Security-Policy allows) and over it the hole with the
 * abbreviated count; the exact count is in data-count. Cheap to build and
 * to draw, as a view holds a few hundred of them (an SVG of one circle per
 * event type cost the wheel zoom's redraw several times more).
 */
export function buildDonut(count: number, types: Record<string, number>): HTMLElement {
  const box = document.createElement("div");
  box.className = "donut";
  box.dataset.count = String(count);
  box.style.background = ringGradient(types);
  const label = document.createElement("span");
  label.className = "donut__count";
  label.textContent = abbreviate(count);
  box.append(label);
  return box;
}
