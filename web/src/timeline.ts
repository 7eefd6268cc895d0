/**
 * The timeline under the date inputs: incidents per day, week, month or
 * year of the filter without its dates (from /aggregate?groupby=month, or
 * groupby=day for days and weeks where the server counts days) as SVG bars over a labelled
 * time axis; dragging across bars is a brush that sets the date range, a
 * click outside it clears it. Play steps the date range one span at a
 * time and waits until the map has drawn each step before it moves on, so
 * every step is shown however slow the server; the step buttons do the
 * same by hand. Built with DOM calls only.
 */
import { getJSON, LoadError, NotOK } from "./api";
import { aggregateURL, type FilterState } from "./query";
import {
  brushRange,
  daysFrom,
  nextStep,
  prevStep,
  selectedSpans,
  spanLabel,
  spansOf,
  ticks,
  UNITS,
  type Span,
  type Unit,
} from "./timeaxis";

const SVG = "http://www.w3.org/2000/svg";
const W = 300;
const H = 56;
/** Pixels a pointer must move before a press is a drag rather than a click. */
const DRAG_PX = 3;
/** Least time from one play step to the next. */
export const PLAY_DWELL_MS = 700;
/** Least time a play step stays on screen after it was drawn. */
export const PLAY_MIN_SHOW_MS = 400;
const MAX_TICKS = 5;

/** What the timeline needs from the page. */
export interface TimelineHost {
  /** The current filter. */
  filter(): FilterState;
  /** setDates sets the date range of the filter and reloads the map; push records a history entry. */
  setDates(from: string, to: string, push: boolean): void;
  /**
   * nextDraw resolves with the number of incidents the map shows once the
   * next load of the map has been drawn, or null when it failed.
   */
  nextDraw(): Promise<number | null>;
  /** setNote shows a line under the timeline (isError in red). */
  setNote(text: string, isError?: boolean): void;
}

function svgEl<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

const PER: Record<Unit, string> = { day: "day", week: "week", month: "month", year: "year" };

/** Timeline owns #hist and everything in it. */
export class Timeline {
  private days = new Map<string, number>();
  /** What days holds: counts per day, or per month (on the month's first day). */
  private loaded: "day" | "month" = "month";
  /** True when the server has no day counts (an older server): months and years only. */
  private noDays = false;
  private unit: Unit = "month";
  private spans: Span[] = [];
  private readonly root = byId("hist");
  private readonly svg: SVGSVGElement;
  private readonly brush: SVGRectElement;
  private bars: SVGRectElement[] = [];
  private span: [number, number] | null = null;
  private drag: { x: number; i: number; moved: boolean } | null = null;
  private url = "";
  private abort: AbortController | null = null;
  private playToken = 0;
  private readonly playButton = byId<HTMLButtonElement>("play");
  private readonly unitSelect = byId<HTMLSelectElement>("play-window");

  constructor(private readonly host: TimelineHost) {
    this.svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img" });
    this.brush = svgEl("rect", { class: "hist__brush", x: 0, y: 0, width: 0, height: H, "pointer-events": "none" });
    byId("hist-chart").replaceChildren(this.svg);
    this.svg.addEventListener("pointerdown", (e) => this.down(e));
    this.svg.addEventListener("pointermove", (e) => this.move(e));
    this.svg.addEventListener("pointerup", (e) => this.up(e));
    this.svg.addEventListener("pointercancel", () => {
      this.drag = null;
      this.showSpan(this.span);
    });
    const u = this.unitSelect.value as Unit;
    if (UNITS.includes(u)) this.unit = u;
    this.unitSelect.addEventListener("change", () => this.setUnit(this.unitSelect.value as Unit));
    this.playButton.addEventListener("click", () => (this.playing() ? this.stop() : void this.play()));
    byId("play-prev").addEventListener("click", () => this.step(-1));
    byId("play-next").addEventListener("click", () => this.step(1));
  }

  /** update follows the filter: reloads the counts when the filter without dates changed, shows the range. */
  update(): void {
    const f = this.host.filter();
    this.setRange(f.from, f.to);
    void this.load();
  }

  playing(): boolean {
    return this.playToken > 0;
  }

  /** stop pauses play; the current range stays. */
  stop(note = ""): void {
    if (!this.playing()) return;
    this.playToken = 0;
    this.playButton.textContent = "Play";
    this.playButton.setAttribute("aria-pressed", "false");
    byId("play-msg").textContent = note;
  }

