/**
 * Flat positions for the map's many small elements. Leaflet places each
 * marker and tile with translate3d(), which makes each of them a layer of
 * its own in Chromium's compositor: with a few hundred of them every frame
 * of a pan paid for committing them all (measured without a GPU: about 10
 * frames per second less while dragging). A 2D translate() puts them in
 * the same place but paints them into their pane's layer, which a pan only
 * moves. Leaflet reads positions back from its own record
 * (DomUtil.getPosition), never from the style, so it is not disturbed.
 */
import L from "./leaflet-global";

/** flatten places an element that Leaflet positioned at the same point with a 2D transform. */
export function flatten(el: HTMLElement): void {
  const p = L.DomUtil.getPosition(el);
  if (p) el.style.transform = `translate(${p.x}px,${p.y}px)`;
}

/** The part of Leaflet's marker that places its icon (not in its type declarations). */
interface Placed {
  _setPos(pos: L.Point): void;
}

const placeMarker = (L.Marker.prototype as unknown as Placed)._setPos;

/** FlatMarker is a Leaflet marker whose icon is placed with a 2D transform. */
export class FlatMarker extends L.Marker {
  _setPos(pos: L.Point): void {
    placeMarker.call(this, pos);
    const el = this.getElement();
    if (el) flatten(el);
  }
}
