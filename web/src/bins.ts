/**
 * The grid mode of the map: the counts of GET /collections/incidents/bins
 * (a square grid of 64 px cells at the view's zoom, every incident of the
 * filter in exactly one cell) drawn as squares shaded by count on a
 * logarithmic scale of GRID_COLOURS, with a legend of the classes. Each
 * cell's count and mix of event types are in its tooltip.
 */
import L from "./leaflet-global";
import { getJSON } from "./api";
import { CLUSTERS_PATH, clustersURL, describeCluster } from "./clusters";
import { nearLon } from "./bbox";
import type { FilterState } from "./query";
import type { BBox } from "./types";
import { classBreaks, classOf, GRID_COLOURS } from "./legend";

export const BINS_PATH = "/collections/incidents/bins";

/** binsURL asks for the grid of a view under the filter: the clusters request on the bins path. */
export function binsURL(f: FilterState, bbox: BBox, mapZoom: number): string {
  return clustersURL(f, bbox, mapZoom).replace(CLUSTERS_PATH, BINS_PATH);
}

interface BinFeature {
  geometry: { type: "Polygon"; coordinates: [number, number][][] };
  properties: { count: number; event_types?: Record<string, number> };
}

/** ModeLayer is the layer of a map mode and its legend, shown and hidden together. */
export class ModeLayer {
  readonly layer = L.layerGroup();
  protected readonly legend: HTMLElement;
  protected abort: AbortController | null = null;

  constructor(legendClass: string) {
    this.legend = document.createElement("div");
    this.legend.className = `legend grid-legend ${legendClass}`;
    this.legend.hidden = true;
  }

  /** legendElement is the legend, for a map control. */
  legendElement(): HTMLElement {
    return this.legend;
  }

  /** setVisible shows the legend, or hides it and drops the layer's content. */
  setVisible(on: boolean): void {
    this.legend.hidden = !on;
    if (!on) {
      this.abort?.abort();
      this.layer.clearLayers();
      this.cleared();
    }
  }

  /** cleared is called when the layer was emptied by setVisible(false). */
  protected cleared(): void {}
}

/** Grid is the layer of the grid mode and its legend. */
export class Grid extends ModeLayer {
  constructor() {
    super("grid-mode-legend");
  }

  /** load fetches and draws the grid of the view; errors go to onError. */
  async load(f: FilterState, bbox: BBox, mapZoom: number, centreLon: number, onError: (msg: string) => void): Promise<void> {
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    try {
      const body = await getJSON(binsURL(f, bbox, mapZoom), "the grid counts", ctl.signal);
      if (ctl.signal.aborted) return;
      const raw = (body as { features?: unknown } | null)?.features;
      const feats = (Array.isArray(raw) ? raw : []).filter(
        (x): x is BinFeature => !!x && typeof x === "object" && (x as BinFeature).geometry?.type === "Polygon" && typeof (x as BinFeature).properties?.count === "number",
      );
      let max = 1;
      for (const b of feats) max = Math.max(max, b.properties.count);
      const breaks = classBreaks(max);
      this.layer.clearLayers();
      for (const b of feats) {
        const ring = b.geometry.coordinates[0] ?? [];
        if (ring.length < 4) continue;
        const lons = ring.map(([lon]) => lon);
        const mid = (Math.min(...lons) + Math.max(...lons)) / 2;
        const shift = nearLon(mid, centreLon) - mid;
        const latlngs = ring.map(([lon, lat]) => L.latLng(lat, lon + shift));
        const colour = GRID_COLOURS[classOf(b.properties.count, breaks)] as string;
        const poly = L.polygon(latlngs, { color: "#5b2a0c", weight: 0.5, opacity: 0.6, fillColor: colour, fillOpacity: 0.75 });
        poly.bindTooltip(describeCluster(b.properties.count, b.properties.event_types ?? {}), { sticky: true });
        this.layer.addLayer(poly);
      }
      showClasses(this.legend, "Incidents per grid cell", breaks, max);
    } catch (err) {
      if (!ctl.signal.aborted) onError(err instanceof Error ? err.message : "Could not load the grid counts.");
    }
  }

}

/** showClasses writes a legend of the colour classes (breaks up to max) under a heading into box. */
export function showClasses(box: HTMLElement, heading: string, breaks: number[], max: number): void {
  const head = document.createElement("div");
  head.className = "grid-legend__head";
  head.textContent = heading;
  const rows = breaks.map((lo, i) => {
    const hi = i + 1 < breaks.length ? (breaks[i + 1] as number) - 1 : max;
    const row = document.createElement("div");
    const sw = document.createElement("span");
    sw.className = "legend__swatch";
    sw.style.backgroundColor = GRID_COLOURS[i] as string; // CSSOM, allowed by the CSP
    row.append(sw, document.createTextNode(lo === hi ? lo.toLocaleString("en") : `${lo.toLocaleString("en")}–${hi.toLocaleString("en")}`));
    return row;
  });
  box.replaceChildren(head, ...rows);
}
