/**
 * Leaflet as the global L. The plugin leaflet.heat is a script that
 * extends a global L; this module must be imported before it (ES modules
 * evaluate in import order).
 */
import L from "leaflet";

(globalThis as unknown as { L: typeof L }).L = L;

export default L;
