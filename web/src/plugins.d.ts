/** Types of the leaflet.heat plugin, which ships none. */
import "leaflet";

declare module "leaflet" {
  interface HeatLayerOptions {
    radius?: number;
    blur?: number;
    maxZoom?: number;
    max?: number;
    minOpacity?: number;
    gradient?: Record<number, string>;
  }
  interface HeatLayer extends Layer {
    setLatLngs(latlngs: LatLngExpression[]): this;
  }
  function heatLayer(latlngs: LatLngExpression[], options?: HeatLayerOptions): HeatLayer;
}
