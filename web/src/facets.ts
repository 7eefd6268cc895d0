/**
 * Counts beside the options of the filters panel: for each facet (event
 * type, sub-event type, target type, province, host country, target
 * country) how many incidents each value would select under the other
 * filters — the filter with that facet's own choice left out, so the
 * counts say what ticking one more value adds. From
 * /collections/incidents/aggregate?groupby=…, one request at a time after
 * the map has drawn; a pan or zoom pauses them (the request in flight is
 * cancelled) and the next draw resumes where they stopped, so the map's
 * own requests go first. Host and target
 * countries, which are typed, get a short list of the commonest values
 * that adds one to the field when clicked.
 */
import { getJSON } from "./api";
import { aggregateFor, buildCQL2, type FilterState } from "./query";

/** A facet: the group key, the filter without its own choice, and where its counts go. */
interface Facet {
  groupby: string;
  without(f: FilterState): FilterState;
  show(counts: Map<string, number>): void;
}

/** Most values listed under a typed field (host or target country). */
const TOP_VALUES = 8;

/** countsFrom reads an aggregate body into key → count; empty when it is not one. */
export function countsFrom(body: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const buckets = (body as { buckets?: unknown } | null)?.buckets;
  if (!Array.isArray(buckets)) return out;
  for (const b of buckets) {
    const { key, count } = (b ?? {}) as { key?: unknown; count?: unknown };
    if (typeof key === "string" && typeof count === "number" && count >= 0) out.set(key, count);
  }
  return out;
}

/** countLabel is how a count is written beside an option. */
export function countLabel(n: number): string {
  return n.toLocaleString("en");
}

/** showBeside writes the counts into the checkbox labels of box (a span.facet per label). */
function showBeside(box: HTMLElement, counts: Map<string, number>): void {
  for (const cb of box.querySelectorAll<HTMLInputElement>("input[type=checkbox]")) {
    const label = cb.closest("label");
    if (!label) continue;
    let span = label.querySelector<HTMLElement>(".facet");
    if (!span) {
      span = document.createElement("span");
      span.className = "facet";
      label.append(span);
    }
    const n = counts.get(cb.value) ?? 0;
    span.textContent = countLabel(n);
    label.classList.toggle("filters__check--none", n === 0);
  }
}

/** showOptions writes the counts into the option texts of a select. */
function showOptions(select: HTMLSelectElement, counts: Map<string, number>): void {
  for (const o of select.options) {
    o.dataset.base ??= o.textContent ?? "";
    o.textContent = `${o.dataset.base} · ${countLabel(counts.get(o.value) ?? 0)}`;
  }
}

/** showTop lists the commonest values as buttons that add a value to a comma-separated field. */
function showTop(box: HTMLElement, field: HTMLInputElement, counts: Map<string, number>, what: string): void {
  const top = [...counts].filter(([k]) => k !== "").sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, TOP_VALUES);
  if (top.length === 0) {
    box.replaceChildren();
    return;
  }
  const head = document.createElement("span");
  head.className = "facets__head";
  head.textContent = `Most incidents (${what}): `;
  const buttons = top.map(([k, n]) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "facets__value";
    b.dataset.value = k;
    b.textContent = `${k} ${countLabel(n)}`;
    b.title = `Add ${k} to the field (${countLabel(n)} incidents)`;
    b.addEventListener("click", () => {
      const have = field.value.split(/[\s,;]+/).filter(Boolean).map((s) => s.toUpperCase());
      if (!have.includes(k)) field.value = [...have, k].join(", ");
      field.form?.requestSubmit();
    });
    return b;
  });
  box.replaceChildren(head, ...buttons);
}

function el<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** Facets keeps the counts of the panel in step with the filter. */
export class Facets {
  private readonly facets: Facet[];
  private abort: AbortController | null = null;
  /** The filter the counts are for, and the facets already counted for it. */
  private key = "";
  private done = new Set<string>();

  constructor() {
    this.facets = [
      { groupby: "event_type", without: (f) => ({ ...f, eventTypes: [] }), show: (c) => showBeside(el("f-event"), c) },
      { groupby: "sub_event_type", without: (f) => ({ ...f, subEventTypes: [] }), show: (c) => showBeside(el("f-sub"), c) },
      { groupby: "target_type", without: (f) => ({ ...f, targetTypes: [] }), show: (c) => showBeside(el("f-target"), c) },
      {
        groupby: "country",
        without: (f) => ({ ...f, countries: [], provinces: [] }),
        show: (c) => showTop(el("f-country-top"), el("f-country"), c, "host country"),
      },
      { groupby: "admin1_code", without: (f) => ({ ...f, provinces: [] }), show: (c) => showOptions(el("f-province"), c) },
      {
        groupby: "target_country",
        without: (f) => ({ ...f, targetCountries: [] }),
        show: (c) => showTop(el("f-target-country-top"), el("f-target-country"), c, "target country"),
      },
    ];
  }

  /**
   * update brings the counts up to date with the filter f, one facet after
   * another, skipping those already counted for it; a newer update or a
   * pause cancels the rest. Provinces are counted only when host countries
   * are chosen (the select lists theirs), and again when its options change.
   */
  async update(f: FilterState): Promise<void> {
    const key = JSON.stringify(f) + el<HTMLSelectElement>("f-province").options.length;
    if (key !== this.key) {
      this.key = key;
      this.done = new Set();
    }
    const todo = this.facets.filter((x) => !this.done.has(x.groupby) && (x.groupby !== "admin1_code" || f.countries.length > 0));
    if (todo.length === 0) return;
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    const msg = el("facets-msg");
    msg.textContent = "Counting the options…";
    try {
      for (const facet of todo) {
        const url = aggregateFor(buildCQL2(facet.without(f)), facet.groupby);
        const counts = countsFrom(await getJSON(url, "the counts of the options", ctl.signal));
        if (ctl.signal.aborted) return;
        facet.show(counts);
        this.done.add(facet.groupby);
      }
      msg.textContent = "Numbers beside the options: incidents each would select with the other filters.";
    } catch {
      if (ctl.signal.aborted) return;
      msg.textContent = "The counts of the options could not be loaded.";
    }
  }

  /** pause cancels the counting in flight, for the map to load first; the next update resumes it. */
  pause(): void {
    this.abort?.abort();
    this.abort = null;
  }
}
