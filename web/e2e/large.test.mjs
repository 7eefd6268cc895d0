// Browser test on a large database (100,000 synthetic incidents, imported by
// scripts/browser-test.sh): the map stays responsive, shows every incident in
// the server's clusters with true totals, and the times are printed. Runs only with E2E_MODE=large.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BASE, SHOTS, countFilter, countFrames, launch, markerTotal, newPage, waitLoaded } from "./lib.mjs";

describe("the map on 100,000 incidents", { skip: process.env.E2E_MODE !== "large" && "seed run" }, () => {
  let browser;
  before(async () => (browser = await launch()));
  after(async () => browser?.close());

  test("first view, a zoomed view, a pan and frames while panning", async (t) => {
    const total = await countFilter("");
    assert.ok(total >= 100000, `${total} incidents`);
    const { page, rec, context } = await newPage(browser);
    let t0 = Date.now();
    await page.goto(BASE + "/");
    let status = await waitLoaded(page);
    await page.waitForSelector(".leaflet-marker-icon");
    console.log(`# MEASURE large: time to first incidents on screen: ${Date.now() - t0} ms (${status})`);
    console.log(`# MEASURE large: bytes transferred for the first view: ${rec.bytes}`);
    // Every incident is on the map, aggregated: the status line's total is
    // the database's, and so is the sum of the clusters' counts.
    const all = total.toLocaleString("en");
    assert.ok(status.includes(`${all} of ${all} incidents in view (in `), status);
    assert.equal(await markerTotal(page), total, "cluster counts and single markers add up to every incident");
    await page.screenshot({ path: join(SHOTS, "07-large.png") });

    t0 = Date.now();
    await page.goto(BASE + "/#map=11,34.53,69.17");
    status = await waitLoaded(page);
    console.log(`# MEASURE large: time to render a zoomed view (Kabul, z11): ${Date.now() - t0} ms (${status})`);

    const box = await page.locator("#map").boundingBox();
    const before = status;
    t0 = Date.now();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 300, box.y + box.height / 2 - 100, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => !document.getElementById("spinner").hidden, null, { timeout: 5000 }).catch(() => {});
    status = await waitLoaded(page);
    console.log(`# MEASURE large: time to render after a pan: ${Date.now() - t0} ms (${before} -> ${status})`);

    // Frames while panning: count requestAnimationFrame callbacks during ~2 s
    // of scripted drags over the first (densest) view, the clusters loaded
    // and redrawn after each drag's moveend.
    await page.goto(BASE + "/#map=4,30,55");
    await waitLoaded(page);
    await page.waitForSelector(".leaflet-marker-icon");
    await countFrames(page);
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const drags = [[-250, -80], [250, 80], [-200, 120], [200, -120], [-150, 0], [150, 0]];
    const tPan = Date.now();
    for (const [dx, dy] of drags) {
      if (Date.now() - tPan > 2200) break;
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      await page.mouse.move(cx + dx, cy + dy, { steps: 12 });
      await page.mouse.up();
      await page.waitForTimeout(120);
    }
    const fps = await page.evaluate(() => {
      const w = window;
      w.__fps.on = false;
      const s = (performance.now() - w.__fps.start) / 1000;
      return { frames: w.__fps.frames, seconds: s, fps: w.__fps.frames / s };
    });
    status = await waitLoaded(page);
    const fpsLine = `${fps.fps.toFixed(1)} frames per second while panning (${fps.frames} frames in ${fps.seconds.toFixed(2)} s, ${drags.length} drags; ${status})`;
    console.log(`# MEASURE large: ${fpsLine}`);
    t.diagnostic(`MEASURE large: ${fpsLine}`);
    assert.ok(fps.frames > 0, "frames were drawn while panning");
    assert.deepEqual(rec.errors, []);
    await context.close();
  });
});
