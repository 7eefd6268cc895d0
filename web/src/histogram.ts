/**
 * The month histogram under the date inputs: one SVG bar per month, and a
 * brush. Dragging across bars calls onBrush with the whole months covered;
 * a click outside the current selection calls onBrush(null). The date
 * inputs stay the keyboard way to set the range. Built with DOM calls only.
 */
import { brushRange, selectedBars, type Bucket } from "./months";

const SVG = "http://www.w3.org/2000/svg";
const W = 300;
const H = 56;
/** Pixels a pointer must move before a press is a drag rather than a click. */
const DRAG_PX = 3;

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

export class Histogram {
  private buckets: Bucket[] = [];
  private keys: string[] = [];
  private readonly svg: SVGSVGElement;
  private readonly brush: SVGRectElement;
  private bars: SVGRectElement[] = [];
  private span: [number, number] | null = null;
  private drag: { x: number; i: number; moved: boolean } | null = null;

  constructor(
    container: HTMLElement,
    private readonly onBrush: (range: { from: string; to: string } | null) => void,
  ) {
    this.svg = el("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img" });
    this.brush = el("rect", { class: "hist__brush", x: 0, y: 0, width: 0, height: H, "pointer-events": "none" });
    container.replaceChildren(this.svg);
    this.svg.addEventListener("pointerdown", (e) => this.down(e));
    this.svg.addEventListener("pointermove", (e) => this.move(e));
    this.svg.addEventListener("pointerup", (e) => this.up(e));
    this.svg.addEventListener("pointercancel", () => {
      this.drag = null;
      this.showSpan(this.span);
    });
  }

  /** months are the keys of the bars, first to last. */
  get months(): string[] {
    return this.keys;
  }

  /** setData draws one bar per bucket. */
  setData(buckets: Bucket[]): void {
    this.buckets = buckets;
    this.keys = buckets.map((b) => b.key);
    const n = Math.max(1, buckets.length);
    const max = Math.max(1, ...buckets.map((b) => b.count));
    const w = W / n;
    const bg = el("rect", { x: 0, y: 0, width: W, height: H, fill: "none", "pointer-events": "all" });
    this.bars = buckets.map((b, i) => {
      const h = b.count === 0 ? 0 : Math.max(2, (b.count / max) * (H - 2));
      const r = el("rect", {
        class: "hist__bar",
        x: i * w + (w > 3 ? 0.5 : 0),
        y: H - h,
        width: Math.max(0.5, w - (w > 3 ? 1 : 0)),
        height: h,
        "data-month": b.key,
        "data-count": b.count,
      });
      const t = el("title", {});
      t.textContent = `${b.key}: ${b.count.toLocaleString("en")} incident${b.count === 1 ? "" : "s"}`;
      r.append(t);
      return r;
    });
    this.svg.replaceChildren(bg, ...this.bars, this.brush);
    const first = this.keys[0] ?? "";
    const last = this.keys[this.keys.length - 1] ?? "";
    this.svg.setAttribute(
      "aria-label",
      `Incidents per month from ${first} to ${last}; drag across the bars to choose a date range, or use the date inputs.`,
    );
  }

  /** setRange shows the date range from..to ("" for open) as the brush. */
  setRange(from: string, to: string): void {
    this.span = selectedBars(this.keys, from, to);
    if (!this.drag) this.showSpan(this.span);
  }

  private showSpan(span: [number, number] | null): void {
    const w = W / Math.max(1, this.buckets.length);
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
    const n = this.keys.length;
    const i = Math.floor(((e.clientX - r.left) / Math.max(1, r.width)) * n);
    return Math.max(0, Math.min(n - 1, i));
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 || this.keys.length === 0) return;
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
      this.onBrush(brushRange(this.keys, d.i, j));
      return;
    }
    // A click: outside the selection clears it, inside keeps it.
    if (this.span && (j < this.span[0] || j > this.span[1])) this.onBrush(null);
    else this.showSpan(this.span);
  }
}
