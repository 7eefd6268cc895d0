/**
 * Export of the map view as a PNG, drawn on a canvas from what the page
 * shows, with no request to any server: the basemap tiles that are loaded
 * (left out, with a note, when their server does not allow it), every SVG
 * and canvas layer of the map (country outlines, the grid, drawn regions,
 * the heat map) at their place, the clusters and incidents from the
 * clusters response as they are drawn, then a caption with the status
 * line, the filter, the legend, a scale bar and the attribution.
 */
import L from "./leaflet-global";
import { nearLon } from "./bbox";
import { abbreviate, donutSize, segments, type ClusterCollection } from "./clusters";
import { scaleBar } from "./legend";
import { EVENT_COLOURS, OTHER_COLOUR, eventColour } from "./palette";

/** What the picture shows besides the map. */
export interface Caption {
  title: string;
  status: string;
  filter: string;
  attribution: string;
}

const CAPTION_PX = 96;
const FONT = "12px system-ui, sans-serif";

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("image"));
    img.src = url;
  });
}

/** paneZ is the stacking order of the Leaflet pane that holds e. */
function paneZ(e: Element): number {
  const pane = e.closest<HTMLElement>(".leaflet-pane");
  return pane ? Number(getComputedStyle(pane).zIndex) || 0 : 0;
}

