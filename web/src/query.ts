/**
 * The filters panel as data: a FilterState maps one-to-one onto one CQL2
 * text filter (buildCQL2), which the page shows and sends as
 * filter=…&filter-lang=cql2-text to /collections/incidents/items
 * (itemsURL). Pure functions only; no DOM, no fetch.
 */
import type { BBox } from "./types";
import { ITEMS_PATH } from "./bbox";

/** A place resolved through /geocode and the radius around it. */
export interface Near {
  /** The place as the user typed or picked it, for display and the URL. */
  label: string;
  lon: number;
  lat: number;
  km: number;
}

/** Every filter of the panel. Empty strings, empty lists and nulls mean "any". */
export interface FilterState {
  /** First day, YYYY-MM-DD, or "". */
  from: string;
  /** Last day, YYYY-MM-DD, or "". */
  to: string;
  eventTypes: string[];
  /** ACLED sub-event types (queryable sub_event_type). */
  subEventTypes: string[];
  targetTypes: string[];
  /** Host countries, ISO 3166-1 alpha-3. */
  countries: string[];
  /** Provinces of the host countries, ISO 3166-2 (queryable admin1_code), e.g. AF-HER. */
  provinces: string[];
  /** Countries whose missions were hit, ISO 3166-1 alpha-3. */
  targetCountries: string[];
  /** Fatalities at least this many (which excludes unknown), or null. */
  minFatalities: number | null;
  /** Free text searched in the title, case-insensitively. */
  text: string;
  near: Near | null;
  /** A drawn rectangle [west, south, east, north]; west > east crosses the antimeridian. */
  rect: BBox | null;
}

/** emptyFilter selects everything. */
export function emptyFilter(): FilterState {
  return {
    from: "",
    to: "",
    eventTypes: [],
    subEventTypes: [],
    targetTypes: [],
    countries: [],
    provinces: [],
    targetCountries: [],
    minFatalities: null,
    text: "",
    near: null,
    rect: null,
  };
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const ALPHA3_RE = /^[A-Z]{3}$/;
const ADMIN1_RE = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;

/** isDate reports whether s is a real calendar day written YYYY-MM-DD. */
export function isDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** isAlpha3 reports whether s looks like an ISO 3166-1 alpha-3 code (three letters A-Z). */
export function isAlpha3(s: string): boolean {
  return ALPHA3_RE.test(s);
}

/** isAdmin1 reports whether s looks like an ISO 3166-2 subdivision code such as AF-HER. */
export function isAdmin1(s: string): boolean {
  return ADMIN1_RE.test(s);
}

/**
 * parseCountries splits "afg, irq" into ["AFG", "IRQ"] and lists the
 * entries that are not three letters in bad.
 */
export function parseCountries(text: string): { codes: string[]; bad: string[] } {
  const codes: string[] = [];
  const bad: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    if (raw === "") continue;
    const c = raw.toUpperCase();
    if (isAlpha3(c)) {
      if (!codes.includes(c)) codes.push(c);
    } else {
      bad.push(raw);
    }
  }
  return { codes, bad };
}

/** quote writes s as a CQL2 string literal: quotes doubled. */
export function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * likeEscape makes s match itself in a LIKE pattern: the escape character
 * (backslash) and the wildcards % and _ get a backslash in front.
 */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** num writes a finite number without exponent, trimmed to 6 decimals. */
export function num(x: number): string {
  const r = Math.round(x * 1e6) / 1e6;
  return String(r === 0 ? 0 : r);
}

function inList(prop: string, values: string[]): string {
  if (values.length === 1) return `${prop} = ${quote(values[0] as string)}`;
  return `${prop} IN (${values.map(quote).join(", ")})`;
}

/** rectPolygon is the CQL2 geometry of a box: a POLYGON, or a BBOX when it crosses the antimeridian. */
export function rectGeometry([w, s, e, n]: BBox): string {
  if (w > e) return `BBOX(${num(w)}, ${num(s)}, ${num(e)}, ${num(n)})`;
  const ring = [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ]
    .map(([x, y]) => `${num(x as number)} ${num(y as number)}`)
    .join(", ");
  return `POLYGON((${ring}))`;
}

/**
 * buildCQL2 is the one CQL2 text filter that the state selects, its
 * predicates ANDed in a fixed order; "" when the state selects everything.
 * Invalid pieces (a malformed date, a code that is not alpha-3, a negative
 * count) are left out: the panel validates and says so before they get here.
 */
