// Shared helpers of the browser tests: launch Debian's Chromium through
// playwright-core, the server under test (E2E_BASE_URL, started by
// scripts/browser-test.sh), and small readers for what the page shows.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const BASE = (process.env.E2E_BASE_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
export const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "screenshots");
mkdirSync(SHOTS, { recursive: true });

/** Endpoints the page may probe that an older server lacks; a 404 from them is not a failure. */
const OPTIONAL = ["/collections/regions/", "/geocode", "/collections/incidents/aggregate"];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** launchCounting launches Chromium and reads the server's count of every incident, for a suite's before hook. */
export async function launchCounting() {
  return { browser: await launch(), total: await countFilter("") };
}

/**
 * newPage opens a page that records console errors, page errors, dialogs
 * and bytes received (from the DevTools protocol: encoded, as on the wire).
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const rec = { errors: [], dialogs: [], bytes: 0, missing: new Set(), responses: 0 };
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const url = m.location()?.url || "";
    if (/Failed to load resource/.test(m.text()) && OPTIONAL.some((p) => url.includes(p))) {
      rec.missing.add(new URL(url).pathname);
      return;
    }
    rec.errors.push(`${m.text()} (${url})`);
  });
  page.on("pageerror", (e) => rec.errors.push(`pageerror: ${e.message}`));
  page.on("dialog", async (d) => {
    rec.dialogs.push(d.message());
    await d.dismiss();
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.loadingFinished", (e) => {
    rec.bytes += e.encodedDataLength;
    rec.responses++;
  });
  return { context, page, rec };
}

/** api fetches a JSON document from the server under test. */
export async function api(path) {
  const r = await fetch(BASE + path);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

/**
 * countFilter asks the server how many incidents a CQL2 filter matches:
 * the numberMatched of /aggregate, always exact (the items give it only
 * when a page holds every match).
 */
export async function countFilter(cql) {
  const q = new URLSearchParams({ groupby: "year" });
  if (cql) {
    q.set("filter", cql);
    q.set("filter-lang", "cql2-text");
  }
  return (await api(`/collections/incidents/aggregate?${q}`)).numberMatched;
}

/** waitLoaded waits until the status line reports a finished load and returns it. */
export async function waitLoaded(page, pattern = /incidents in view|No incidents|Showing|rejected|Could not/) {
  await page.waitForFunction(
    (src) => {
      const s = document.getElementById("status")?.textContent || "";
      return new RegExp(src).test(s) && document.getElementById("spinner")?.hidden;
    },
    pattern.source,
    { timeout: 30000 },
  );
  return page.textContent("#status");
}

/** markerTotal sums the cluster counts (their exact data-count) and the single markers on the map. */
export async function markerTotal(page) {
  return page.evaluate(() => {
    let n = document.querySelectorAll(".leaflet-marker-icon.marker").length;
    for (const c of document.querySelectorAll(".marker-cluster .donut")) n += Number(c.dataset.count);
    return n;
  });
}

/** csvRecords counts the data records of a CSV text (quoted fields may hold newlines). */
export function csvRecords(text) {
  let rows = 0;
  let quoted = false;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === "\n" && !quoted) {
      if (any) rows++;
      any = false;
      continue;
    }
    if (c !== "\r") any = true;
  }
  if (any) rows++;
  return rows - 1; // the header
}

/** aggregateAvailable reports whether the server answers GET /collections/incidents/aggregate (not 404). */
export async function aggregateAvailable() {
  const r = await fetch(`${BASE}/collections/incidents/aggregate?groupby=month`);
  await r.body?.cancel();
  return r.status !== 404;
}

/**
 * mockAggregate answers the page's /aggregate?groupby=month requests itself,
 * counting per month the incidents that the real items endpoint returns for
 * the same filter: for a server that does not have the endpoint yet.
 */
export async function mockAggregate(page) {
  await page.route("**/collections/incidents/aggregate?*", async (route) => {
    const q = new URL(route.request().url()).searchParams;
    q.delete("groupby");
    q.set("limit", "10000");
    const fc = await api(`/collections/incidents/items?${q}`);
    const counts = new Map();
    for (const f of fc.features) {
      const k = (f.properties.occurred_start || "").slice(0, 7);
      if (k) counts.set(k, (counts.get(k) || 0) + 1);
    }
    const buckets = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, count]) => ({ key, count }));
    await route.fulfill({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ groupby: "month", numberMatched: fc.numberMatched, buckets }),
    });
  });
}

/** lastDayOf is the last day of a "YYYY-MM" month as "YYYY-MM-DD". */
export function lastDayOf(month) {
  const [y, m] = month.split("-").map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
}

/** barX is the page x of the middle of bar i of the timeline. */
export async function barX(page, i) {
  const box = await page.locator("#hist-chart svg").boundingBox();
  const n = await page.locator("#hist-chart rect.hist__bar").count();
  return { x: box.x + ((i + 0.5) * box.width) / n, y: box.y + box.height / 2 };
}

/** countFrames starts counting the page's animation frames in window.__fps; set __fps.on = false to stop. */
export async function countFrames(page) {
  await page.evaluate(() => {
    const w = window;
    w.__fps = { frames: 0, start: performance.now(), on: true };
    const tick = () => {
      if (!w.__fps.on) return;
      w.__fps.frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/**
 * dragFrames drags the map back and forth from (cx, cy) for about ms
 * milliseconds (at most 12 drags) and returns the frames per second the
 * page drew meanwhile (requestAnimationFrame callbacks).
 */
export async function dragFrames(page, cx, cy, ms = 2200) {
  await countFrames(page);
  const t0 = Date.now();
  for (let i = 0; i < 12 && Date.now() - t0 < ms; i++) {
    const [dx, dy] = [[-250, -80], [250, 80], [-200, 120], [200, -120]][i % 4];
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + dx, cy + dy, { steps: 12 });
    await page.mouse.up();
  }
  return page.evaluate(() => {
    const w = window;
    w.__fps.on = false;
    return w.__fps.frames / ((performance.now() - w.__fps.start) / 1000);
  });
}
