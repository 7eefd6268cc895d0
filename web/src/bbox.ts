/**
 * Bounding-box arithmetic and the items URL. Leaflet reports the view in
 * unwrapped longitudes (e.g. 170..200 after panning east past 180); the API
 * wants longitudes in [-180, 180], latitudes in [-90, 90], and accepts
 * west > east for a box narrower than 180° that crosses the antimeridian.
 */
import type { BBox } from "./types";

/** Path of the incidents collection, relative to the server root. */
export const ITEMS_PATH = "/collections/incidents/items";

/** Page size the map asks for. */
export const ITEMS_LIMIT = 1000;

/** wrapLon maps any longitude into [-180, 180). */
export function wrapLon(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

function clampLat(lat: number): number {
  return Math.min(90, Math.max(-90, lat));
}

/** round6 rounds to 6 decimals (about 0.1 m), as the wire format does. */
function round6(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return r === 0 ? 0 : r; // no "-0"
}

/**
 * normaliseBBox turns a view box (possibly unwrapped, possibly wider than
 * the world) into one the API accepts.
 */
export function normaliseBBox(west: number, south: number, east: number, north: number): BBox {
  const s = round6(clampLat(Math.min(south, north)));
  const n = round6(clampLat(Math.max(south, north)));
  if (!(east - west < 360)) {
    return [-180, s, 180, n];
  }
  const w = wrapLon(west);
  let e = wrapLon(east);
  // An east edge on the antimeridian is 180, not -180.
  if (e === -180 && east > west) e = 180;
  // The API takes a box across the antimeridian only when it is narrower
  // than 180° (a wider one looks like swapped edges): ask for every
  // longitude instead.
  if (w > e && east - west >= 180) return [-180, s, 180, n];
  return [round6(w), s, round6(e), n];
}

/** itemsURL is the request for the incidents in bbox. */
export function itemsURL(bbox: BBox, limit: number = ITEMS_LIMIT): string {
  return `${ITEMS_PATH}?bbox=${bbox.join(",")}&limit=${Math.trunc(limit)}`;
}

/**
 * nearLon returns lon shifted by a multiple of 360 so that it lies within
 * 180° of centre: a marker at -175 is drawn at 185 when the view is
 * centred on 180, instead of a world away.
 */
export function nearLon(lon: number, centre: number): number {
  return lon + 360 * Math.round((centre - lon) / 360);
}
