/**
 * Leaflet as the global L. The plugins leaflet.markercluster and
 * leaflet.heat are scripts that extend a global L; this module must be
 * imported before them (ES modules evaluate in import order).
 */
import L from "leaflet";

(globalThis as unknown as { L: typeof L }).L = L;

export default L;
