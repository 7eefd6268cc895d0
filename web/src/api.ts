/**
 * Talking to the incidentmap server: GET /config.json for the basemap and
 * GET /collections/incidents/items for incidents. Responses are checked
 * before use; failures become LoadError with a message fit for the page.
 */
import { ITEMS_PATH, itemsURL } from "./bbox";
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

/**
 * getJSON fetches url and returns its JSON body. Aborting rejects with the
 * fetch AbortError; every other failure is a LoadError in words: the
 * server unreachable, or the server's own description of a 4xx/5xx.
 */
export async function getJSON(url: string, what: string, signal?: AbortSignal): Promise<unknown> {
  let resp: Response;
  try {
    resp = await fetch(url, { signal, headers: { Accept: "application/geo+json, application/json" } });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new LoadError(`Could not reach the server to load ${what}. Is it running?`);
  }
  let body: unknown = null;
  try {
    body = await resp.json();
  } catch (err) {
    if (signal?.aborted) throw err;
    if (resp.ok) throw new LoadError(`The server sent ${what} that are not valid JSON.`);
  }
  if (!resp.ok) throw new NotOK(resp.status, describeError(resp.status, body));
  return body;
}

/** A response with a 4xx or 5xx status. */
export class NotOK extends LoadError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** fetchCollection loads an items URL (see query.itemsURL) and checks the body. */
export async function fetchCollection(url: string, signal: AbortSignal): Promise<IncidentCollection> {
  return parseCollection(await getJSON(url, "incidents", signal));
}

/** fetchIncident loads one incident by id. */
export async function fetchIncident(id: string, signal?: AbortSignal): Promise<IncidentFeature> {
  const body = await getJSON(`${ITEMS_PATH}/${encodeURIComponent(id)}`, "the incident", signal);
  if (!isIncident(body)) throw new LoadError("The server sent something other than an incident Feature.");
  const f = body as IncidentFeature;
  if (typeof f.id !== "string") f.id = id;
  return f;
}

/** The enum lists of /queryables that the panel offers as checkboxes. */
export interface Enums {
  eventTypes: string[];
  targetTypes: string[];
  /** Empty when the server lists none. */
  subEventTypes: string[];
}

function stringList(x: unknown): string[] | null {
  return Array.isArray(x) && x.every((s) => typeof s === "string") ? (x as string[]) : null;
}

/** enumsFrom picks the event and target type enums out of a queryables schema. */
export function enumsFrom(body: unknown): Enums | null {
  const props = (body as { properties?: Record<string, { enum?: unknown }> } | null)?.properties;
  if (!props || typeof props !== "object") return null;
  const eventTypes = stringList(props.event_type?.enum);
  const targetTypes = stringList(props.target_type?.enum);
  const subEventTypes = stringList(props.sub_event_type?.enum) ?? [];
  return eventTypes && targetTypes ? { eventTypes, targetTypes, subEventTypes } : null;
}

/** fetchEnums loads /collections/incidents/queryables. */
export async function fetchEnums(): Promise<Enums | null> {
  try {
    return enumsFrom(await getJSON("/collections/incidents/queryables", "the queryables"));
  } catch {
    return null;
  }
}

/** A place found by /geocode. */
export interface Place {
  name: string;
  country: string;
  admin1: string;
  precision: string;
  lon: number;
  lat: number;
}

/** placesFrom reads the point candidates of a /geocode FeatureCollection, best first. */
export function placesFrom(body: unknown): Place[] {
  const raw = (body as { features?: unknown } | null)?.features;
  if (!Array.isArray(raw)) return [];
  const out: Place[] = [];
  for (const f of raw) {
    if (!isIncident(f)) continue; // a Point feature with finite coordinates
    const p = (f as unknown as { properties: Record<string, unknown> }).properties;
    const str = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : "");
    const [lon, lat] = (f as IncidentFeature).geometry.coordinates;
    out.push({ name: str("name"), country: str("country"), admin1: str("admin1_name"), precision: str("precision"), lon, lat });
  }
  return out;
}

/** geocode asks /geocode for up to 5 places called q. */
export async function geocode(q: string): Promise<Place[]> {
  try {
    return placesFrom(await getJSON(`/geocode?q=${encodeURIComponent(q)}&limit=5`, "places"));
  } catch (err) {
    if (err instanceof NotOK && err.status === 404) {
      throw new LoadError("Place search (/geocode) is not available on this server.");
    }
    throw err;
  }
}

/** A province of /collections/regions: ISO 3166-2 code and name. */
export interface Province {
  code: string;
  name: string;
}

/** provincesFrom reads the level-1 regions of a /collections/regions/items body, sorted by name. */
export function provincesFrom(body: unknown): Province[] {
  const raw = (body as { features?: unknown } | null)?.features;
  if (!Array.isArray(raw)) return [];
  const out: Province[] = [];
  for (const f of raw) {
    const p = (f as { properties?: Record<string, unknown> } | null)?.properties;
    if (!p || typeof p.code !== "string" || typeof p.name !== "string") continue;
    out.push({ code: p.code, name: p.name });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, "en"));
}

/** fetchProvinces loads the provinces of a country (ISO alpha-3). A 404 is a NotOK. */
export async function fetchProvinces(country: string, signal?: AbortSignal): Promise<Province[]> {
  const url = `/collections/regions/items?level=1&country=${encodeURIComponent(country)}&limit=200`;
  return provincesFrom(await getJSON(url, "provinces", signal));
}
