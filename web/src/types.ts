/**
 * Types of what the server sends: the incident Feature of docs/wire-format.md,
 * the items FeatureCollection, /config.json and the error body. Every
 * property may be null on the wire; the front end checks rather than trusts.
 */

/** A source cited by an incident. */
export interface Source {
  publisher: string | null;
  title: string | null;
  url: string | null;
  published_on: string | null;
}

/** A diplomatic reaction to an incident. */
export interface DiplomaticResponse {
  date: string | null;
  date_precision: string | null;
  actor: string | null;
  actor_country: string | null;
  kind: string | null;
  summary: string | null;
  source: Source | null;
}

/** The properties of an incident Feature (only those the map shows are typed). */
export interface IncidentProperties {
  title: string | null;
  summary?: string | null;
  location_precision?: string | null;
  admin1_name?: string | null;
  perpetrator?: string | null;
  actors?: string[] | null;
  fatalities?: number | null;
  injuries?: number | null;
  responses?: DiplomaticResponse[] | null;
  occurred_start: string | null;
  occurred_end: string | null;
  date_precision: string | null;
  place_name: string | null;
  country: string | null;
  event_type: string | null;
  sub_event_type: string | null;
  target_type: string | null;
  target_country: string | null;
  facility: string | null;
  sources: Source[] | null;
}

/** An incident as an RFC 7946 Feature with a Point geometry. */
export interface IncidentFeature {
  type: "Feature";
  id: string;
  geometry: { type: "Point"; coordinates: [number, number] };
  properties: IncidentProperties;
}

/** The response of GET /collections/incidents/items. */
export interface IncidentCollection {
  type: "FeatureCollection";
  features: IncidentFeature[];
  numberMatched?: number;
  numberReturned?: number;
}

/** The response of GET /config.json. */
export interface AppConfig {
  basemap?: { url?: string | null; attribution?: string | null } | null;
}

/** A [west, south, east, north] box; west > east crosses the antimeridian. */
export type BBox = [west: number, south: number, east: number, north: number];
