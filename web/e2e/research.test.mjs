// Browser tests of the research tools on the seed incidents: the timeline
// (units, axis, step buttons, play that waits for each step), the table
// linked to the map, the counts beside the filter options, share, PNG
// export, print, the scale bar, the heat-map legend, the grid mode and an
// axe-core check. On the large run (E2E_MODE=large, 100,000 incidents):
// play shows every step and the table pages. Run by scripts/browser-test.sh.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BASE, SHOTS, api, countFilter, launch, launchCounting, newPage, waitLoaded } from "./lib.mjs";

const LARGE = process.env.E2E_MODE === "large";
const require = createRequire(import.meta.url);

/** barsOf reads the timeline's bars. */
async function barsOf(page) {
  return page.$$eval("#hist-chart rect.hist__bar", (rs) =>
    rs.map((r) => ({ from: r.dataset.from, to: r.dataset.to, count: Number(r.dataset.count) })),
  );
}

/** intervalCQL is the filter the page builds for a date range alone. */
const intervalCQL = (from, to) => `T_INTERSECTS(occurred, INTERVAL('${from}', '${to}'))`;

/** eventCounts reads the counts beside the event type checkboxes. */
async function eventCounts(page) {
  return page.$$eval("#f-event label", (ls) =>
    Object.fromEntries(ls.map((l) => [l.querySelector("input").value, Number((l.querySelector(".facet")?.textContent || "NaN").replaceAll(",", ""))])),
  );
}

/**
 * playSteps presses Play with the given unit and collects what each step
 * showed once drawn ("Showing …: N incidents in view") for steps steps.
 */
async function playSteps(page, unit, steps) {
  await page.selectOption("#play-window", unit);
  await page.evaluate(() => {
    window.__shown = [];
    const msg = document.getElementById("play-msg");
    new MutationObserver(() => {
      if (/^Showing/.test(msg.textContent)) {
        window.__shown.push({ text: msg.textContent, from: document.getElementById("f-from").value, to: document.getElementById("f-to").value });
      }
    }).observe(msg, { childList: true, characterData: true, subtree: true });
  });
  await page.click("#play");
  await page.waitForFunction((n) => window.__shown.length >= n || document.getElementById("play").textContent === "Play", steps, {
    timeout: 120000,
  });
  if ((await page.textContent("#play")) === "Pause") await page.click("#play");
  return page.evaluate(() => window.__shown);
}

