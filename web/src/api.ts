/**
 * Talking to the incidentmap server: GET /config.json for the basemap and
 * GET /collections/incidents/items for incidents. Responses are checked
 * before use; failures become LoadError with a message fit for the page.
 */
import { itemsURL } from "./bbox";
import { describeError } from "./format";
import type { BBox, IncidentCollection, IncidentFeature } from "./types";

/** A failed load, with a message in words for the status line. */
export class LoadError extends Error {}

/** The basemap to draw, or null for none. */
export interface Basemap {
  url: string;
  attribution: string;
}

/**
 * basemapFrom picks the basemap out of a /config.json body. The tile URL
 * must be absolute http(s) or a path on this server; anything else means
 * no basemap.
 */
export function basemapFrom(config: unknown): Basemap | null {
  if (!config || typeof config !== "object") return null;
  const bm = (config as { basemap?: unknown }).basemap;
  if (!bm || typeof bm !== "object") return null;
  const { url, attribution } = bm as { url?: unknown; attribution?: unknown };
  if (typeof url !== "string" || !/^(https?:\/\/|\/(?!\/))/i.test(url.trim())) return null;
  return { url: url.trim(), attribution: typeof attribution === "string" ? attribution : "" };
}

/** fetchBasemap loads /config.json; any failure means no basemap. */
export async function fetchBasemap(): Promise<Basemap | null> {
  try {
    const resp = await fetch("/config.json", { headers: { Accept: "application/json" } });
    if (!resp.ok) return null;
    return basemapFrom(await resp.json());
  } catch {
    return null;
  }
}

function isIncident(f: unknown): f is IncidentFeature {
  if (!f || typeof f !== "object") return false;
  const { geometry, properties } = f as { geometry?: unknown; properties?: unknown };
  if (!geometry || typeof geometry !== "object" || !properties || typeof properties !== "object") return false;
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  return (
    type === "Point" &&
    Array.isArray(coordinates) &&
    Number.isFinite(coordinates[0]) &&
    Number.isFinite(coordinates[1])
  );
}

/**
 * parseCollection checks an items body and keeps the point features.
 * numberMatched and numberReturned default to what was received.
 */
export function parseCollection(body: unknown): IncidentCollection {
  if (!body || typeof body !== "object" || (body as { type?: unknown }).type !== "FeatureCollection") {
    throw new LoadError("The server sent something other than a GeoJSON FeatureCollection.");
  }
  const raw = (body as { features?: unknown }).features;
  const features = Array.isArray(raw) ? raw.filter(isIncident) : [];
  const { numberMatched, numberReturned } = body as { numberMatched?: unknown; numberReturned?: unknown };
  return {
    type: "FeatureCollection",
    features,
    numberReturned: typeof numberReturned === "number" ? numberReturned : features.length,
    numberMatched: typeof numberMatched === "number" ? numberMatched : features.length,
  };
}

/**
 * fetchIncidents loads the incidents in bbox. Aborting signal rejects with
 * the fetch AbortError, which callers ignore; every other failure is a
 * LoadError.
 */
export async function fetchIncidents(bbox: BBox, signal: AbortSignal): Promise<IncidentCollection> {
  let resp: Response;
  try {
    resp = await fetch(itemsURL(bbox), { signal, headers: { Accept: "application/geo+json, application/json" } });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new LoadError("Could not reach the server to load incidents.");
  }
  let body: unknown = null;
  try {
    body = await resp.json();
  } catch (err) {
    if (signal.aborted) throw err;
    if (resp.ok) throw new LoadError("The server sent incidents that are not valid JSON.");
  }
  if (!resp.ok) throw new LoadError(describeError(resp.status, body));
  return parseCollection(body);
}
