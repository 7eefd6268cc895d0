/**
 * The map's background: the configured XYZ tile layer when there is one,
 * else the built-in basemap the server draws itself from its embedded
 * boundaries and gazetteer (/tiles/basemap/{z}/{x}/{y}.mvt, drawn here on
 * canvas tiles: land, borders and coastlines, provinces, labels). When the
 * configured tiles fail to load, the built-in basemap replaces them with
 * a visible notice, and the attribution always names what is shown.
 */
import L from "./leaflet-global";
import { flatten } from "./flat";
import { escapeHTML } from "./format";
import { BASEMAP_COLOURS, tileURL, type MapConfig } from "./mapconfig";
import { decodeTile, type MVTFeature, type MVTLayer } from "./mvt";

/** Failed tiles, with none loaded, after which the configured layer is given up. */
const MAX_TILE_ERRORS = 3;
/** How long the configured layer may take to show its first tile. */
const FIRST_TILE_MS = 8000;

/** A label placed on a tile canvas, for collision checks. */
interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** BuiltinBasemap draws the server's vector tiles on canvas tiles. */
export class BuiltinBasemap extends L.GridLayer {
  private readonly template: string;
  private readonly aborts = new WeakMap<HTMLElement, AbortController>();

  constructor(template: string, attribution: string) {
    super({ attribution: escapeHTML(attribution), maxZoom: 19, className: "basemap-builtin" });
    this.template = template;
    this.on("tileunload", (e: L.TileEvent) => this.aborts.get(e.tile)?.abort());
    // Placed with a 2D transform: painted into their zoom level's layer, not a layer each (flat.ts).
    this.on("tileloadstart", (e: L.TileEvent) => flatten(e.tile));
  }

  override createTile(coords: L.Coords, done: L.DoneCallback): HTMLElement {
    const canvas = document.createElement("canvas");
    const size = this.getTileSize();
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    canvas.width = size.x * ratio;
    canvas.height = size.y * ratio;
    const ctl = new AbortController();
    this.aborts.set(canvas, ctl);
    fetch(tileURL(this.template, coords.z, coords.x, coords.y), { signal: ctl.signal })
      .then((r) => {
        if (!r.ok) throw new Error(`basemap tile: HTTP ${r.status}`);
        return r.arrayBuffer();
      })
      .then((b) => {
        drawTile(canvas, decodeTile(new Uint8Array(b)), ratio);
        done(undefined, canvas);
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        done(err instanceof Error ? err : new Error(String(err)), canvas);
      });
    return canvas;
  }
}

/** path adds a feature's parts to the context's path, scaled from tile units. */
function path(ctx: CanvasRenderingContext2D, f: MVTFeature, scale: number): void {
  for (const part of f.parts) {
    for (let i = 0; i + 1 < part.length; i += 2) {
      const x = (part[i] as number) * scale;
      const y = (part[i + 1] as number) * scale;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
  }
}

const LABEL_FONTS: Record<string, string> = {
  country: "600 13px system-ui, sans-serif",
  province: "italic 11px system-ui, sans-serif",
  capital: "700 12px system-ui, sans-serif",
  city: "11px system-ui, sans-serif",
};

/** drawTile paints one tile: sea, land with its borders, provinces, then labels by rank. */
export function drawTile(canvas: HTMLCanvasElement, layers: Map<string, MVTLayer>, ratio: number): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const c = BASEMAP_COLOURS;
  ctx.fillStyle = c.sea;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const land = layers.get("land");
  if (land) {
    const scale = canvas.width / land.extent;
    ctx.beginPath();
    for (const f of land.features) path(ctx, f, scale);
    ctx.fillStyle = c.land;
    ctx.fill("evenodd");
    ctx.strokeStyle = c.border;
    ctx.lineWidth = 0.9 * ratio;
    ctx.stroke();
  }
  const prov = layers.get("province");
  if (prov && prov.features.length > 0) {
    const scale = canvas.width / prov.extent;
    ctx.beginPath();
    for (const f of prov.features) path(ctx, f, scale);
    ctx.setLineDash([3 * ratio, 2 * ratio]);
    ctx.strokeStyle = c.province;
    ctx.lineWidth = 0.7 * ratio;
    ctx.stroke();
    ctx.setLineDash([]);
  }
  const labels = layers.get("label");
  if (!labels) return;
  const scale = canvas.width / labels.extent;
  const placed: Box[] = [];
  const sorted = [...labels.features].sort((a, b) => Number(a.props.rank ?? 0) - Number(b.props.rank ?? 0));
  ctx.textBaseline = "middle";
  ctx.lineJoin = "round";
  for (const f of sorted) {
    const at = f.parts[0];
    const name = f.props.name;
    if (!at || typeof name !== "string") continue;
    const kind = String(f.props.kind ?? "city");
    const x = (at[0] as number) * scale;
    const y = (at[1] as number) * scale;
    ctx.font = (LABEL_FONTS[kind] ?? LABEL_FONTS.city) as string;
    const dot = kind === "city" || kind === "capital";
    const text = kind === "country" ? name.toUpperCase() : name;
    ctx.save();
    ctx.scale(ratio, ratio);
    const w = ctx.measureText(text).width;
    const lx = dot ? x / ratio + 5 : x / ratio - w / 2;
    const box = { x0: lx - 2, y0: y / ratio - 8, x1: lx + w + 2, y1: y / ratio + 8 };
    if (placed.some((b) => overlaps(b, box))) {
      ctx.restore();
      continue;
    }
    placed.push(box);
    if (dot) {
      ctx.beginPath();
      ctx.arc(x / ratio, y / ratio, kind === "capital" ? 3 : 2.2, 0, 2 * Math.PI);
      ctx.fillStyle = c.text;
      ctx.fill();
    }
    ctx.lineWidth = 3;
    ctx.strokeStyle = c.halo;
    ctx.strokeText(text, lx, y / ratio);
    ctx.fillStyle = c.text;
    ctx.fillText(text, lx, y / ratio);
    ctx.restore();
  }
}

