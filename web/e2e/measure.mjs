// Measures the map against the targets of issue 12 in Debian's Chromium
// (playwright-core), on whatever the server at E2E_BASE_URL holds — the
// seeds or a million incidents loaded with scripts/benchload (see
// scripts/browser-measure.sh, which starts the server and runs this):
//   - first view with true totals: from navigation to the status line
//     saying "N of N incidents in view" with N the server's count;
//   - first markers on screen and the bytes received until then;
//   - redraw after a pan and after a zoom: from the pointer's release (or
//     the wheel) to the frame that shows the new view's markers (the status
//     line reports the finished load, then the browser renders that frame:
//     requestAnimationFrame and a task after it), and when its request went
//     out (the page asks for the view an animation ends on as the animation
//     starts) and when Leaflet's zoom animation ended;
//   - frames per second while panning;
//   - the JS heap after all of it plus the table, the grid mode and a few
//     play steps.
// Not a test (node --test does not pick it up): it prints MEASURE lines
// and the targets beside them, and exits 0 unless something failed to load.
import { BASE, countFilter, dragFrames, launch, newPage, waitLoaded } from "./lib.mjs";

const RUNS = Number(process.env.MEASURE_RUNS || 3);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function line(name, value, target) {
  console.log(`MEASURE ${name}: ${value}${target ? `   (target ${target})` : ""}`);
}

/** armDrawn starts watching for the next finished load; drawnAt waits for it and returns its time (page clock). */
async function armDrawn(page) {
  await page.evaluate(() => {
    const w = window;
    w.__drawnAt = null;
    w.__loading = false;
    const status = document.getElementById("status");
    const spinner = document.getElementById("spinner");
    // Drawn: the status line said "Loading" since arming, and now reports a finished load.
    const check = () => {
      if (/^Loading/.test(status.textContent)) w.__loading = true;
      else if (w.__loading && w.__statusAt === null && /incidents in view|No incidents/.test(status.textContent) && spinner.hidden) {
        w.__statusAt = performance.now();
        // Drawn on screen: the next frame's rendering done, i.e. the first task
        // after its animation frame (user-blocking, so that timers queued
        // earlier, such as Leaflet's end of the zoom animation, do not count).
        const after = (f) => (window.scheduler?.postTask ? scheduler.postTask(f, { priority: "user-blocking" }) : setTimeout(f, 0));
        requestAnimationFrame(() => after(() => (w.__drawnAt = performance.now())));
      }
    };
    w.__statusAt = null;
    w.__obs?.disconnect();
    w.__obs = new MutationObserver(check);
    w.__obs.observe(status, { childList: true, characterData: true, subtree: true });
    w.__obs.observe(spinner, { attributes: true });
    // When Leaflet's zoom animation ends (its class leaves the map pane).
    const pane = document.querySelector(".leaflet-map-pane");
    w.__animEnd = null;
    w.__anim?.disconnect();
    w.__anim = new MutationObserver(() => {
      if (pane.classList.contains("leaflet-zoom-anim")) w.__animating = true;
      else if (w.__animating && w.__animEnd === null) w.__animEnd = performance.now();
    });
    w.__animating = false;
    w.__anim.observe(pane, { attributes: true, attributeFilter: ["class"] });
  });
}

async function drawnAt(page) {
  await page.waitForFunction(() => window.__drawnAt !== null, null, { timeout: 60000 });
  return page.evaluate(() => {
    const w = window;
    // The last clusters request: when it went out.
    const rs = performance.getEntriesByType("resource").filter((e) => e.name.includes("/collections/incidents/clusters?"));
    const last = rs[rs.length - 1];
    return { at: w.__drawnAt, status: w.__statusAt, animEnd: w.__animEnd, requestStart: last ? last.startTime : null };
  });
}

