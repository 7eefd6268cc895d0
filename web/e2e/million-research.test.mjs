// Browser test of the research tools at 1,000,000 incidents (E2E_MODE=million;
// run by scripts/browser-million.sh after million.test.mjs): the timeline's
// bars add up to the true total and play waits for each step's data, the
// table pages and sorts the incidents in view, the share link restores the
// view, and the PNG export has the map's size. The assertions are
// functional; each time is printed (MEASURE lines), never asserted.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { BASE, countFilter, launchCounting, newPage, waitLoaded } from "./lib.mjs";

const MILLION = process.env.E2E_MODE === "million";
/** A view over the densest part of the generated incidents (Baghdad and around). */
const VIEW = "#map=6,33.3,44.4";
/** The whole world: play's counts in view are then the counts of the whole selection. */
const WORLD = "#map=2,20,40";

function measure(t, text) {
  t.diagnostic(`MEASURE million: ${text}`);
}

/** inView reads the count of the status line ("N of N incidents in view"). */
function inView(status) {
  const m = /^([\d,]+) of [\d,]+ incidents? in view/.exec(status);
  assert.ok(m, `a count in the status line: ${status}`);
  return Number(m[1].replaceAll(",", ""));
}

/** bars reads the timeline's bars. */
async function bars(page) {
  return page.$$eval("#hist-chart rect.hist__bar", (rs) => rs.map((r) => ({ from: r.dataset.from, to: r.dataset.to, count: Number(r.dataset.count) })));
}

/** tableInfo waits for the table's line to match re and returns the time it took from t0. */
async function tableInfo(page, re, t0) {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById("table-info").textContent), re.source, { timeout: 60000 });
  return Date.now() - t0;
}

