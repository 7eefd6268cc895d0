/**
 * The page state in the URL fragment (#map=…&country=…; the server
 * rejects unknown query parameters, so not the query string): map view, every filter, the
 * selected incident, the heat-map switch and the grid and countries modes. toSearch and fromSearch are
 * inverse for every valid state, so a copied URL reopens the same page and
 * back/forward (popstate) restore it. Pure functions only.
 */
import { emptyFilter, isAdmin1, isAlpha3, isDate, num, type FilterState } from "./query";
import type { BBox } from "./types";

/** The map view: centre and zoom. */
export interface View {
  lat: number;
  lon: number;
  zoom: number;
}

/** Everything the URL holds. */
export interface PageState {
  filter: FilterState;
  view: View | null;
  /** Id of the incident whose detail panel is open, or null. */
  selected: string | null;
  heat: boolean;
  /** The grid mode (counts per cell from /bins) instead of markers or heat. */
  grid?: boolean;
  /** The countries mode (each country shaded by its count) instead of markers or heat. */
  choropleth?: boolean;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

function numbers(s: string | null, n: number): number[] | null {
  if (s === null) return null;
  const parts = s.split(",");
  if (parts.length !== n || parts.some((p) => p.trim() === "")) return null;
  const xs = parts.map(Number);
  return xs.every(Number.isFinite) ? xs : null;
}

function list(q: URLSearchParams, key: string): string[] {
  const out: string[] = [];
  for (const v of q.getAll(key)) {
    for (const s of v.split(",")) if (s !== "" && !out.includes(s)) out.push(s);
  }
  return out;
}

/** toSearch writes the state as a query string, "" for the empty state with no view. */
export function toSearch(s: PageState): string {
  const q = new URLSearchParams();
  const f = s.filter;
  if (s.view) q.set("map", `${s.view.zoom},${num(s.view.lat)},${num(s.view.lon)}`);
  if (f.from) q.set("from", f.from);
  if (f.to) q.set("to", f.to);
  // Event types contain "/" and spaces but no commas; one key each keeps them readable.
  for (const t of f.eventTypes) q.append("event", t);
  for (const t of f.subEventTypes) q.append("sub", t);
  if (f.targetTypes.length) q.set("target", f.targetTypes.join(","));
  if (f.countries.length) q.set("country", f.countries.join(","));
  if (f.provinces.length) q.set("province", f.provinces.join(","));
  if (f.targetCountries.length) q.set("target_country", f.targetCountries.join(","));
  if (f.minFatalities !== null) q.set("fatalities", String(f.minFatalities));
  if (f.text) q.set("q", f.text);
  if (f.near) {
    q.set("near", f.near.label);
    q.set("near_at", `${num(f.near.lon)},${num(f.near.lat)},${num(f.near.km)}`);
  }
  if (f.rect) q.set("rect", f.rect.map(num).join(","));
  if (s.selected) q.set("id", s.selected);
  if (s.heat) q.set("heat", "1");
  if (s.grid) q.set("grid", "1");
  if (s.choropleth) q.set("choropleth", "1");
  const out = q.toString();
  return out ? `?${out}` : "";
}

/** fromSearch reads a query string or fragment (with or without "?" or "#"); anything invalid is ignored. */
export function fromSearch(search: string): PageState {
  const q = new URLSearchParams(/^[?#]/.test(search) ? search.slice(1) : search);
  const f = emptyFilter();
  const from = q.get("from") ?? "";
  if (isDate(from)) f.from = from;
  const to = q.get("to") ?? "";
  if (isDate(to)) f.to = to;
  f.eventTypes = list(q, "event");
  f.subEventTypes = list(q, "sub");
  f.targetTypes = list(q, "target");
  f.countries = list(q, "country").map((c) => c.toUpperCase()).filter(isAlpha3);
  f.provinces = f.countries.length ? list(q, "province").map((c) => c.toUpperCase()).filter(isAdmin1) : [];
  f.targetCountries = list(q, "target_country").map((c) => c.toUpperCase()).filter(isAlpha3);
  const fat = q.get("fatalities");
  if (fat !== null && /^\d{1,9}$/.test(fat)) f.minFatalities = Number(fat);
  f.text = q.get("q") ?? "";
  const at = numbers(q.get("near_at"), 3);
  if (at) {
    const [lon, lat, km] = at as [number, number, number];
    if (Math.abs(lon) <= 180 && Math.abs(lat) <= 90 && km > 0) {
      f.near = { label: q.get("near") ?? "", lon, lat, km };
    }
  }
  const rect = numbers(q.get("rect"), 4);
  if (rect) {
    const [w, s, e, n] = rect as [number, number, number, number];
    if (Math.abs(w) <= 180 && Math.abs(e) <= 180 && -90 <= s && s <= n && n <= 90) f.rect = [w, s, e, n] as BBox;
  }
  let view: View | null = null;
  const m = numbers(q.get("map"), 3);
  if (m) {
    const [zoom, lat, lon] = m as [number, number, number];
    if (zoom >= 0 && zoom <= 22 && Math.abs(lat) <= 90 && Math.abs(lon) <= 540) view = { zoom, lat, lon };
  }
  const id = q.get("id");
  return {
    filter: f,
    view,
    selected: id && ID_RE.test(id) ? id : null,
    heat: q.get("heat") === "1",
    ...(q.get("grid") === "1" ? { grid: true } : {}),
    ...(q.get("choropleth") === "1" ? { choropleth: true } : {}),
  };
}