export function buildCQL2(f: FilterState): string {
  const parts: string[] = [];
  const from = isDate(f.from) ? f.from : "";
  const to = isDate(f.to) ? f.to : "";
  if (from || to) {
    parts.push(`T_INTERSECTS(occurred, INTERVAL(${quote(from || "..")}, ${quote(to || "..")}))`);
  }
  if (f.eventTypes.length > 0) parts.push(inList("event_type", f.eventTypes));
  if (f.subEventTypes.length > 0) parts.push(inList("sub_event_type", f.subEventTypes));
  if (f.targetTypes.length > 0) parts.push(inList("target_type", f.targetTypes));
  const hosts = f.countries.filter(isAlpha3);
  if (hosts.length > 0) parts.push(inList("country", hosts));
  const provinces = f.provinces.filter(isAdmin1);
  if (provinces.length > 0) parts.push(inList("admin1_code", provinces));
  const targets = f.targetCountries.filter(isAlpha3);
  if (targets.length > 0) parts.push(inList("target_country", targets));
  if (f.minFatalities !== null && Number.isInteger(f.minFatalities) && f.minFatalities >= 0) {
    parts.push(`fatalities >= ${f.minFatalities}`);
  }
  const text = f.text.trim();
  if (text !== "") parts.push(`CASEI(title) LIKE CASEI(${quote(`%${likeEscape(text)}%`)})`);
  if (f.near && Number.isFinite(f.near.lon) && Number.isFinite(f.near.lat) && f.near.km > 0) {
    parts.push(`S_DWITHIN(location, POINT(${num(f.near.lon)} ${num(f.near.lat)}), ${num(f.near.km)}, kilometers)`);
  }
  if (f.rect && f.rect.every(Number.isFinite)) parts.push(`S_INTERSECTS(location, ${rectGeometry(f.rect)})`);
  return parts.join(" AND ");
}

/** Options of an items request. */
export interface ItemsOptions {
  /** The map view; omitted for exports, which cover the whole selection. */
  bbox?: BBox | null;
  limit?: number;
  /** f=…: "geojson" (what a browser download needs, as it asks for HTML), "csv" or "jsonseq". */
  format?: "geojson" | "csv" | "jsonseq" | null;
  /** Absolute base such as "http://host:8080" for copyable URLs; "" for a path. */
  base?: string;
}

/** Newest first, so a capped page shows the latest incidents. */
export const SORT_BY = "-occurred_start";

/**
 * itemsURL is the request for the incidents that the state selects: the
 * filter in CQL2 text, then bbox, limit, sortby and format.
 */
export function itemsURL(f: FilterState, opts: ItemsOptions = {}): string {
  const q = new URLSearchParams();
  const cql = buildCQL2(f);
  if (cql !== "") {
    q.set("filter", cql);
    q.set("filter-lang", "cql2-text");
  }
  if (opts.bbox) q.set("bbox", opts.bbox.map(num).join(","));
  if (opts.limit !== undefined) q.set("limit", String(Math.trunc(opts.limit)));
  q.set("sortby", SORT_BY);
  if (opts.format) q.set("f", opts.format);
  // URLSearchParams writes spaces as "+", which servers read as spaces;
  // %20 is kinder to shells and GIS tools that copy the URL.
  return `${opts.base ?? ""}${ITEMS_PATH}?${q.toString().replaceAll("+", "%20")}`;
}

/** Where the counts per month (or other group) of a selection come from. */
export const AGGREGATE_PATH = "/collections/incidents/aggregate";

/**
 * countURL is the aggregate request whose numberMatched is the exact count
 * of the whole selection, dates included: items leave numberMatched out of
 * pages that do not hold every match.
 */
export function countURL(f: FilterState): string {
  return aggregateFor(buildCQL2(f), "year");
}

/**
 * aggregateURL asks for the incidents per month (or other group) that the state selects,
 * leaving out its date range: the timeline shows where a range could go.
 */
export function aggregateURL(f: FilterState, groupby = "month"): string {
  return aggregateFor(buildCQL2({ ...f, from: "", to: "" }), groupby);
}

/** aggregateFor is the aggregate request of a CQL2 filter ("" for none). */
export function aggregateFor(cql: string, groupby: string): string {
  const q = new URLSearchParams({ groupby });
  if (cql !== "") {
    q.set("filter", cql);
    q.set("filter-lang", "cql2-text");
  }
  return `${AGGREGATE_PATH}?${q.toString().replaceAll("+", "%20")}`;
}
