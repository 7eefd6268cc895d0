// Browser test on a large database (100,000 synthetic incidents, imported by
// scripts/browser-test.sh): the map stays responsive, caps what it draws and
// says so, and the times are printed. Runs only with E2E_MODE=large.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BASE, SHOTS, countFilter, launch, newPage, waitLoaded } from "./lib.mjs";

describe("the map on 100,000 incidents", { skip: process.env.E2E_MODE !== "large" && "seed run" }, () => {
  let browser;
  before(async () => (browser = await launch()));
  after(async () => browser?.close());

  test("first view, a zoomed view and a pan render in time", async () => {
    const total = await countFilter("");
    assert.ok(total >= 100000, `${total} incidents`);
    const { page, rec, context } = await newPage(browser);
    let t0 = Date.now();
    await page.goto(BASE + "/");
    let status = await waitLoaded(page);
    await page.waitForSelector(".leaflet-marker-icon");
    console.log(`# MEASURE large: time to first incidents on screen: ${Date.now() - t0} ms (${status})`);
    console.log(`# MEASURE large: bytes transferred for the first view: ${rec.bytes}`);
    assert.match(status, /Showing 2,000 of [\d,]+ in view — zoom in or filter/);
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
    console.log(`# MEASURE large: time to render after a pan (incl. 250 ms debounce): ${Date.now() - t0} ms (${before} -> ${status})`);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });
});