const browser = await launch();
try {
  const total = await countFilter("");
  const all = total.toLocaleString("en");
  console.log(`# ${BASE}: ${all} incidents; ${RUNS} runs each; load average ${(await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" ")}`);

  // First view with true totals, and first markers, from a fresh context each run (cold cache).
  const first = [];
  const markers = [];
  const bytes = [];
  const reqs = [];
  for (let i = 0; i < RUNS; i++) {
    const { page, rec, context } = await newPage(browser);
    const sent = [];
    page.on("request", (r) => sent.push(new URL(r.url()).pathname));
    const t0 = Date.now();
    await page.goto(BASE + "/");
    await page.waitForSelector(".leaflet-marker-icon", { timeout: 60000 });
    markers.push(Date.now() - t0);
    bytes.push(rec.bytes);
    await page.waitForFunction((n) => document.getElementById("status").textContent.includes(`${n} of ${n} incidents in view`), all, { timeout: 60000 });
    first.push(Date.now() - t0);
    const api = sent.filter((p) => p.startsWith("/collections") || p.endsWith(".json"));
    reqs.push(`${api.length} API requests (${api.filter((p) => p.endsWith("/clusters")).length} clusters)`);
    if (rec.errors.length) throw new Error(rec.errors.join("\n"));
    await context.close();
  }
  line("first markers on screen (ms, median of runs)", `${median(markers)} [${markers.join(", ")}]`, "< 1,000 at the seeds");
  line("bytes received until the first markers (median)", `${median(bytes)} [${bytes.join(", ")}]`, "< 400 KB at the seeds");
  line("first view with true totals (ms, median)", `${median(first)} [${first.join(", ")}]`, "< 1,500 at 1M");
  line("requests before the true totals (each run)", reqs.join("; "));

  // Redraw after pans and zooms.
  const { page, context } = await newPage(browser);
  const cdp = await context.newCDPSession(page);
  await page.goto(`${BASE}/#map=5,33,55`);
  await waitLoaded(page, /incidents in view|No incidents/);
  await page.waitForTimeout(1000);
  const box = await page.locator("#map").boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const pans = [];
  const pansOut = [];
  const pansNet = [];
  const moves = [[-220, -60], [220, 60], [-160, 100], [160, -100], [-120, 0]].slice(0, Math.max(RUNS, 3));
  for (const [dx, dy] of moves) {
    await armDrawn(page);
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + dx, cy + dy, { steps: 8 });
    const up = await page.evaluate(() => performance.now());
    await page.mouse.up();
    const d = await drawnAt(page);
    pans.push(Math.round(d.at - up));
    if (d.requestStart !== null && d.requestStart > up) {
      pansOut.push(Math.round(d.requestStart - up));
      pansNet.push(Math.round(d.at - d.requestStart));
    }
    await page.waitForTimeout(300);
  }
  line("redraw after a pan, pointer up to the frame drawn (ms, median)", `${median(pans)} [${pans.join(", ")}]`, "< 300 at 1M");
  line("  pointer up to the request sent (ms, median)", `${median(pansOut)} [${pansOut.join(", ")}]`);
  line("  request sent to drawn (ms, median)", `${median(pansNet)} [${pansNet.join(", ")}]`);
  const zooms = [];
  const zoomsOut = [];
  const zoomsNet = [];
  const zoomsStatus = [];
  const zoomsAnim = [];
  for (const dir of [-1, 1, -1, 1].slice(0, Math.max(RUNS, 2))) {
    await armDrawn(page);
    await page.mouse.move(cx, cy);
    const t = await page.evaluate(() => performance.now());
    await page.mouse.wheel(0, dir * 120);
    const d = await drawnAt(page);
    zooms.push(Math.round(d.at - t));
    zoomsStatus.push(Math.round(d.status - t));
    if (d.animEnd !== null) zoomsAnim.push(Math.round(d.animEnd - t));
    if (d.requestStart !== null && d.requestStart > t) {
      zoomsOut.push(Math.round(d.requestStart - t));
      zoomsNet.push(Math.round(d.at - d.requestStart));
    }
    await page.waitForTimeout(300);
  }
  line("redraw after a zoom, wheel to the frame drawn (ms, median)", `${median(zooms)} [${zooms.join(", ")}]`, "< 300 at 1M");
  line("  wheel to the request sent (ms, median)", `${median(zoomsOut)} [${zoomsOut.join(", ")}]`);
  line("  request sent to drawn (ms, median)", `${median(zoomsNet)} [${zoomsNet.join(", ")}]`);
  line("  wheel to the status line's total (ms, median; the frame follows)", `${median(zoomsStatus)} [${zoomsStatus.join(", ")}]`);
  line("  wheel to the end of Leaflet's zoom animation (ms, median)", `${median(zoomsAnim)} [${zoomsAnim.join(", ")}]`);

  // Frames per second while dragging for about two seconds.
  await page.goto(`${BASE}/#map=4,30,55`);
  await waitLoaded(page, /incidents in view|No incidents/);
  const fps = await dragFrames(page, cx, cy);
  line("frames per second while panning", fps.toFixed(1), "≥ 50 at 1M");

  // JS heap after the research tools have been used.
  await waitLoaded(page, /incidents in view|No incidents/);
  await page.click("#table-toggle");
  await page.waitForFunction(() => /^Rows|No incidents/.test(document.getElementById("table-info").textContent), null, { timeout: 60000 });
  await page.check("#f-grid");
  await page.waitForFunction(() => document.querySelectorAll(".leaflet-overlay-pane path").length > 0, null, { timeout: 60000 });
  await page.uncheck("#f-grid");
  await page.selectOption("#play-window", "year");
  await page.click("#play");
  await page.waitForFunction(() => (document.getElementById("play-msg").textContent.match(/Showing/g) || []).length > 0, null, { timeout: 60000 });
  await page.waitForTimeout(3000);
  if ((await page.textContent("#play")) === "Pause") await page.click("#play");
  await cdp.send("HeapProfiler.collectGarbage");
  const heap = await cdp.send("Runtime.getHeapUsage");
  line("JS heap used after pans, zooms, table, grid and play (MB)", (heap.usedSize / 1e6).toFixed(1), "< 150 at 1M");
  await context.close();
} finally {
  await browser.close();
}
