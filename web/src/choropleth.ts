/**
 * The countries mode of the map: every country shaded by how many
 * incidents of the filter it hosts (GET /collections/incidents/aggregate
 * ?groupby=country over the outlines of /collections/regions, level 0,
 * fetched once), on the logarithmic classes of the grid mode, with a
 * legend and each country's name, code and count in its tooltip. It
 * follows the filter, not the view: the counts are of the whole selection.
 */
import L from "./leaflet-global";
import { getJSON } from "./api";
import { ModeLayer, showClasses } from "./bins";
import { countsFrom } from "./facets";
import { classBreaks, classOf, GRID_COLOURS } from "./legend";
import { aggregateFor, buildCQL2, type FilterState } from "./query";

interface CountryProps {
  code?: string;
  country?: string;
  name?: string;
}

/** Choropleth is the layer of the countries mode and its legend. */
export class Choropleth extends ModeLayer {
  private outlines: Promise<unknown> | null = null;
  private shownFor = "";

  constructor() {
    super("choropleth-legend");
  }

  protected override cleared(): void {
    this.shownFor = "";
  }

  /** load shades the countries for the filter f (again only when f changed); errors go to onError. */
  async load(f: FilterState, onError: (msg: string) => void): Promise<void> {
    const cql = buildCQL2(f);
    if (cql === this.shownFor && this.layer.getLayers().length > 0) return;
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    try {
      this.outlines ??= getJSON("/collections/regions/items?level=0&limit=300", "the country outlines").catch((err) => {
        this.outlines = null;
        throw err;
      });
      const [outlines, body] = await Promise.all([this.outlines, getJSON(aggregateFor(cql, "country"), "the counts per country", ctl.signal)]);
      if (ctl.signal.aborted) return;
      const counts = countsFrom(body);
      let max = 1;
      for (const [k, n] of counts) if (k !== "") max = Math.max(max, n);
      const breaks = classBreaks(max);
      const codeOf = (p: CountryProps | undefined) => p?.country ?? p?.code ?? "";
      const layer = L.geoJSON(outlines as GeoJSON.GeoJsonObject, {
        style: (feat) => {
          const n = counts.get(codeOf(feat?.properties as CountryProps)) ?? 0;
          return n === 0
            ? { color: "#8a99a6", weight: 0.5, fillOpacity: 0 }
            : { color: "#5b2a0c", weight: 0.6, fillColor: GRID_COLOURS[classOf(n, breaks)], fillOpacity: 0.8 };
        },
        onEachFeature: (feat, l) => {
          const p = feat.properties as CountryProps;
          const n = counts.get(codeOf(p)) ?? 0;
          l.bindTooltip(`${p.name ?? codeOf(p)} (${codeOf(p)}): ${n.toLocaleString("en")} incident${n === 1 ? "" : "s"}`, { sticky: true });
        },
      });
      this.layer.clearLayers();
      this.layer.addLayer(layer);
      this.shownFor = cql;
      showClasses(this.legend, "Incidents per country (whole selection)", breaks, max);
    } catch (err) {
      if (!ctl.signal.aborted) onError(err instanceof Error ? err.message : "Could not load the counts per country.");
    }
  }
}
