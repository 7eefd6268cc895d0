// Browser tests of the map's bugs and accessibility (issue 12): the heat
// map switched on and off, markers and clusters used by keyboard alone
// with names in words, the selected incident ringed and kept in view,
// contrast of marker colours and focus rings computed in the page, and
// the phone layout (the legend never over a sheet, taps reach the
// sheet). Run by scripts/browser-test.sh on the seeds.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BASE, SHOTS, launch, newPage, waitLoaded } from "./lib.mjs";

const LARGE = process.env.E2E_MODE === "large";
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true };

/** tabTo presses Tab (at most 400 times) until the focused element matches selector; returns its aria-label. */
async function tabTo(page, selector) {
  for (let i = 0; i < 400; i++) {
    await page.keyboard.press("Tab");
    const hit = await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector);
    if (hit) return page.evaluate(() => document.activeElement.getAttribute("aria-label"));
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** contrastIn computes WCAG contrast ratios in the page: each of colours against each of backgrounds. */
function contrastIn(page, colours, backgrounds) {
  return page.evaluate(
    ([colours, backgrounds]) => {
      const rgb = (c) => {
        const probe = document.createElement("span");
        probe.style.color = c;
        document.body.append(probe);
        const m = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g).map(Number);
        probe.remove();
        return m.slice(0, 3);
      };
      const lum = (c) => {
        const [r, g, b] = rgb(c).map((v) => {
          const s = v / 255;
          return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const out = [];
      for (const c of colours) {
        for (const b of backgrounds) {
          const [hi, lo] = [lum(c), lum(b)].sort((x, y) => y - x);
          out.push({ colour: c, background: b, ratio: (hi + 0.05) / (lo + 0.05) });
        }
      }
      return out;
    },
    [colours, backgrounds],
  );
}

/** rectOf is an element's client rect, or null when it is not displayed. */
function rectOf(page, selector) {
  return page.evaluate((sel) => {
    const e = document.querySelector(sel);
    if (!e || e.offsetParent === null) return null;
    const r = e.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  }, selector);
}

const intersects = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

describe("bugs and accessibility", { skip: LARGE && "large-data run" }, () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => browser?.close());

  test("the heat map on, then off, leaves later loads working", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.goto(BASE + "/");
    await waitLoaded(page);
    const before = await page.locator(".leaflet-marker-icon").count();
    await page.check("#f-heat");
    await page.waitForSelector("canvas.leaflet-heatmap-layer");
    await page.uncheck("#f-heat");
    // Loads after the switch: a filter, then a pan.
    await page.fill("#f-country", "AFG");
    await page.press("#f-country", "Enter");
    assert.match(await waitLoaded(page, /incidents in view|No incidents|Could not/), /incidents in view/);
    await page.fill("#f-country", "");
    await page.press("#f-country", "Enter");
    assert.match(await waitLoaded(page, /incidents in view|No incidents|Could not/), /incidents in view/);
    await page.keyboard.press("Escape");
    await page.focus("#map");
    await page.keyboard.press("ArrowRight");
    await page.waitForTimeout(400);
    assert.match(await waitLoaded(page, /incidents in view|No incidents|Could not/), /incidents in view|No incidents/);
    assert.equal(await page.locator(".leaflet-marker-icon").count() > 0 || before === 0, true, "markers are back");
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("keyboard only: a marker is a named button; Enter opens it, ringed and in view; Escape closes", async () => {
    const { page, rec, context } = await newPage(browser);
    // Kabul near the right edge: the detail panel would push it out of view.
    await page.goto(BASE + "/#map=6,34.5,61.0");
    await waitLoaded(page);
    const name = await tabTo(page, ".leaflet-marker-icon.marker");
    assert.ok(name && name.length > 3, `the marker has an accessible name: ${name}`);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute("role")), "button");
    // The focus ring: visible, at least 2 px, at least 3:1 against the basemap.
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor };
    });
    assert.notEqual(ring.style, "none");
    assert.ok(ring.width >= 2, `outline ${ring.width}px`);
    const land = await page.getAttribute("#map", "data-basemap-land");
    const sea = await page.getAttribute("#map", "data-basemap-sea");
    for (const r of await contrastIn(page, [ring.colour], [land, sea])) {
      assert.ok(r.ratio >= 3, `focus ring ${r.colour} on ${r.background}: ${r.ratio.toFixed(2)}:1`);
    }
    // Walk to the Kabul marker, the one near the right edge.
    let label = name;
    for (let i = 0; i < 40 && !/Kabul/i.test(label ?? ""); i++) label = await tabTo(page, ".leaflet-marker-icon.marker");
    assert.match(label, /Kabul/i);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#detail:not([hidden]) .detail__title");
    await page.waitForSelector(".selection-ring");
    const map = await rectOf(page, "#map");
    const sel = await rectOf(page, ".selection-ring");
    assert.ok(sel.left >= map.left && sel.right <= map.right && sel.top >= map.top && sel.bottom <= map.bottom,
      `the selected incident stays in view: ring ${JSON.stringify(sel)}, map ${JSON.stringify(map)}`);
    await page.screenshot({ path: join(SHOTS, "a11y-01-keyboard-selected.png") });
    await page.keyboard.press("Escape");
    await page.waitForSelector("#detail", { state: "hidden" });
    assert.equal(await page.locator(".selection-ring").count(), 0, "the ring goes with the details");
    // Space works too.
    await tabTo(page, ".leaflet-marker-icon.marker");
    await page.keyboard.press(" ");
    await page.waitForSelector("#detail:not([hidden]) .detail__title");
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("keyboard only: a cluster is named by its mix and Space zooms into it", async () => {
    const { page, rec, context } = await newPage(browser);
    await page.route("**/collections/incidents/clusters?*", (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/geo+json",
        body: JSON.stringify({
          type: "FeatureCollection",
          numberMatched: 7,
          features: [
            {
              type: "Feature",
              id: "c1",
              geometry: { type: "Point", coordinates: [69.17, 34.53] },
              properties: {
                cluster: true,
                count: 7,
                event_types: { "Explosions/Remote violence": 5, "Strategic developments": 2 },
                bbox: [69.1, 34.5, 69.2, 34.6],
                expansion_zoom: 9,
              },
            },
          ],
        }),
      }),
    );
    await page.goto(BASE + "/#map=5,34.5,69.1");
    await waitLoaded(page);
    const name = await tabTo(page, ".leaflet-marker-icon.cluster");
    assert.equal(name, "7 incidents: 5 explosions, 2 strategic developments");
    await page.keyboard.press(" ");
    await page.waitForFunction(() => /map=9,/.test(decodeURIComponent(location.hash)), null, { timeout: 10000 });
    await waitLoaded(page);
    // The redraw took the focused cluster away: focus is on the map, and
    // the next Tab reaches the new markers, not the top of the page.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "map");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), name);
    assert.deepEqual(rec.errors, []);
    await context.close();
  });

  test("marker colours have at least 3:1 contrast against the basemap, computed in the page", async () => {
    const { page, context } = await newPage(browser);
    await page.goto(BASE + "/");
    await waitLoaded(page);
    await page.waitForSelector(".basemap-builtin canvas.leaflet-tile-loaded", { timeout: 30000 });
    const colours = await page.evaluate(() => [
      ...new Set([...document.querySelectorAll(".marker__dot, .legend__swatch")].map((e) => getComputedStyle(e).backgroundColor)),
    ]);
    assert.ok(colours.length >= 7, `the legend's seven colours and the markers': ${colours}`);
    const land = await page.getAttribute("#map", "data-basemap-land");
    const sea = await page.getAttribute("#map", "data-basemap-sea");
    const ratios = await contrastIn(page, colours, [land, sea]);
    const worst = ratios.reduce((a, b) => (a.ratio < b.ratio ? a : b));
    for (const r of ratios) assert.ok(r.ratio >= 3, `${r.colour} on ${r.background}: ${r.ratio.toFixed(2)}:1`);
    // The header bar's focus ring against the bar.
    await page.focus("#filters-toggle");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    const bar = await page.evaluate(() => ({
      ring: getComputedStyle(document.activeElement).outlineColor,
      bg: getComputedStyle(document.querySelector(".bar")).backgroundColor,
      id: document.activeElement.id,
    }));
    assert.equal(bar.id, "filters-toggle");
    const [barRatio] = await contrastIn(page, [bar.ring], [bar.bg]);
    assert.ok(barRatio.ratio >= 3, `focus ring on the header bar: ${barRatio.ratio.toFixed(2)}:1`);
    console.log(`# MEASURE lowest marker colour contrast: ${worst.ratio.toFixed(2)}:1 (${worst.colour} on ${worst.background}); header focus ring ${barRatio.ratio.toFixed(2)}:1`);
    await context.close();
  });

  test("on a phone the legend never covers a sheet and taps reach the sheet", async () => {
    const { page, rec, context } = await newPage(browser, PHONE);
    await page.goto(BASE + "/");
    await waitLoaded(page);
    assert.ok(await rectOf(page, ".legend"), "the legend shows while no sheet is open");
    await page.tap("#filters-toggle");
    await page.waitForSelector("#filters:not([hidden])");
    const sheet = await rectOf(page, "#filters");
    const legend = await rectOf(page, ".legend");
    assert.ok(!legend || !intersects(legend, sheet), `legend ${JSON.stringify(legend)} over the sheet ${JSON.stringify(sheet)}`);
    // Every point of the sheet answers as the sheet (nothing lies over it).
    const missed = await page.evaluate((r) => {
      const out = [];
      for (let x = r.left + 5; x < r.right; x += 40) {
        for (let y = r.top + 5; y < r.bottom; y += 40) {
          const e = document.elementFromPoint(x, y);
          if (!e?.closest("#filters")) out.push(`${Math.round(x)},${Math.round(y)}: ${e?.className}`);
        }
      }
      return out;
    }, sheet);
    assert.deepEqual(missed, []);
    await page.screenshot({ path: join(SHOTS, "a11y-02-phone-filters.png") });
    await page.tap("#filters-toggle");
    await page.waitForSelector("#filters", { state: "hidden" });
    assert.ok(await rectOf(page, ".legend"), "the legend is back once the sheet closes");
    // The detail sheet: the selected incident stays above it.
    // Markers overlap at this zoom: tap where one is, whichever is on top.
    await page.locator(".leaflet-marker-icon.marker").first().tap({ force: true });
    await page.waitForSelector("#detail:not([hidden]) .detail__title");
    await page.waitForSelector(".selection-ring");
    const detail = await rectOf(page, "#detail");
    const ring = await rectOf(page, ".selection-ring");
    assert.ok(ring.bottom <= detail.top, `the selected incident (${JSON.stringify(ring)}) is above the sheet (top ${detail.top})`);
    assert.equal(await rectOf(page, ".legend"), null, "the legend hides under an open detail sheet");
    await page.screenshot({ path: join(SHOTS, "a11y-03-phone-detail.png") });
    assert.deepEqual(rec.errors, []);
    await context.close();
  });
});