  private setUnit(unit: Unit): void {
    if (!UNITS.includes(unit)) return;
    this.unit = unit;
    // Days and weeks need counts per day; months and years are drawn from either.
    if (this.group() === "day" && this.loaded !== "day") void this.load();
    else this.render();
  }

  /**
   * group is what to ask the server for: days only for the day and week
   * units, as counting days costs the server more (about twice a month
   * count over a million incidents).
   */
  private group(): "day" | "month" {
    return (this.unit === "day" || this.unit === "week") && !this.noDays ? "day" : "month";
  }

  private async load(): Promise<void> {
    const f = this.host.filter();
    const url = aggregateURL(f, this.group());
    if (url === this.url) return;
    this.url = url;
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    try {
      let body: unknown;
      try {
        body = await getJSON(url, "the incidents over time", ctl.signal);
      } catch (err) {
        // A server without day counts: use its months, and offer months and years only.
        if (!(err instanceof NotOK && err.status === 400 && this.group() === "day")) throw err;
        this.noDays = true;
        this.url = aggregateURL(f, "month");
        body = await getJSON(this.url, "the incidents over time", ctl.signal);
      }
      if (ctl.signal.aborted) return;
      const group = (body as { groupby?: unknown } | null)?.groupby === "day" ? "day" : "month";
      if (group === "month" && this.group() === "day") this.noDays = true; // asked for days, got months
      const days = daysFrom(body);
      if (!days) throw new LoadError("The server sent counts in an unknown form.");
      this.days = days;
      this.loaded = group;
      for (const o of this.unitSelect.options) o.disabled = this.noDays && (o.value === "day" || o.value === "week");
      if (this.noDays && (this.unit === "day" || this.unit === "week")) {
        this.unit = "month";
        this.unitSelect.value = "month";
      }
      this.render();
      this.root.hidden = this.spans.length === 0;
      this.host.setNote(this.spans.length === 0 ? "No incidents to chart over time." : "");
    } catch (err) {
      if (ctl.signal.aborted) return;
      this.stop();
      this.root.hidden = true;
      if (err instanceof NotOK && err.status === 404) {
        this.host.setNote("Incidents over time are not available on this server (no aggregate endpoint).");
      } else {
        this.url = ""; // try again on the next change
        this.host.setNote(`Incidents over time: ${err instanceof LoadError ? err.message : "could not be loaded."}`, true);
      }
    }
  }

  /** setRange shows the date range from..to ("" for open) as the brush. */
  private setRange(from: string, to: string): void {
    this.span = selectedSpans(this.spans, from, to);
    if (!this.drag) this.showSpan(this.span);
  }

  private render(): void {
    const spans = spansOf(this.days, this.unit);
    this.spans = spans;
    const n = Math.max(1, spans.length);
    let max = 1;
    let total = 0;
    for (const s of spans) {
      max = Math.max(max, s.count);
      total += s.count;
    }
    const w = W / n;
    const bg = svgEl("rect", { x: 0, y: 0, width: W, height: H, fill: "none", "pointer-events": "all" });
    this.bars = spans.map((s, i) => {
      const h = s.count === 0 ? 0 : Math.max(2, (s.count / max) * (H - 2));
      const r = svgEl("rect", {
        class: "hist__bar",
        x: i * w + (w > 3 ? 0.5 : 0),
        y: H - h,
        width: Math.max(0.5, w - (w > 3 ? 1 : 0)),
        height: h,
        "data-from": s.from,
        "data-to": s.to,
        "data-count": s.count,
      });
      const t = svgEl("title", {});
      t.textContent = `${spanLabel(s, this.unit)}: ${s.count.toLocaleString("en")} incident${s.count === 1 ? "" : "s"}`;
      r.append(t);
      return r;
    });
    this.svg.replaceChildren(bg, ...this.bars, this.brush);
    const first = spans[0];
    const last = spans[spans.length - 1];
    const per = PER[this.unit];
    this.svg.setAttribute(
      "aria-label",
      first && last
        ? `Incidents per ${per} from ${first.from} to ${last.to}, ${total.toLocaleString("en")} in all, at most ${max.toLocaleString("en")} in one ${per}; drag across the bars to choose a date range, or use the date inputs.`
        : "No incidents over time.",
    );
    byId("hist-unit").textContent = per;
    byId("hist-peak").textContent = first ? `${max.toLocaleString("en")} per ${per} at most` : "";
    const axis = byId("hist-axis");
    axis.replaceChildren(
      ...(first && last ? ticks(first.from, last.to, MAX_TICKS) : []).map((t) => {
        const e = document.createElement("span");
        e.className = "hist__tick";
        e.textContent = t.label;
        e.style.left = `${(t.at * 100).toFixed(2)}%`; // CSSOM, allowed by the CSP
        return e;
      }),
    );
    const f = this.host.filter();
    this.setRange(f.from, f.to);
  }

