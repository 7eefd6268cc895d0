/**
 * The research tools of the map, hooked into main.ts at a few points:
 * the table of incidents in view (table.ts) linked to the markers, the
 * counts beside the filter options (facets.ts), the grid mode
 * (bins.ts) and the countries mode (choropleth.ts), the share button, the PNG export (png.ts) and print, a
 * scale bar, and the heat map's intensity legend. main.ts tells it when
 * the map has drawn, when the filter changed, which incident is open and
 * which single markers it drew; everything else is its own.
 */
import L from "./leaflet-global";
import { nearLon, normaliseBBox } from "./bbox";
import { Grid } from "./bins";
import { Choropleth } from "./choropleth";
import type { ClusterCollection } from "./clusters";
import { Facets } from "./facets";
import { renderPNG } from "./png";
import { buildCQL2 } from "./query";
import { IncidentTable } from "./table";
import type { PageState } from "./urlstate";
import type { BBox } from "./types";

/** What the research tools need from the page. */
export interface ResearchHost {
  map: L.Map;
  markers: L.Layer;
  heat: L.Layer;
  state(): PageState;
  selectIncident(id: string): void;
  /** pushURL records a change of the state in history. */
  pushURL(): void;
  /** applyLayers shows the markers, the heat map or the grid as the state says. */
  applyLayers(): void;
}

