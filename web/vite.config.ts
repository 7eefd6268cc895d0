// Vite build for the incidentmap front end. The output in dist/ is embedded
// into the Go binary by embed.go, so it must be self-contained: no CDN, no
// inline scripts or styles (the server sends a strict Content-Security-Policy),
// and no data: URIs for assets.
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Relative asset URLs, so the page also works behind a path prefix.
  base: "./",
  build: {
    outDir: "dist",
    // dist/.keep is restored from public/.keep on every build.
    emptyOutDir: true,
    // Emit Leaflet's CSS images as files rather than data: URIs (CSP img-src).
    assetsInlineLimit: 0,
    // The entry is a single module; no preload polyfill needed.
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
