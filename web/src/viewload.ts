/**
 * Where the map is going: the view an animation ends on, known when it
 * starts, so that the page can ask for that view's clusters while Leaflet
 * animates (a wheel zoom's 250 ms, a drag's inertia) instead of after it.
 * A view is its pixel bounds at a zoom, computed as Leaflet computes them
 * once the animation has ended, so the request made at the start has the
 * same URL as the one the end asks for, and is reused.
 */
import L from "./leaflet-global";
import { normaliseBBox } from "./bbox";
import type { BBox } from "./types";

/** A view of the map: its pixel bounds at zoom. */
export interface View {
  px: L.Bounds;
  zoom: number;
}

/** The parts of Leaflet's map used here that its types do not declare. */
interface MapInternals {
  getPixelBounds(center?: L.LatLng, zoom?: number): L.Bounds;
}

/** currentView is the view on screen. */
export function currentView(map: L.Map): View {
  return { px: map.getPixelBounds(), zoom: map.getZoom() };
}

/** viewBBox is the bounding box of a view, as the API takes it. */
export function viewBBox(map: L.Map, v: View): BBox {
  const min = v.px.min as L.Point;
  const max = v.px.max as L.Point;
  const sw = map.unproject([min.x, max.y], v.zoom);
  const ne = map.unproject([max.x, min.y], v.zoom);
  return normaliseBBox(sw.lng, sw.lat, ne.lng, ne.lat);
}

/**
 * onViewTarget calls go with the view each animated zoom or pan will end
 * on, as the animation starts. Pans are seen by wrapping this map's panBy,
 * which Leaflet's drag inertia, keyboard and animated setView all use.
 */
export function onViewTarget(map: L.Map, go: (v: View) => void): void {
  const m = map as unknown as MapInternals;
  map.on("zoomanim", (e: L.ZoomAnimEvent) => {
    go({ px: m.getPixelBounds(e.center, e.zoom), zoom: e.zoom });
  });
  const panBy = map.panBy.bind(map);
  map.panBy = (offset: L.PointExpression, options?: L.PanOptions): L.Map => {
    const d = L.point(offset).round();
    if (options?.animate !== false && (d.x !== 0 || d.y !== 0)) {
      // Leaflet rounds the offset, and the map pane's end position too (a
      // drag can leave it between pixels): the view moves by that much.
      const pane = L.DomUtil.getPosition(map.getPane("mapPane") as HTMLElement);
      const shift = pane.subtract(pane.subtract(d).round());
      const px = map.getPixelBounds();
      go({ px: L.bounds((px.min as L.Point).add(shift), (px.max as L.Point).add(shift)), zoom: map.getZoom() });
    }
    return panBy(offset, options);
  };
}
