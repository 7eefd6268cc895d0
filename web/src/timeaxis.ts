/**
 * The time axis of the timeline: counts per day (GET
 * /collections/incidents/aggregate?groupby=day) gathered into spans of a
 * day, a week (Monday to Sunday), a month or a year; a brushed run of spans
 * as a date range; the step that play shows next; and the ticks of the
 * axis. Days are "YYYY-MM-DD" in UTC. Pure functions only.
 */

/** The length of one bar and of one play step. */
export type Unit = "day" | "week" | "month" | "year";

export const UNITS: readonly Unit[] = ["day", "week", "month", "year"];

/** One bar: the days from..to (inclusive) and the incidents that start in them. */
export interface Span {
  from: string;
  to: string;
  count: number;
}

/** Most spans the axis draws; a longer run is cut (a bound on every loop). */
export const MAX_SPANS = 20000;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;
const MS_PER_DAY = 86400000;

/** dayNum is the number of days from 1970-01-01 to day; NaN when day is not a calendar day. */
export function dayNum(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) return NaN;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayStr(t / MS_PER_DAY) === day ? t / MS_PER_DAY : NaN;
}

/** dayStr is the "YYYY-MM-DD" of a day number. */
export function dayStr(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** unitStart is the first day of the unit that holds day. */
export function unitStart(day: string, unit: Unit): string {
  switch (unit) {
    case "day":
      return day;
    case "week": {
      const n = dayNum(day);
      // 1970-01-01 was a Thursday: (n + 3) mod 7 is 0 on Mondays.
      return dayStr(n - (((n + 3) % 7) + 7) % 7);
    }
    case "month":
      return `${day.slice(0, 7)}-01`;
    case "year":
      return `${day.slice(0, 4)}-01-01`;
  }
}

/** nextStart is the first day of the unit after the one that starts at start. */
export function nextStart(start: string, unit: Unit): string {
  switch (unit) {
    case "day":
      return dayStr(dayNum(start) + 1);
    case "week":
      return dayStr(dayNum(start) + 7);
    case "month": {
      const y = Number(start.slice(0, 4));
      const m = Number(start.slice(5, 7));
      return m === 12 ? `${String(y + 1).padStart(4, "0")}-01-01` : `${start.slice(0, 5)}${String(m + 1).padStart(2, "0")}-01`;
    }
    case "year":
      return `${String(Number(start.slice(0, 4)) + 1).padStart(4, "0")}-01-01`;
  }
}

/** unitEnd is the last day of the unit that starts at start. */
export function unitEnd(start: string, unit: Unit): string {
  return dayStr(dayNum(nextStart(start, unit)) - 1);
}

/**
 * daysFrom checks an aggregate body grouped by day, or by month (a server
 * without day counts: each month's count is put on its first day), and
 * returns the counts per day. null when the body is neither.
 */
export function daysFrom(body: unknown): Map<string, number> | null {
  if (!body || typeof body !== "object") return null;
  const { groupby, buckets } = body as { groupby?: unknown; buckets?: unknown };
  if ((groupby !== "day" && groupby !== "month") || !Array.isArray(buckets)) return null;
  const out = new Map<string, number>();
  for (const b of buckets) {
    const { key, count } = (b ?? {}) as { key?: unknown; count?: unknown };
    if (typeof key !== "string" || typeof count !== "number" || !(count >= 0)) continue;
    const day = groupby === "day" ? key : MONTH_RE.test(key) ? `${key}-01` : "";
    if (!Number.isFinite(dayNum(day))) continue;
    out.set(day, (out.get(day) ?? 0) + count);
  }
  return out;
}

/**
 * spansOf gathers counts per day into one span per unit, from the unit of
 * the first day with incidents to that of the last, empty units at 0.
 */
export function spansOf(days: Map<string, number>, unit: Unit): Span[] {
  if (days.size === 0) return [];
  const keys = [...days.keys()].sort();
  const last = keys[keys.length - 1] as string;
  const out: Span[] = [];
  let k = 0;
  for (let start = unitStart(keys[0] as string, unit); start <= last && out.length < MAX_SPANS; start = nextStart(start, unit)) {
    const to = unitEnd(start, unit);
    let count = 0;
    while (k < keys.length && (keys[k] as string) <= to) count += days.get(keys[k++] as string) ?? 0;
    out.push({ from: start, to, count });
  }
  return out;
}

/** spanLabel names a span in words: "2021-08-16", "week of 2021-08-16", "2021-08", "2021". */
export function spanLabel(s: Span, unit: Unit): string {
  switch (unit) {
    case "day":
      return s.from;
    case "week":
      return `week of ${s.from}`;
    case "month":
      return s.from.slice(0, 7);
    case "year":
      return s.from.slice(0, 4);
  }
}

/**
 * selectedSpans is the index run of the spans that the date range from..to
 * touches ("" is open), or null when there is no range or it touches none.
 */
export function selectedSpans(spans: Span[], from: string, to: string): [number, number] | null {
  if ((!from && !to) || spans.length === 0) return null;
  const lo = from || "0000-00-00";
  const hi = to || "9999-99-99";
  let a = -1;
  let b = -1;
  spans.forEach((s, i) => {
    if (s.to >= lo && s.from <= hi) {
      if (a < 0) a = i;
      b = i;
    }
  });
  return a < 0 ? null : [a, b];
}

/** brushRange is the date range of spans i..j (either order). */
export function brushRange(spans: Span[], i: number, j: number): { from: string; to: string } | null {
  const a = spans[Math.max(0, Math.min(i, j))];
  const b = spans[Math.min(spans.length - 1, Math.max(i, j))];
  return a && b ? { from: a.from, to: b.to } : null;
}

/**
 * nextStep is the span that play shows after the range from..to: the next
 * span with incidents after a range that is exactly one span, else the
 * first span with incidents. null after the last. Spans without incidents
 * are skipped, so every step shows something.
 */
export function nextStep(spans: Span[], from: string, to: string): Span | null {
  let i = spans.findIndex((s) => s.from === from && s.to === to);
  i = i < 0 ? 0 : i + 1;
  for (; i < spans.length; i++) if ((spans[i] as Span).count > 0) return spans[i] as Span;
  return null;
}

/** prevStep is the span with incidents before the one that from..to is, or null. */
export function prevStep(spans: Span[], from: string, to: string): Span | null {
  const i = spans.findIndex((s) => s.from === from && s.to === to);
  for (let k = (i < 0 ? spans.length : i) - 1; k >= 0; k--) if ((spans[k] as Span).count > 0) return spans[k] as Span;
  return null;
}

/** A labelled tick of the axis at a fraction (0–1) of its width. */
export interface Tick {
  at: number;
  label: string;
}

// Tick spacings, finest first: the unit and how many of them, with their rough length in days.
const TICK_STEPS: [Unit, number, number][] = [
  ["day", 1, 1],
  ["day", 2, 2],
  ["week", 1, 7],
  ["month", 1, 30.4],
  ["month", 3, 91],
  ["month", 6, 182],
  ["year", 1, 365],
  ["year", 2, 730],
  ["year", 5, 1826],
  ["year", 10, 3652],
  ["year", 20, 7305],
  ["year", 50, 18262],
  ["year", 100, 36525],
];

/**
 * ticks are at most maxTicks labelled ticks over the days first..last (the
 * axis runs from the start of first to the end of last): the first of each
 * year, month, week or day in the finest spacing that fits.
 */
export function ticks(first: string, last: string, maxTicks: number): Tick[] {
  const d0 = dayNum(first);
  const d1 = dayNum(last) + 1;
  if (!(d1 > d0) || maxTicks < 1) return [];
  const total = d1 - d0;
  const [unit, every] = TICK_STEPS.find(([, , len]) => total / len <= maxTicks) ?? (TICK_STEPS[TICK_STEPS.length - 1] as [Unit, number, number]);
  const out: Tick[] = [];
  let start = unitStart(first, unit);
  if (start < first) start = nextStart(start, unit);
  for (let i = 0; start <= last && out.length < maxTicks * 2 && i < MAX_SPANS; start = nextStart(start, unit), i++) {
    const keep =
      unit === "year"
        ? Number(start.slice(0, 4)) % every === 0
        : unit === "month"
          ? (Number(start.slice(5, 7)) - 1) % every === 0
          : unit === "day"
            ? (dayNum(start) - d0) % every === 0
            : true;
    if (!keep) continue;
    const label = unit === "year" ? start.slice(0, 4) : unit === "month" ? start.slice(0, 7) : start;
    out.push({ at: (dayNum(start) - d0) / total, label });
  }
  return out;
}
