// Browser test of how the map asks for its clusters (seed run): a wheel
// zoom asks for the new view once, as its animation starts (not after it
// and a debounce); a pan asks once, and the view it asked for is the one
// drawn; a first load without a view in the URL frames the selection and
// draws it without asking twice for the same thing. Functional checks: the
// times are printed, not asserted.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BASE, launch, newPage, waitLoaded } from "./lib.mjs";

/**
 * recordClusters wraps the page's fetch: each /clusters request is recorded
 * with whether Leaflet was animating a zoom when it was made and the map
 * pane's position then.
 */
async function recordClusters(page) {
  await page.addInitScript(() => {
    const w = window;
    w.__clusters = [];
    const fetch0 = w.fetch.bind(w);
    w.fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes("/collections/incidents/clusters?")) {
        const pane = document.querySelector(".leaflet-map-pane");
        w.__clusters.push({
          url,
          at: performance.now(),
          zooming: pane?.classList.contains("leaflet-zoom-anim") ?? false,
          transform: pane?.style.transform ?? "",
        });
      }
      return fetch0(input, init);
    };
  });
}

const clusters = (page) => page.evaluate(() => window.__clusters);

describe("how the map asks for its clusters", { skip: process.env.E2E_MODE && "seed run only" }, () => {
  let browser;
  before(async () => (browser = await launch()));
  after(async () => browser?.close());

  test("a wheel zoom asks once, as the animation starts; a pan asks once for the view it draws", async (t) => {
    const { page, rec, context } = await newPage(browser);
    await recordClusters(page);
    await page.goto(`${BASE}/#map=5,33,50`);
    await waitLoaded(page, /incidents in view|No incidents/);
    await page.waitForTimeout(500);
    const box = await page.locator("#map").boundingBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;

    let n = (await clusters(page)).length;
    await page.mouse.move(cx, cy);
    const t0 = await page.evaluate(() => performance.now());
    await page.mouse.wheel(0, -120);
    await page.waitForFunction(() => !/#map=5(,|%2C)/.test(location.hash), null, { timeout: 10000 });
    await waitLoaded(page, /incidents in view|No incidents/);
    const zoom = Number(/map=(\d+)/.exec(await page.evaluate(() => location.hash))[1]);
    assert.ok(zoom > 5, `zoomed in to ${zoom}`);
    let sent = (await clusters(page)).slice(n);
    assert.equal(sent.length, 1, `one request for the zoom: ${JSON.stringify(sent)}`);
    assert.ok(sent[0].zooming, "the zoom's request went out while Leaflet animated the zoom");
    assert.match(sent[0].url, new RegExp(`zoom=${zoom}(&|$)`));
    t.diagnostic(`wheel to request sent: ${Math.round(sent[0].at - t0)} ms`);
    // The zoom's markers, staged hidden while the animation ran, are all shown.
    assert.equal(await page.locator(".marker--staged").count(), 0, "no marker left staged (hidden)");
    assert.ok((await page.locator(".leaflet-marker-icon").count()) > 0, "the zoom's markers are drawn");

    await page.waitForTimeout(500);
    n = (await clusters(page)).length;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx - 240, cy - 90, { steps: 6 });
    await page.mouse.up();
    await page.waitForFunction((k) => window.__clusters.length > k, n, { timeout: 10000 });
    const status = await waitLoaded(page, /incidents in view|No incidents/);
    await page.waitForTimeout(600); // any inertia has ended
    sent = (await clusters(page)).slice(n);
    assert.equal(sent.length, 1, `one request for the pan: ${JSON.stringify(sent)}`);
    const final = await page.evaluate(() => document.querySelector(".leaflet-map-pane").style.transform);
    t.diagnostic(`pan: request sent ${sent[0].transform === final ? "at the pan's end" : "as the inertia began"}; ${status}`);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("the first load without a view frames the selection and asks for no view twice", async () => {
    const { page, rec, context } = await newPage(browser);
    await recordClusters(page);
    await page.goto(`${BASE}/`);
    await waitLoaded(page, /incidents in view|No incidents/);
    await page.waitForTimeout(300);
    const urls = (await clusters(page)).map((c) => c.url);
    assert.ok(urls.length >= 1 && urls.length <= 2, `the fit and at most the framed view: ${urls.join(" ")}`);
    assert.equal(new Set(urls).size, urls.length, `no request twice: ${urls.join(" ")}`);
    assert.match(await page.evaluate(() => location.hash), /map=\d+(,|%2C)/);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });
});