/** The hooks main.ts calls. */
export interface Research {
  /** drawn: the map drew a clusters response. */
  drawn(fc: ClusterCollection): void;
  /** changed: the filter changed (a load follows). */
  changed(): void;
  /** marker: a single incident's marker was made. */
  marker(m: L.Marker, id: string): void;
  /** selected: the incident open in the detail panel (null: none). */
  selected(id: string | null): void;
  /** applyMode: after main's markers/heat switch, the grid or countries mode takes their place when on. */
  applyMode(): void;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

function flash(el: HTMLElement, text: string, ms = 4000): void {
  el.textContent = text;
  setTimeout(() => {
    if (el.textContent === text) el.textContent = "";
  }, ms);
}

/** initResearch sets up the research tools on the page and returns main.ts's hooks. */
export function initResearch(host: ResearchHost): Research {
  const { map } = host;
  let last: ClusterCollection | null = null;

  // Scale bar and heat-map legend.
  L.control.scale({ position: "bottomright", maxWidth: 150 }).addTo(map);
  const heatLegend = document.createElement("div");
  heatLegend.className = "legend heat-legend";
  heatLegend.hidden = true;
  const heatHead = document.createElement("div");
  heatHead.textContent = "Heat map: incidents";
  const ramp = document.createElement("div");
  ramp.className = "heat-legend__ramp";
  ramp.setAttribute("role", "img");
  ramp.setAttribute("aria-label", "Colour ramp from blue (few incidents) through green and yellow to red (the most)");
  const ends = document.createElement("div");
  ends.className = "heat-legend__ends";
  const few = document.createElement("span");
  few.textContent = "few";
  const most = document.createElement("span");
  most.id = "heat-legend-max";
  ends.append(few, most);
  heatLegend.append(heatHead, ramp, ends);

  const grid = new Grid();
  const choropleth = new Choropleth();
  const legends = new L.Control({ position: "bottomright" });
  legends.onAdd = () => {
    const box = document.createElement("div");
    box.className = "legends";
    box.append(heatLegend, grid.legendElement(), choropleth.legendElement());
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  legends.addTo(map);

  // Table, linked to the map.
  map.createPane("highlight").style.zIndex = "650";
  const highlight = L.layerGroup().addTo(map);
  const bbox = (): BBox => {
    const b = map.getBounds();
    return normaliseBBox(b.getWest(), b.getSouth(), b.getEast(), b.getNorth());
  };
  const table = new IncidentTable({
    filter: () => host.state().filter,
    bbox,
    open: (id) => host.selectIncident(id),
    hover: (f) => {
      highlight.clearLayers();
      if (!f) return;
      const [lon, lat] = f.geometry.coordinates;
      L.circleMarker([lat, nearLon(lon, map.getCenter().lng)], {
        pane: "highlight",
        radius: 14,
        color: "#111111",
        weight: 3,
        fill: false,
        interactive: false,
        className: "table-highlight",
      }).addTo(highlight);
    },
  });
  const tablePanel = byId("table-panel");
  const tableToggle = byId<HTMLButtonElement>("table-toggle");
  tableToggle.addEventListener("click", () => {
    tablePanel.hidden = !tablePanel.hidden;
    tableToggle.setAttribute("aria-expanded", String(!tablePanel.hidden));
    map.invalidateSize();
    if (!tablePanel.hidden) table.reload(last?.numberMatched ?? 0);
    else highlight.clearLayers();
  });

  const facets = new Facets();
  // The map's loads go first: moving the map pauses the counting until the next draw.
  map.on("movestart", () => facets.pause());

  // Grid mode.
  const gridBox = byId<HTMLInputElement>("f-grid");
  gridBox.checked = !!host.state().grid;
  const choroBox = byId<HTMLInputElement>("f-choropleth");
  // One of the two modes at a time.
  gridBox.addEventListener("change", () => {
    host.state().grid = gridBox.checked;
    if (gridBox.checked) host.state().choropleth = false;
    host.applyLayers();
    host.pushURL();
  });
  choroBox.addEventListener("change", () => {
    host.state().choropleth = choroBox.checked;
    if (choroBox.checked) host.state().grid = false;
    host.applyLayers();
    host.pushURL();
  });
  const loadChoropleth = () => void choropleth.load(host.state().filter, (msg) => flash(byId("export-png-msg"), `Countries: ${msg}`));
  const loadGrid = () => {
    const c = map.getCenter().lng;
    void grid.load(host.state().filter, bbox(), map.getZoom(), c, (msg) => flash(byId("export-png-msg"), `Grid: ${msg}`));
  };

  // Share, PNG and print.
  const shareMsg = byId("share-msg");
  byId("share").addEventListener("click", async () => {
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      flash(shareMsg, "Link copied.");
    } catch {
      const field = byId<HTMLInputElement>("share-url");
      field.hidden = false;
      field.value = url;
      field.select();
      flash(shareMsg, "Copy the selected link by hand.");
    }
  });
  const pngMsg = byId("export-png-msg");
  byId("export-png").addEventListener("click", async () => {
    pngMsg.textContent = "Drawing the picture…";
    const s = host.state();
    try {
      const { blob, tilesLeftOut } = await renderPNG(map, last, !s.heat && !s.grid && !s.choropleth, {
        title: `incidentmap — ${new Date().toISOString().slice(0, 10)}`,
        status: byId("status").textContent ?? "",
        filter: buildCQL2(s.filter) || "none (every incident)",
        attribution: (map.getContainer().querySelector(".leaflet-control-attribution")?.textContent ?? "").trim(),
      });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `incidentmap-${new Date().toISOString().slice(0, 10)}.png`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      flash(pngMsg, tilesLeftOut ? "PNG saved; the basemap tiles were left out (their server does not allow it)." : "PNG saved.", 8000);
    } catch {
      pngMsg.textContent = "The picture could not be drawn.";
    }
  });
  byId("print").addEventListener("click", () => window.print());

  return {
    drawn(fc) {
      last = fc;
      let top = 1;
      for (const f of fc.features) top = Math.max(top, f.properties.count);
      byId("heat-legend-max").textContent = `most: ${top.toLocaleString("en")} in one place`;
      table.reload(fc.numberMatched);
      if (host.state().grid) loadGrid();
      if (host.state().choropleth) loadChoropleth();
      void facets.update(host.state().filter);
    },
    changed() {
      gridBox.checked = !!host.state().grid;
      choroBox.checked = !!host.state().choropleth;
    },
    marker(m, id) {
      m.on("mouseover", () => table.hoverMarker(id));
      m.on("mouseout", () => table.hoverMarker(null));
    },
    selected(id) {
      table.select(id);
    },
    applyMode() {
      const s = host.state();
      gridBox.checked = !!s.grid;
      choroBox.checked = !!s.choropleth;
      heatLegend.hidden = !s.heat || !!s.grid || !!s.choropleth;
      grid.setVisible(!!s.grid);
      choropleth.setVisible(!!s.choropleth);
      if (s.grid || s.choropleth) {
        map.removeLayer(host.markers);
        map.removeLayer(host.heat);
      }
      if (s.grid) {
        grid.layer.addTo(map);
        if (last) loadGrid();
      } else map.removeLayer(grid.layer);
      if (s.choropleth) {
        choropleth.layer.addTo(map);
        loadChoropleth();
      } else map.removeLayer(choropleth.layer);
    },
  };
}