describe("the research tools on 1,000,000 incidents", { skip: !MILLION && "not the million run" }, () => {
  let browser;
  let total;
  before(async () => ({ browser, total } = await launchCounting()));
  after(async () => browser?.close());

  test("the timeline's bars add up to the true total; play waits for each step's data", async (t) => {
    const { page, rec, context } = await newPage(browser);
    const t0 = Date.now();
    await page.goto(`${BASE}/${WORLD}`);
    assert.equal(inView(await waitLoaded(page)), total, "the world view holds every incident");
    await page.waitForSelector("#hist:not([hidden]) rect.hist__bar", { timeout: 60000 });
    measure(t, `timeline bars (months) on screen ${Date.now() - t0} ms after navigation`);
    for (const unit of ["month", "year"]) {
      const t1 = Date.now();
      await page.selectOption("#play-window", unit);
      await page.waitForFunction((u) => document.getElementById("hist-unit").textContent === u, unit, { timeout: 60000 });
      const sum = (await bars(page)).reduce((a, b) => a + b.count, 0);
      assert.equal(sum, total, `${unit}: the bars hold every incident`);
      measure(t, `timeline by ${unit}: ${Date.now() - t1} ms, bars add up to ${sum}`);
    }

    // Play by year: each step is shown only once the map has drawn it, with the server's count.
    const years = (await bars(page)).filter((b) => b.count > 0);
    await page.evaluate(() => {
      window.__shown = [];
      const msg = document.getElementById("play-msg");
      new MutationObserver(() => {
        if (/^Showing/.test(msg.textContent)) {
          window.__shown.push({ at: Date.now(), text: msg.textContent, status: document.getElementById("status").textContent, from: document.getElementById("f-from").value, to: document.getElementById("f-to").value });
        }
      }).observe(msg, { childList: true, characterData: true, subtree: true });
    });
    const t2 = Date.now();
    await page.click("#play");
    await page.waitForFunction(() => window.__shown.length >= 2 || document.getElementById("play").textContent === "Play", null, { timeout: 120000 });
    if ((await page.textContent("#play")) === "Pause") await page.click("#play");
    const shown = (await page.evaluate(() => window.__shown)).slice(0, 2);
    assert.equal(shown.length, 2, "two steps shown");
    assert.deepEqual(shown.map((s) => s.from), years.slice(0, 2).map((y) => y.from), "no step skipped");
    for (const s of shown) {
      const n = Number(/: ([\d,]+) incidents? in view/.exec(s.text)?.[1].replaceAll(",", ""));
      const want = await countFilter(`T_INTERSECTS(occurred, INTERVAL('${s.from}', '${s.to}'))`);
      assert.equal(n, want, `the step's count is the server's: ${s.text}`);
      assert.equal(inView(s.status), n, `the map had drawn the step when it was shown: ${s.status}`);
    }
    measure(t, `play by year: first step shown ${shown[0].at - t2} ms after Play, second ${shown[1].at - t2} ms (${shown.map((s) => s.text).join(" | ")})`);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("the table pages and sorts the incidents in view", async (t) => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/${VIEW}`);
    await waitLoaded(page);
    let t0 = Date.now();
    await page.click("#table-toggle");
    const first = await tableInfo(page, /^Rows 1–25 of/, t0);
    // The table takes room from the map, whose view (and count) it then follows.
    const n = inView(await waitLoaded(page));
    assert.ok(n > 25, `more than a page in view: ${n}`);
    assert.match(await page.textContent("#table-info"), new RegExp(`of ${n.toLocaleString("en")} incidents in view`));
    const dates = await page.$$eval("#table tbody tr td:first-child", (ts) => ts.map((x) => x.textContent));
    assert.equal(dates.length, 25);
    assert.deepEqual(dates, [...dates].sort().reverse(), "newest first");
    const page1 = await page.$$eval("#table tbody tr", (rs) => rs.map((r) => r.dataset.id));

    t0 = Date.now();
    await page.click("#table-next");
    const next = await tableInfo(page, /^Rows 26–50 of/, t0);
    const page2 = await page.$$eval("#table tbody tr", (rs) => rs.map((r) => r.dataset.id));
    const dates2 = await page.$$eval("#table tbody tr td:first-child", (ts) => ts.map((x) => x.textContent));
    assert.equal(page1.filter((id) => page2.includes(id)).length, 0, "the second page holds other incidents");
    assert.ok(dates2[0] <= dates[24], `the second page goes on where the first ended: ${dates2[0]} after ${dates[24]}`);
    t0 = Date.now();
    await page.click("#table-prev");
    const prev = await tableInfo(page, /^Rows 1–25 of/, t0);
    assert.deepEqual(await page.$$eval("#table tbody tr", (rs) => rs.map((r) => r.dataset.id)), page1);

    // Sorted by fatalities, most first, then fewest first. The server sorts unknown (null)
    // fatalities as the largest, so "most first" may begin with a page of unknowns.
    const fatalities = () => page.$$eval("#table tbody tr td:last-child", (ts) => ts.map((x) => x.textContent));
    t0 = Date.now();
    await page.click('#table button[data-key="fatalities"]');
    await page.waitForFunction(() => document.querySelector('#table th[data-key="fatalities"]').getAttribute("aria-sort") === "descending");
    const sorted = await tableInfo(page, /^Rows 1–25 of/, t0);
    const most = (await fatalities()).filter((x) => x !== "unknown").map(Number);
    assert.deepEqual(most, [...most].sort((a, b) => b - a), `fatalities, most first: ${most}`);
    t0 = Date.now();
    await page.click('#table button[data-key="fatalities"]');
    await page.waitForFunction(() => document.querySelector('#table th[data-key="fatalities"]').getAttribute("aria-sort") === "ascending");
    const sortedUp = await tableInfo(page, /^Rows 1–25 of/, t0);
    const fat = await fatalities();
    const fewest = fat.filter((x) => x !== "unknown").map(Number);
    assert.ok(fewest.length > 0, `some fatalities are known: ${fat}`);
    assert.deepEqual(fewest, [...fewest].sort((a, b) => a - b), `fatalities, fewest first: ${fat}`);
    measure(t, `table of ${n} incidents in view: first page ${first} ms, next ${next} ms, previous ${prev} ms, sorted by fatalities ${sorted} ms, the other way ${sortedUp} ms`);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("the share link restores the view; the PNG export has the map's size", async (t) => {
    const { page, rec, context } = await newPage(browser, { permissions: ["clipboard-read", "clipboard-write"] });
    await page.goto(`${BASE}/${VIEW}&event=Battles`);
    const status = await waitLoaded(page);
    const n = inView(status);
    await page.click("#share");
    await page.waitForFunction(() => document.getElementById("share-msg").textContent === "Link copied.");
    const link = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(link, page.url());

    // The link opened in a new page shows the same view and filter, hence the same count.
    const other = await context.newPage();
    let t0 = Date.now();
    await other.goto(link);
    const restored = await waitLoaded(other);
    measure(t, `the shared link drawn again ${Date.now() - t0} ms after opening it (${restored})`);
    assert.equal(inView(restored), n, `the same incidents in view: ${restored} / ${status}`);
    assert.equal(new URL(other.url()).hash, new URL(link).hash, "the same view and filter");
    await other.close();

    // PNG of the map's size (and the caption under it).
    const size = await page.evaluate(() => {
      const r = document.getElementById("map").getBoundingClientRect();
      return { w: Math.round(r.width), h: Math.round(r.height) };
    });
    t0 = Date.now();
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60000 }), page.click("#export-png")]);
    const png = await readFile(await download.path());
    measure(t, `PNG export ${Date.now() - t0} ms, ${png.length} bytes`);
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.equal(png.readUInt32BE(16), size.w, "width of the map");
    assert.equal(png.readUInt32BE(20), size.h + 96, "height of the map and the caption");
    assert.deepEqual(rec.errors, []);
    await context.close();
  });
});
