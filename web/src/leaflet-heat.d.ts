/** leaflet.heat is a script that extends the global L (typed in plugins.d.ts). */
declare module "leaflet.heat";
