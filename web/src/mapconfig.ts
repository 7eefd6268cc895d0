/**
 * What the server says about basemaps (/config.json: the configured tile
 * layer and the built-in basemap), and the colours the built-in basemap
 * is drawn in. No Leaflet here, so it is testable outside a browser.
 */
import { basemapFrom, type Basemap } from "./api";

/** Colours of the built-in basemap; marker colours are checked against land and sea. */
export const BASEMAP_COLOURS = {
  sea: "#dce6ee",
  land: "#f7f5f0",
  border: "#8d99a3",
  province: "#c2c9cf",
  text: "#36424c",
  halo: "#ffffff",
} as const;

/** What /config.json says about basemaps. */
export interface MapConfig {
  /** The configured tile layer, or null. */
  basemap: Basemap | null;
  /** The server's built-in basemap, or null when it has none. */
  builtin: Basemap | null;
}

/** mapConfigFrom reads both basemaps out of a /config.json body. */
export function mapConfigFrom(body: unknown): MapConfig {
  const builtin = body && typeof body === "object" ? (body as { builtin_basemap?: unknown }).builtin_basemap : null;
  return { basemap: basemapFrom(body), builtin: basemapFrom({ basemap: builtin }) };
}

/** fetchMapConfig loads /config.json; a failure means neither basemap. */
export async function fetchMapConfig(): Promise<MapConfig> {
  try {
    const resp = await fetch("/config.json", { headers: { Accept: "application/json" } });
    if (!resp.ok) return { basemap: null, builtin: null };
    return mapConfigFrom(await resp.json());
  } catch {
    return { basemap: null, builtin: null };
  }
}

/** tileURL fills a {z}/{x}/{y} template. */
export function tileURL(template: string, z: number, x: number, y: number): string {
  return template.replace("{z}", String(z)).replace("{x}", String(x)).replace("{y}", String(y));
}