/** drawLayers draws the tiles and the SVG and canvas layers of the map (not the markers) in pane order. */
async function drawLayers(ctx: CanvasRenderingContext2D, container: HTMLElement, withTiles: boolean): Promise<void> {
  const box = container.getBoundingClientRect();
  const parts = [...container.querySelectorAll<HTMLElement | SVGSVGElement>(".leaflet-pane img.leaflet-tile, .leaflet-pane svg, .leaflet-pane canvas")]
    .filter((e) => !e.closest(".leaflet-marker-pane, .leaflet-tooltip-pane, .leaflet-popup-pane"))
    .filter((e) => withTiles || !(e instanceof HTMLImageElement))
    .map((e, i) => ({ e, z: paneZ(e), i }))
    .sort((a, b) => a.z - b.z || a.i - b.i);
  for (const { e } of parts) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const x = r.left - box.left;
    const y = r.top - box.top;
    if (e instanceof HTMLImageElement) {
      if (e.complete && e.naturalWidth > 0) ctx.drawImage(e, x, y, r.width, r.height);
    } else if (e instanceof HTMLCanvasElement) {
      ctx.drawImage(e, x, y, r.width, r.height);
    } else {
      const copy = e.cloneNode(true) as SVGSVGElement;
      copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      copy.setAttribute("width", String(r.width));
      copy.setAttribute("height", String(r.height));
      const xml = new XMLSerializer().serializeToString(copy);
      try {
        const img = await loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`);
        ctx.drawImage(img, x, y, r.width, r.height);
      } catch {
        // A layer that cannot be drawn is left out rather than failing the export.
      }
    }
  }
}

/** drawMarkers draws the clusters (rings of their event types around the count) and the single incidents. */
function drawMarkers(ctx: CanvasRenderingContext2D, map: L.Map, fc: ClusterCollection): void {
  const centre = map.getCenter().lng;
  // Smaller clusters first, so the bigger are on top as on the map.
  const feats = [...fc.features].sort((a, b) => a.properties.count - b.properties.count);
  for (const f of feats) {
    const [lon, lat] = f.geometry.coordinates;
    const p = map.latLngToContainerPoint([lat, nearLon(lon, centre)]);
    if (f.properties.cluster) {
      const size = donutSize(f.properties.count);
      const r = size / 2 - 4;
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      ctx.fillStyle = "#ffffff";
      ctx.fill();
      ctx.lineWidth = 6;
      for (const s of segments(f.properties.event_types ?? {})) {
        ctx.beginPath();
        const a0 = -Math.PI / 2 + s.start * 2 * Math.PI;
        ctx.arc(p.x, p.y, r, a0, a0 + s.length * 2 * Math.PI);
        ctx.strokeStyle = s.colour;
        ctx.stroke();
      }
      ctx.fillStyle = "#1b1b1b";
      ctx.font = "bold 11px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(abbreviate(f.properties.count), p.x, p.y);
    } else {
      ctx.beginPath();
      ctx.arc(p.x, p.y, 6, 0, 2 * Math.PI);
      ctx.fillStyle = eventColour(f.properties.event_type);
      ctx.fill();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
    }
  }
}

function drawCaption(ctx: CanvasRenderingContext2D, map: L.Map, w: number, top: number, c: Caption): void {
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, top, w, CAPTION_PX);
  ctx.fillStyle = "#1b1b1b";
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  ctx.font = "bold 14px system-ui, sans-serif";
  ctx.fillText(c.title, 8, top + 6, w - 16);
  ctx.font = FONT;
  ctx.fillText(c.status, 8, top + 26, w - 16);
  ctx.fillText(`Filter: ${c.filter}`, 8, top + 44, w - 16);
  ctx.fillStyle = "#4a5560";
  ctx.fillText(c.attribution, 8, top + 78, w - 240);
  // Legend: one swatch per event type.
  let x = 8;
  const y = top + 62;
  for (const [name, colour] of [...Object.entries(EVENT_COLOURS), ["Other", OTHER_COLOUR]] as [string, string][]) {
    ctx.fillStyle = colour;
    ctx.fillRect(x, y + 1, 10, 10);
    ctx.fillStyle = "#1b1b1b";
    ctx.fillText(name, x + 14, y);
    x += 14 + ctx.measureText(name).width + 12;
  }
  // Scale bar at the map's centre latitude.
  const size = map.getSize();
  const a = map.containerPointToLatLng([size.x / 2 - 50, size.y / 2]);
  const b = map.containerPointToLatLng([size.x / 2 + 50, size.y / 2]);
  const bar = scaleBar(a.distanceTo(b) / 100, 150);
  const bx = w - 8 - bar.px;
  const by = top + 90;
  ctx.strokeStyle = "#1b1b1b";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(bx, by - 6);
  ctx.lineTo(bx, by);
  ctx.lineTo(bx + bar.px, by);
  ctx.lineTo(bx + bar.px, by - 6);
  ctx.stroke();
  ctx.textAlign = "right";
  ctx.textBaseline = "bottom";
  ctx.fillStyle = "#1b1b1b";
  ctx.fillText(bar.metres >= 1000 ? `${bar.metres / 1000} km` : `${bar.metres} m`, w - 8, by - 8);
}

/**
 * renderPNG draws the map view and its caption and returns the PNG, and
 * whether the basemap tiles had to be left out.
 */
export async function renderPNG(map: L.Map, fc: ClusterCollection | null, showMarkers: boolean, caption: Caption): Promise<{ blob: Blob; tilesLeftOut: boolean }> {
  const container = map.getContainer();
  const { x: w, y: h } = map.getSize();
  const draw = async (withTiles: boolean): Promise<Blob> => {
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h + CAPTION_PX;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no canvas");
    ctx.fillStyle = getComputedStyle(container).backgroundColor || "#dde3e8";
    ctx.fillRect(0, 0, w, h);
    await drawLayers(ctx, container, withTiles);
    if (fc && showMarkers) drawMarkers(ctx, map, fc);
    drawCaption(ctx, map, w, h, caption);
    return new Promise((resolve, reject) => {
      try {
        canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("toBlob"))), "image/png");
      } catch (err) {
        reject(err); // a tainted canvas: tiles from a server that does not allow it
      }
    });
  };
  try {
    return { blob: await draw(true), tilesLeftOut: false };
  } catch {
    return { blob: await draw(false), tilesLeftOut: true };
  }
}