  private showSpan(span: [number, number] | null): void {
    const w = W / Math.max(1, this.spans.length);
    this.bars.forEach((b, i) => b.classList.toggle("hist__bar--in", span !== null && i >= span[0] && i <= span[1]));
    if (!span) {
      this.brush.setAttribute("width", "0");
      this.brush.setAttribute("visibility", "hidden");
      return;
    }
    this.brush.setAttribute("visibility", "visible");
    this.brush.setAttribute("x", String(span[0] * w));
    this.brush.setAttribute("width", String((span[1] - span[0] + 1) * w));
  }

  private index(e: PointerEvent): number {
    const r = this.svg.getBoundingClientRect();
    const n = this.spans.length;
    const i = Math.floor(((e.clientX - r.left) / Math.max(1, r.width)) * n);
    return Math.max(0, Math.min(n - 1, i));
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 || this.spans.length === 0) return;
    e.preventDefault();
    this.svg.setPointerCapture(e.pointerId);
    this.drag = { x: e.clientX, i: this.index(e), moved: false };
  }

  private move(e: PointerEvent): void {
    if (!this.drag) return;
    if (Math.abs(e.clientX - this.drag.x) >= DRAG_PX) this.drag.moved = true;
    if (this.drag.moved) {
      const j = this.index(e);
      this.showSpan([Math.min(this.drag.i, j), Math.max(this.drag.i, j)]);
    }
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = null;
    if (!d) return;
    const j = this.index(e);
    if (d.moved) {
      this.stop();
      const r = brushRange(this.spans, d.i, j);
      if (r) this.host.setDates(r.from, r.to, true);
      return;
    }
    // A click: outside the selection clears it, inside keeps it.
    if (this.span && (j < this.span[0] || j > this.span[1])) {
      this.stop();
      this.host.setDates("", "", true);
    } else this.showSpan(this.span);
  }

  /** step shows the span with incidents before (-1) or after (1) the current one. */
  private step(dir: -1 | 1): void {
    this.stop();
    const f = this.host.filter();
    const s = dir > 0 ? nextStep(this.spans, f.from, f.to) : prevStep(this.spans, f.from, f.to);
    if (!s) {
      byId("play-msg").textContent = dir > 0 ? `No ${PER[this.unit]} with incidents after this one.` : `No ${PER[this.unit]} with incidents before this one.`;
      return;
    }
    this.host.setDates(s.from, s.to, true);
    byId("play-msg").textContent = `Showing ${spanLabel(s, this.unit)} (${s.from} to ${s.to}).`;
  }

  /**
   * play steps through the spans with incidents, one at a time: it sets
   * the range, waits for the map to draw it, keeps it on screen for at
   * least PLAY_DWELL_MS and moves on. One history entry for the whole run.
   */
  private async play(): Promise<void> {
    if (this.spans.length === 0) return;
    const token = Date.now();
    this.playToken = token;
    this.playButton.textContent = "Pause";
    this.playButton.setAttribute("aria-pressed", "true");
    const msg = byId("play-msg");
    let f = this.host.filter();
    // At the end (or on a range that is no step), start over from the first.
    if (!nextStep(this.spans, f.from, f.to)) this.host.setDates("", "", false);
    let first = true;
    for (let guard = 0; guard < this.spans.length + 1; guard++) {
      f = this.host.filter();
      const s = nextStep(this.spans, f.from, f.to);
      if (!s) {
        this.stop(`Reached the last ${PER[this.unit]}.`);
        return;
      }
      const t0 = performance.now();
      const drawn = this.host.nextDraw();
      this.host.setDates(s.from, s.to, first);
      first = false;
      msg.textContent = `Loading ${spanLabel(s, this.unit)}…`;
      const n = await drawn;
      if (this.playToken !== token) return;
      if (n === null) {
        this.stop(`Stopped: the map could not load ${spanLabel(s, this.unit)}.`);
        return;
      }
      msg.textContent = `Showing ${spanLabel(s, this.unit)}: ${n.toLocaleString("en")} incident${n === 1 ? "" : "s"} in view.`;
      // However long the load took, the drawn step stays on screen for a while.
      const wait = Math.max(PLAY_MIN_SHOW_MS, PLAY_DWELL_MS - (performance.now() - t0));
      await new Promise((r) => setTimeout(r, wait));
      if (this.playToken !== token) return;
    }
  }
}
