/**
 * The selected incident on the map: a ring around its place that stays
 * while its details are open, and a pan that keeps the place in the part
 * of the map the detail panel or sheet does not cover.
 */
import L from "./leaflet-global";

/** Pixels kept between the selected place and the edge of the visible map. */
const MARGIN_PX = 48;

/** Selection draws the ring of the selected incident. */
export class Selection {
  private readonly ring: L.CircleMarker;
  private shown = false;

  constructor(private readonly map: L.Map) {
    map.createPane("selection").style.zIndex = "650"; // over the markers, under popups
    this.ring = L.circleMarker([0, 0], {
      pane: "selection",
      radius: 14,
      color: "#111a22",
      weight: 3,
      fill: false,
      interactive: false,
      className: "selection-ring",
    });
  }

  /**
   * show rings the place at lat, lon and pans it into view. cover is the
   * element that lies over the map's bottom (a phone's detail sheet), if
   * any; its height is kept clear.
   */
  show(lat: number, lon: number, cover: HTMLElement | null): void {
    const at = L.latLng(lat, lon);
    this.ring.setLatLng(at);
    if (!this.shown) {
      this.ring.addTo(this.map);
      this.shown = true;
    }
    let bottom = MARGIN_PX;
    if (cover && !cover.hidden && getComputedStyle(cover).position === "absolute") {
      bottom += cover.getBoundingClientRect().height;
    }
    const size = this.map.getSize();
    if (bottom + MARGIN_PX >= size.y) bottom = Math.max(MARGIN_PX, size.y - 2 * MARGIN_PX);
    this.map.panInside(at, { paddingTopLeft: [MARGIN_PX, MARGIN_PX], paddingBottomRight: [MARGIN_PX, bottom], animate: false });
    this.map.getContainer().dataset.selected = `${lat},${lon}`;
  }

  /** clear removes the ring. */
  clear(): void {
    if (!this.shown) return;
    this.ring.remove();
    this.shown = false;
    delete this.map.getContainer().dataset.selected;
  }
}
