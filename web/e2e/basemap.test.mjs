// Browser tests of the map's background and of how the bundle is
// delivered: the built-in basemap by default (the server under test runs
// without --basemap-url, whose default is the built-in one), at world and city zoom; configured tiles that
// fail give way to it with a notice; working tiles stay, with their own
// attribution; and the JS/CSS come compressed, hashed assets cached
// immutably and index.html revalidated. Run by scripts/browser-test.sh.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BASE, SHOTS, launch, newPage, waitLoaded } from "./lib.mjs";

const LARGE = process.env.E2E_MODE === "large";
/** A loopback tile server that is never started: its tiles fail. */
const DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png";
/** A 1×1 PNG, for tiles that work. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

/** withBasemap makes the page's /config.json name basemap as the configured tiles. */
async function withBasemap(page, basemap) {
  const real = await (await fetch(`${BASE}/config.json`)).json();
  await page.route("**/config.json", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ ...real, basemap }) }),
  );
}

/** builtinDrawn waits until the built-in basemap has drawn tiles and returns how many. */
async function builtinDrawn(page) {
  await page.waitForFunction(() => document.querySelectorAll(".basemap-builtin canvas.leaflet-tile-loaded").length > 0, null, {
    timeout: 30000,
  });
  return page.locator(".basemap-builtin canvas.leaflet-tile-loaded").count();
}

/** pixelAt reads the colour the built-in basemap drew at a container point of the map, as #rrggbb. */
async function pixelAt(page, x, y) {
  return page.evaluate(
    ([x, y]) => {
      const map = document.getElementById("map").getBoundingClientRect();
      for (const c of document.querySelectorAll(".basemap-builtin canvas.leaflet-tile-loaded")) {
        const r = c.getBoundingClientRect();
        const px = map.left + x;
        const py = map.top + y;
        if (px < r.left || px >= r.right || py < r.top || py >= r.bottom) continue;
        const k = c.width / r.width;
        const d = c.getContext("2d").getImageData(Math.floor((px - r.left) * k), Math.floor((py - r.top) * k), 1, 1).data;
        return "#" + [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, "0")).join("");
      }
      return null;
    },
    [x, y],
  );
}