describe("research tools on the seed incidents", { skip: LARGE && "large-data run" }, () => {
  let browser;
  let total;
  before(async () => ({ browser, total } = await launchCounting()));
  after(async () => browser?.close());

  test("timeline: bars per day, week, month and year add up, on a labelled axis", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/#map=4,30,55`);
    await waitLoaded(page);
    await page.waitForSelector("#hist:not([hidden]) rect.hist__bar");
    for (const unit of ["day", "week", "month", "year"]) {
      await page.selectOption("#play-window", unit);
      // Days and weeks load counts per day first.
      await page.waitForFunction((u) => document.getElementById("hist-unit").textContent === u, unit);
      const bars = await barsOf(page);
      const sum = bars.reduce((a, b) => a + b.count, 0);
      assert.equal(sum, total, `${unit}: the bars hold every incident`);
      for (let i = 1; i < bars.length; i++) {
        const gap = (Date.parse(bars[i].from) - Date.parse(bars[i - 1].to)) / 86400000;
        assert.equal(gap, 1, `${unit}: bar ${i} starts the day after bar ${i - 1} ends`);
      }
      if (unit === "week") assert.ok(bars.every((b) => new Date(`${b.from}T00:00:00Z`).getUTCDay() === 1), "weeks start on Monday");
      if (unit === "year") assert.ok(bars.every((b) => b.from.endsWith("-01-01") && b.to.endsWith("-12-31")));
      const ticks = await page.$$eval("#hist-axis .hist__tick", (ts) => ts.map((t) => t.textContent));
      assert.ok(ticks.length >= 2, `${unit}: the axis has ticks (${ticks})`);
      assert.match(await page.textContent("#hist-peak"), new RegExp(`per ${unit} at most`));
    }
    // The day counts are the server's: one bar's count is what the API counts for that day's starts.
    await page.selectOption("#play-window", "day");
    await page.waitForFunction(() => document.getElementById("hist-unit").textContent === "day");
    const day = (await barsOf(page)).find((b) => b.count > 0);
    const agg = await (await fetch(`${BASE}/collections/incidents/aggregate?groupby=day`)).json();
    assert.equal(agg.buckets.find((b) => b.key === day.from)?.count, day.count);
    await page.screenshot({ path: join(SHOTS, "20-timeline.png") });
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("timeline: the step buttons and play (by year) wait for the map and show every step", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/#map=4,30,55`);
    await waitLoaded(page);
    await page.waitForSelector("#hist:not([hidden]) rect.hist__bar");
    await page.selectOption("#play-window", "year");
    const years = (await barsOf(page)).filter((b) => b.count > 0);
    await page.click("#play-next");
    await page.waitForURL(new RegExp(`from=${years[0].from}&to=${years[0].to}`));
    await page.click("#play-next");
    await page.waitForURL(new RegExp(`from=${years[1].from}&to=${years[1].to}`));
    await page.click("#play-prev");
    await page.waitForURL(new RegExp(`from=${years[0].from}&to=${years[0].to}`));
    await waitLoaded(page);

    const shown = await playSteps(page, "year", years.length);
    // Play went on from the step shown; every year with incidents after it was drawn in turn.
    assert.deepEqual(shown.map((s) => s.from), years.slice(1).map((y) => y.from));
    for (const s of shown) {
      const n = Number(/: ([\d,]+) incidents? in view/.exec(s.text)?.[1].replaceAll(",", ""));
      assert.equal(n, await countFilter(intervalCQL(s.from, s.to)), `${s.text}: the map's count is the server's`);
    }
    assert.match(await page.textContent("#play-msg"), /Reached the last year|Showing/);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("table: sortable, linked to the map both ways", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/#map=4,30,55`);
    const status = await waitLoaded(page);
    const inView = Number(/([\d,]+) of/.exec(status)[1].replaceAll(",", ""));
    await page.click("#table-toggle");
    assert.equal(await page.getAttribute("#table-toggle", "aria-expanded"), "true");
    await page.waitForFunction(() => /^Rows/.test(document.getElementById("table-info").textContent));
    assert.equal(await page.locator("#table tbody tr").count(), Math.min(25, inView));
    assert.match(await page.textContent("#table-info"), new RegExp(`of ${inView.toLocaleString("en")} incidents in view`));
    // Newest first by default.
    const dates = await page.$$eval("#table tbody tr td:first-child", (ts) => ts.map((t) => t.textContent));
    assert.deepEqual(dates, [...dates].sort().reverse());
    assert.equal(await page.getAttribute('#table th[data-key="occurred_start"]', "aria-sort"), "descending");

    // Sort by fatalities, most first, then fewest first (unknown is null: the server puts it last).
    await page.click('#table button[data-key="fatalities"]');
    await page.waitForFunction(() => document.querySelector('#table th[data-key="fatalities"]').getAttribute("aria-sort") === "descending");
    await page.waitForFunction(() => /^Rows/.test(document.getElementById("table-info").textContent));
    const fat = await page.$$eval("#table tbody tr td:last-child", (ts) => ts.map((t) => t.textContent));
    const known = fat.filter((x) => x !== "unknown").map(Number);
    assert.ok(known.length > 0, `some fatalities are known: ${fat}`);
    assert.deepEqual(known, [...known].sort((a, b) => b - a), `fatalities, most first: ${fat}`);
    await page.click('#table button[data-key="fatalities"]');
    await page.waitForFunction(() => document.querySelector('#table th[data-key="fatalities"]').getAttribute("aria-sort") === "ascending");

    // Hover a row: the incident is ringed on the map. Click it: its detail opens and the row is marked.
    await page.click('#table button[data-key="occurred_start"]');
    await page.waitForFunction(() => /^Rows/.test(document.getElementById("table-info").textContent));
    const row = page.locator("#table tbody tr").first();
    const id = await row.getAttribute("data-id");
    await row.hover();
    await page.waitForSelector(".table-highlight", { state: "attached" });
    await row.click();
    await page.waitForURL(new RegExp(`id=${encodeURIComponent(id).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    await page.waitForSelector("#detail:not([hidden])");
    assert.equal(await row.getAttribute("aria-selected"), "true");
    // Keyboard: Enter on a focused row opens it too.
    const second = page.locator("#table tbody tr").nth(1);
    const id2 = await second.getAttribute("data-id");
    await second.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((x) => location.hash.includes(`id=${encodeURIComponent(x)}`), id2);

    // Hover a single marker on the map: its row is marked.
    await page.goto(`${BASE}/#map=11,34.53,69.17`);
    await waitLoaded(page);
    if (await page.isHidden("#table-panel")) await page.click("#table-toggle");
    await page.waitForFunction(() => /^Rows/.test(document.getElementById("table-info").textContent));
    const marker = page.locator(".leaflet-marker-icon.marker").first();
    await marker.hover();
    await page.waitForSelector("#table tbody tr.table__row--hover");
    assert.equal(await page.getAttribute("#table tbody tr.table__row--hover", "data-id") !== null, true);
    await page.screenshot({ path: join(SHOTS, "21-table.png") });
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("counts beside the filter options follow the other filters", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/#map=4,30,55`);
    await waitLoaded(page);
    await page.waitForFunction(() => /^Numbers beside/.test(document.getElementById("facets-msg").textContent), null, { timeout: 20000 });
    let counts = await eventCounts(page);
    for (const [type, n] of Object.entries(counts)) assert.equal(n, await countFilter(`event_type = '${type}'`), type);
    // A host country narrows the event type counts; ticking an event type leaves them (its own facet).
    await page.fill("#f-country", "AFG");
    await page.press("#f-country", "Enter");
    await page.waitForFunction(() => location.hash.includes("country=AFG"));
    await page.waitForFunction(
      (want) => {
        const l = [...document.querySelectorAll("#f-event label")].find((x) => x.querySelector("input").value === "Riots");
        return document.getElementById("facets-msg").textContent.startsWith("Numbers") && l?.querySelector(".facet")?.textContent === String(want);
      },
      await countFilter("event_type = 'Riots' AND country = 'AFG'"),
      { timeout: 20000 },
    );
    counts = await eventCounts(page);
    for (const [type, n] of Object.entries(counts)) assert.equal(n, await countFilter(`event_type = '${type}' AND country = 'AFG'`), type);
    // Ticking an event type leaves the event type counts as they are (their own choice is left out) …
    await page.evaluate(() => (document.getElementById("facets-msg").textContent = ""));
    await page.check('#f-event input[value="Riots"]');
    await page.waitForFunction(() => location.hash.includes("event=Riots"));
    await page.waitForFunction(() => document.getElementById("facets-msg").textContent.startsWith("Numbers"), null, { timeout: 20000 });
    assert.deepEqual(await eventCounts(page), counts, "event type counts under their own choice");
    // … and narrows the other facets: the target types count riots in AFG only.
    const targets = await page.$$eval("#f-target label", (ls) =>
      ls.map((l) => [l.querySelector("input").value, Number(l.querySelector(".facet").textContent.replaceAll(",", ""))]),
    );
    for (const [type, n] of targets) {
      assert.equal(n, await countFilter(`event_type = 'Riots' AND target_type = '${type}' AND country = 'AFG'`), type);
    }
    await page.evaluate(() => (document.getElementById("facets-msg").textContent = ""));
    await page.uncheck('#f-event input[value="Riots"]');
    await page.waitForFunction(() => !location.hash.includes("event=Riots"));
    await page.waitForFunction(() => document.getElementById("facets-msg").textContent.startsWith("Numbers"), null, { timeout: 20000 });
    // The province select lists its counts too.
    await page.waitForSelector("#f-province-box:not([hidden])");
    await page.waitForFunction(() => [...document.querySelectorAll("#f-province option")].some((o) => / · \d/.test(o.textContent)), null, { timeout: 20000 });
    const herat = await page.$eval('#f-province option[value="AF-HER"]', (o) => o.textContent);
    assert.match(herat, new RegExp(` · ${await countFilter("country = 'AFG' AND admin1_code = 'AF-HER'")}$`));
    // The commonest target countries are buttons that add to the field.
    await page.waitForSelector("#f-target-country-top .facets__value");
    const first = await page.getAttribute("#f-target-country-top .facets__value", "data-value");
    await page.click("#f-target-country-top .facets__value");
    await page.waitForFunction((c) => location.hash.includes(`target_country=${c}`), first);
    assert.equal(await page.inputValue("#f-target-country"), first);
    await page.screenshot({ path: join(SHOTS, "22-facets.png") });
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("share copies the link; the scale bar, heat legend, grid and countries modes show", async () => {
    const { page, rec, context } = await newPage(browser, { permissions: ["clipboard-read", "clipboard-write"] });
    await page.goto(`${BASE}/#map=5,33,60&country=AFG`);
    await waitLoaded(page);
    await page.click("#share");
    await page.waitForFunction(() => document.getElementById("share-msg").textContent === "Link copied.");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());

    assert.match(await page.textContent(".leaflet-control-scale-line"), /^\d+ (km|m)$/);

    assert.equal(await page.isHidden(".heat-legend"), true);
    await page.check("#f-heat");
    await page.waitForSelector(".heat-legend:not([hidden])");
    assert.match(await page.textContent("#heat-legend-max"), /^most: \d[\d,]* in one place$/);
    await page.uncheck("#f-heat");
    assert.equal(await page.isHidden(".heat-legend"), true);

    // Grid mode: squares from /bins whose counts add up to the incidents in view.
    let binsTotal = null;
    page.on("response", async (r) => {
      if (!r.url().includes("/collections/incidents/bins")) return;
      try {
        binsTotal = (await r.json()).features.reduce((a, f) => a + f.properties.count, 0);
      } catch {}
    });
    await page.check("#f-grid");
    await page.waitForFunction(() => location.hash.includes("grid=1"));
    await page.waitForSelector(".grid-mode-legend:not([hidden]) .legend__swatch");
    await page.waitForFunction(() => document.querySelectorAll(".leaflet-overlay-pane path").length > 0);
    assert.equal(await page.locator(".leaflet-marker-icon").count(), 0, "the markers give way to the grid");
    const status = await waitLoaded(page);
    assert.equal(binsTotal, Number(/([\d,]+) of/.exec(status)[1].replaceAll(",", "")));
    await page.screenshot({ path: join(SHOTS, "23-grid.png") });
    // The grid mode is in the link; reloading keeps it.
    await page.reload();
    await waitLoaded(page);
    await page.waitForSelector(".grid-mode-legend:not([hidden])");
    assert.equal(await page.isChecked("#f-grid"), true);
    await page.uncheck("#f-grid");
    await page.waitForSelector(".leaflet-marker-icon");

    // Countries shaded: one filled outline per host country with incidents, whatever the view.
    await page.goto(`${BASE}/#map=5,33,60`);
    await waitLoaded(page);
    await page.check("#f-choropleth");
    await page.waitForFunction(() => location.hash.includes("choropleth=1"));
    await page.waitForSelector(".choropleth-legend:not([hidden]) .legend__swatch", { timeout: 20000 });
    const hosts = (await api("/collections/incidents/aggregate?groupby=country")).buckets.filter((b) => b.key !== "");
    await page.waitForFunction(
      (n) => document.querySelectorAll('.leaflet-overlay-pane path[fill-opacity="0.8"]').length === n,
      hosts.length,
      { timeout: 20000 },
    );
    assert.equal(await page.locator(".leaflet-marker-icon").count(), 0, "the markers give way to the countries");
    assert.match(await page.textContent(".choropleth-legend"), /Incidents per country/);
    await page.screenshot({ path: join(SHOTS, "24-countries.png") });
    // The grid and the countries are one at a time.
    await page.check("#f-grid");
    await page.waitForFunction(() => location.hash.includes("grid=1") && !location.hash.includes("choropleth=1"));
    assert.equal(await page.isChecked("#f-choropleth"), false);
    assert.equal(await page.isHidden(".choropleth-legend"), true);
    await page.uncheck("#f-grid");
    await page.waitForSelector(".leaflet-marker-icon");
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("the map view exports as a PNG drawn without any request; print hides the panels", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/#map=5,33,60`);
    await waitLoaded(page);
    await page.waitForSelector(".leaflet-marker-icon");
    const size = await page.evaluate(() => {
      const r = document.getElementById("map").getBoundingClientRect();
      return { w: Math.round(r.width), h: Math.round(r.height) };
    });
    // The option counts load one after another once the map is drawn; let
    // them finish so that only what the export itself asks for is recorded
    // (a count that still starts is not the PNG's and is left out).
    await page.waitForLoadState("networkidle");
    const requests = [];
    page.on("request", (r) => {
      if (!r.url().includes("/collections/incidents/aggregate?")) requests.push(r.url());
    });
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-png")]);
    assert.match(download.suggestedFilename(), /^incidentmap-\d{4}-\d{2}-\d{2}\.png$/);
    const png = await readFile(await download.path());
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.equal(png.readUInt32BE(16), size.w, "width of the map");
    assert.equal(png.readUInt32BE(20), size.h + 96, "height of the map and the caption");
    assert.deepEqual(requests.filter((u) => !u.startsWith("blob:") && !u.startsWith("data:")), [], "no request while drawing");
    // The markers' colours are in the picture.
    const colours = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height - 96).data;
      const near = (r, g, b, i) => Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 24;
      let orange = 0;
      let outline = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (near(0xbf, 0x50, 0x00, i)) orange++;
        if (near(0x9a, 0xa7, 0xb1, i)) outline++;
      }
      return { orange, outline };
    }, png.toString("base64"));
    assert.ok(colours.orange > 20, `explosion markers drawn (${colours.orange} px)`);
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.isHidden("#filters"), true);
    assert.equal(await page.isVisible("#map"), true);
    assert.equal(await page.isHidden("#share"), true);
    await page.emulateMedia({ media: "screen" });
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("axe-core finds no serious or critical violations (map, table, timeline, phone)", async () => {
    const axe = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
    const check = async (page, what) => {
      await page.evaluate(axe); // the page's CSP allows no inline script; evaluate is not a script element
      const res = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ["violations"] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
      });
      const bad = res.filter((v) => v.impact === "serious" || v.impact === "critical");
      for (const v of res) console.log(`# NOTE axe (${what}): ${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(", ")}`);
      assert.deepEqual(bad, [], `${what}: serious or critical violations`);
    };
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/#map=5,33,60`);
    await waitLoaded(page);
    await page.waitForSelector("#hist:not([hidden]) rect.hist__bar");
    await page.click("#table-toggle");
    await page.waitForFunction(() => /^Rows/.test(document.getElementById("table-info").textContent));
    await page.waitForFunction(() => /^Numbers beside/.test(document.getElementById("facets-msg").textContent), null, { timeout: 20000 });
    await check(page, "desktop");
    await context.close();
    const phone = await newPage(browser, { viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
    await phone.page.goto(`${BASE}/#map=5,33,60`);
    await waitLoaded(phone.page);
    await check(phone.page, "phone");
    assert.deepEqual([...rec.errors, ...phone.rec.errors], []);
    await phone.context.close();
  });
});

describe("research tools on 100,000 incidents", { skip: !LARGE && "seed run" }, () => {
  let browser;
  before(async () => (browser = await launch()));
  after(async () => browser?.close());

  test("play by year shows every step, each with the server's count; the table pages", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(`${BASE}/#map=4,30,55`);
    await waitLoaded(page);
    await page.waitForSelector("#hist:not([hidden]) rect.hist__bar");
    await page.selectOption("#play-window", "year");
    const years = (await barsOf(page)).filter((b) => b.count > 0);
    const t0 = Date.now();
    const shown = await playSteps(page, "year", 3);
    const ms = Date.now() - t0;
    assert.deepEqual(shown.slice(0, 3).map((s) => s.from), years.slice(0, 3).map((y) => y.from), "no step skipped");
    for (const s of shown.slice(0, 3)) {
      const n = Number(/: ([\d,]+) incidents? in view/.exec(s.text)?.[1].replaceAll(",", ""));
      assert.equal(n, await countFilter(intervalCQL(s.from, s.to)), s.text);
    }
    console.log(`# MEASURE large: play by year showed ${shown.length} steps in ${ms} ms (${shown.map((s) => s.text).join(" | ")})`);

    await page.goto(`${BASE}/#map=4,30,55`);
    await waitLoaded(page);
    await page.click("#table-toggle");
    await page.waitForFunction(() => /^Rows 1–25 of/.test(document.getElementById("table-info").textContent), null, { timeout: 30000 });
    const page1 = await page.$$eval("#table tbody tr", (rs) => rs.map((r) => r.dataset.id));
    await page.click("#table-next");
    await page.waitForFunction(() => /^Rows 26–50 of/.test(document.getElementById("table-info").textContent), null, { timeout: 30000 });
    const page2 = await page.$$eval("#table tbody tr", (rs) => rs.map((r) => r.dataset.id));
    assert.equal(page2.length, 25);
    assert.equal(page1.filter((id) => page2.includes(id)).length, 0, "the second page holds other incidents");
    await page.click("#table-prev");
    await page.waitForFunction(() => /^Rows 1–25 of/.test(document.getElementById("table-info").textContent), null, { timeout: 30000 });
    assert.deepEqual(await page.$$eval("#table tbody tr", (rs) => rs.map((r) => r.dataset.id)), page1);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });
});