/** BasemapNotice is a dismissible message over the map, read out by screen readers. */
class BasemapNotice extends L.Control {
  constructor(private readonly text: string) {
    super({ position: "topright" });
  }

  override onAdd(): HTMLElement {
    const box = document.createElement("div");
    box.className = "basemap-notice";
    box.setAttribute("role", "status");
    const p = document.createElement("p");
    p.className = "basemap-notice__text";
    p.textContent = this.text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "basemap-notice__close";
    close.setAttribute("aria-label", "Dismiss the basemap notice");
    close.textContent = "×";
    close.addEventListener("click", () => this.remove());
    box.append(p, close);
    L.DomEvent.disableClickPropagation(box);
    return box;
  }
}

/** hostOf names a tile URL's server for the notice ("this server" for a path). */
function hostOf(url: string): string {
  try {
    return new URL(url).host || "this server";
  } catch {
    return "this server";
  }
}

/**
 * addBackground puts the background under the map: the configured tiles,
 * replaced by the built-in basemap (with a notice) when they fail, or the
 * built-in basemap when none is configured. It returns what is shown:
 * "tiles", "builtin" or "none".
 */
export function addBackground(map: L.Map, cfg: MapConfig): "tiles" | "builtin" | "none" {
  map.getContainer().dataset.basemap = "none";
  const showBuiltin = (notice: string): void => {
    if (cfg.builtin) {
      new BuiltinBasemap(cfg.builtin.url, cfg.builtin.attribution).addTo(map);
      const data = map.getContainer().dataset;
      data.basemap = "builtin";
      // For checks of contrast against what is drawn.
      data.basemapLand = BASEMAP_COLOURS.land;
      data.basemapSea = BASEMAP_COLOURS.sea;
    }
    if (notice) new BasemapNotice(notice).addTo(map);
  };
  if (!cfg.basemap) {
    showBuiltin(cfg.builtin ? "" : "No basemap is available on this server: the incidents are drawn on a blank background.");
    return cfg.builtin ? "builtin" : "none";
  }
  const url = cfg.basemap.url;
  const tiles = L.tileLayer(url, { attribution: escapeHTML(cfg.basemap.attribution), maxZoom: 19 });
  let loaded = 0;
  let failed = 0;
  let givenUp = false;
  const giveUp = (): void => {
    if (givenUp || loaded > 0) return;
    givenUp = true;
    clearTimeout(timer);
    map.removeLayer(tiles);
    showBuiltin(
      cfg.builtin
        ? `The map tiles from ${hostOf(url)} could not be loaded; showing the built-in offline basemap instead.`
        : `The map tiles from ${hostOf(url)} could not be loaded, and this server has no built-in basemap.`,
    );
  };
  tiles.on("tileload", () => {
    loaded++;
    clearTimeout(timer);
  });
  tiles.on("tileerror", () => {
    if (++failed >= MAX_TILE_ERRORS) giveUp();
  });
  const timer = setTimeout(giveUp, FIRST_TILE_MS);
  tiles.addTo(map);
  map.getContainer().dataset.basemap = "tiles";
  return "tiles";
}