describe("the basemap", { skip: LARGE && "large-data run" }, () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => browser?.close());

  test("without configured tiles, the built-in basemap is drawn and credited", async () => {
    const { page, rec, context } = await newPage(browser);
    const tiles = [];
    page.on("response", (r) => r.url().includes("/tiles/basemap/") && tiles.push(r));
    const t0 = Date.now();
    await page.goto(BASE + "/");
    await waitLoaded(page);
    const n = await builtinDrawn(page);
    const ms = Date.now() - t0;
    await page.waitForLoadState("networkidle");
    assert.equal(await page.getAttribute("#map", "data-basemap"), "builtin");
    const attribution = await page.textContent(".leaflet-control-attribution");
    assert.match(attribution, /Natural Earth/);
    assert.match(attribution, /GeoNames/);
    assert.doesNotMatch(attribution, /OpenStreetMap/);
    assert.equal(await page.locator(".basemap-notice").count(), 0, "no notice when the built-in basemap is the configured default");
    const enc = await Promise.all(tiles.map((r) => r.headerValue("content-encoding")));
    assert.ok(enc.length > 0 && enc.every((e) => e === "gzip"), `basemap tiles are gzipped: ${enc}`);
    // The country labels are drawn in the canvas; the land colour is there.
    const size = await page.locator("#map").boundingBox();
    const colours = new Set();
    for (let i = 1; i < 10; i++) colours.add(await pixelAt(page, (size.width * i) / 10, size.height / 2));
    const land = await page.getAttribute("#map", "data-basemap-land");
    const sea = await page.getAttribute("#map", "data-basemap-sea");
    assert.ok(colours.has(land), `land (${land}) is drawn across the middle of the map: ${[...colours]}`);
    assert.deepEqual(rec.errors, []);
    await page.screenshot({ path: join(SHOTS, "basemap-01-builtin.png") });
    console.log(`# MEASURE built-in basemap: ${n} tiles drawn ${ms} ms after navigation; ${rec.bytes} bytes transferred for the first view (incidents and basemap), ${tiles.length} tiles`);
    console.log(`# NOTE basemap colours land ${land}, sea ${sea}`);
    await context.close();
  });

  test("at city zoom the map is not blank: land, and the city's name", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(BASE + "/#map=14,34.5281,69.1723"); // Kabul
    await waitLoaded(page);
    await builtinDrawn(page);
    await page.waitForLoadState("networkidle");
    const land = await page.getAttribute("#map", "data-basemap-land");
    const size = await page.locator("#map").boundingBox();
    let landPixels = 0;
    for (const [fx, fy] of [[0.2, 0.2], [0.8, 0.2], [0.2, 0.8], [0.8, 0.8], [0.5, 0.3]]) {
      if ((await pixelAt(page, size.width * fx, size.height * fy)) === land) landPixels++;
    }
    assert.ok(landPixels >= 4, `land drawn at ${landPixels} of 5 sample points at zoom 14`);
    // The label "Kabul" is drawn on a canvas: look for text-coloured pixels near the city.
    const dark = await page.evaluate(() => {
      let n = 0;
      for (const c of document.querySelectorAll(".basemap-builtin canvas.leaflet-tile-loaded")) {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 100 && d[i + 1] < 110 && d[i + 2] < 120) n++;
      }
      return n;
    });
    assert.ok(dark > 30, `a label is drawn at city zoom (${dark} dark pixels)`);
    assert.deepEqual(rec.errors, []);
    await page.screenshot({ path: join(SHOTS, "basemap-02-city-zoom.png") });
    await context.close();
  });

  test("configured tiles that fail give way to the built-in basemap, with a notice", async () => {
    const { page, rec, context } = await newPage(browser);
    await withBasemap(page, { url: DEAD_TILES, attribution: "Test tiles" });
    await page.route("http://127.0.0.1:9/**", (route) => route.abort("connectionrefused"));
    await page.goto(BASE + "/");
    await waitLoaded(page);
    await page.waitForSelector(".basemap-notice", { timeout: 20000 });
    assert.match(await page.textContent(".basemap-notice"), /tiles from 127\.0\.0\.1:9 could not be loaded; showing the built-in offline basemap/);
    assert.equal(await page.getAttribute(".basemap-notice", "role"), "status");
    await builtinDrawn(page);
    assert.equal(await page.getAttribute("#map", "data-basemap"), "builtin");
    const attribution = await page.textContent(".leaflet-control-attribution");
    assert.match(attribution, /Natural Earth/);
    assert.doesNotMatch(attribution, /Test tiles/, "the failed layer's attribution is gone");
    assert.match(await page.textContent("#status"), /incidents in view/);
    await page.screenshot({ path: join(SHOTS, "basemap-03-fallback.png") });
    await page.click(".basemap-notice__close");
    assert.equal(await page.locator(".basemap-notice").count(), 0, "the notice can be dismissed");
    assert.deepEqual(rec.errors.filter((e) => !e.includes("127.0.0.1:9/")), []);
    await context.close();
  });

  test("configured tiles that work stay, with their attribution", async () => {
    const { page, rec, context } = await newPage(browser);
    await withBasemap(page, { url: DEAD_TILES, attribution: "Test tiles <b>" });
    await page.route("http://127.0.0.1:9/**", (route) => route.fulfill({ status: 200, contentType: "image/png", body: PNG }));
    await page.goto(BASE + "/");
    await waitLoaded(page);
    await page.waitForSelector(".leaflet-tile-pane img.leaflet-tile-loaded");
    await page.waitForTimeout(500);
    assert.equal(await page.getAttribute("#map", "data-basemap"), "tiles");
    assert.equal(await page.locator(".basemap-notice").count(), 0);
    assert.equal(await page.locator(".basemap-builtin").count(), 0);
    const attribution = await page.textContent(".leaflet-control-attribution");
    assert.match(attribution, /Test tiles <b>/, "the attribution is shown as text");
    assert.doesNotMatch(attribution, /Natural Earth/);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });
});

describe("delivery of the front end", { skip: LARGE && "large-data run" }, () => {
  test("the bundle is sent compressed, hashed assets immutable, index.html revalidated", async () => {
    const browser = await launch();
    try {
      const { page, context } = await newPage(browser);
      const seen = new Map();
      page.on("response", async (r) => {
        const u = new URL(r.url());
        if (u.origin === BASE && /\/(assets\/.*\.(js|css)|)$/.test(u.pathname)) seen.set(u.pathname, await r.allHeaders());
      });
      await page.goto(BASE + "/");
      await waitLoaded(page);
      const assets = [...seen].filter(([p]) => p.startsWith("/assets/"));
      assert.ok(assets.some(([p]) => p.endsWith(".js")) && assets.some(([p]) => p.endsWith(".css")), `JS and CSS seen: ${[...seen.keys()]}`);
      for (const [p, h] of assets) {
        assert.equal(h["content-encoding"], "br", `${p} is sent with brotli to Chromium`);
        assert.match(h["cache-control"], /max-age=31536000.*immutable/, `${p} is cached immutably`);
        assert.match(h["vary"] ?? "", /Accept-Encoding/i, `${p} varies by Accept-Encoding`);
      }
      const index = seen.get("/");
      assert.ok(index, "index.html seen");
      assert.equal(index["cache-control"], "no-cache", "index.html is revalidated, never immutable");
      await context.close();
    } finally {
      await browser.close();
    }
    // Without brotli, gzip; without either, the plain file.
    const html = await (await fetch(`${BASE}/`, { headers: { Accept: "text/html" } })).text();
    const js = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(js, "index.html names its script");
    for (const [accept, want] of [["gzip", "gzip"], ["identity", null]]) {
      const r = await fetch(`${BASE}/${js}`, { headers: { "Accept-Encoding": accept } });
      const raw = Buffer.from(await r.arrayBuffer());
      assert.equal(r.headers.get("content-encoding"), want, `Accept-Encoding: ${accept}`);
      assert.ok(raw.length > 1000);
    }
  });
});
