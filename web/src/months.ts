/**
 * Months for the date histogram and the time animation: the body of
 * GET /collections/incidents/aggregate?groupby=month checked and filled
 * into one bar per month, a brushed span of bars as a date range, and the
 * windows the animation steps through. Pure functions only.
 */

/** One bar: a month "YYYY-MM" and its incidents. */
export interface Bucket {
  key: string;
  count: number;
}

const MONTH_RE = /^(\d{4})-(\d{2})$/;

function parts(key: string): [number, number] | null {
  const m = MONTH_RE.exec(key);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return mo >= 1 && mo <= 12 ? [y, mo] : null;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** addMonths moves a "YYYY-MM" key by n months. */
export function addMonths(key: string, n: number): string {
  const p = parts(key);
  if (!p) throw new Error(`not a month: ${key}`);
  const i = p[0] * 12 + (p[1] - 1) + n;
  return `${pad(Math.floor(i / 12), 4)}-${pad((i % 12) + 1)}`;
}

/** firstDay is "YYYY-MM-01" of a month. */
export function firstDay(key: string): string {
  return `${key}-01`;
}

/** lastDay is the last day of a month, "YYYY-MM-DD". */
export function lastDay(key: string): string {
  const p = parts(key);
  if (!p) throw new Error(`not a month: ${key}`);
  const d = new Date(Date.UTC(p[0], p[1], 0)); // day 0 of the next month
  return `${key}-${pad(d.getUTCDate())}`;
}

/**
 * bucketsFrom checks an aggregate body and returns one bucket per month from
 * the first to the last month with incidents, months without any at 0.
 * Malformed buckets are dropped; null when the body is not a month grouping.
 */
export function bucketsFrom(body: unknown): Bucket[] | null {
  if (!body || typeof body !== "object") return null;
  const { groupby, buckets } = body as { groupby?: unknown; buckets?: unknown };
  if (groupby !== "month" || !Array.isArray(buckets)) return null;
  const counts = new Map<string, number>();
  for (const b of buckets) {
    const { key, count } = (b ?? {}) as { key?: unknown; count?: unknown };
    if (typeof key !== "string" || !parts(key) || typeof count !== "number" || !(count >= 0)) continue;
    counts.set(key, (counts.get(key) ?? 0) + count);
  }
  if (counts.size === 0) return [];
  const keys = [...counts.keys()].sort();
  const out: Bucket[] = [];
  const last = keys[keys.length - 1] as string;
  // A bound on the loop, should a server send keys centuries apart.
  for (let k = keys[0] as string, i = 0; k <= last && i < 12 * 200; k = addMonths(k, 1), i++) {
    out.push({ key: k, count: counts.get(k) ?? 0 });
  }
  return out;
}

/** brushRange is the date range of the bars i..j (either order): first day of the first, last day of the last. */
export function brushRange(keys: string[], i: number, j: number): { from: string; to: string } | null {
  const a = keys[Math.max(0, Math.min(i, j))];
  const b = keys[Math.min(keys.length - 1, Math.max(i, j))];
  if (a === undefined || b === undefined) return null;
  return { from: firstDay(a), to: lastDay(b) };
}

/**
 * selectedBars is the index span of the bars that a date range touches
 * ("" means open), or null when it touches none or there is no range.
 */
export function selectedBars(keys: string[], from: string, to: string): [number, number] | null {
  if ((!from && !to) || keys.length === 0) return null;
  const lo = from ? from.slice(0, 7) : "";
  const hi = to ? to.slice(0, 7) : "9999-99";
  let a = -1;
  let b = -1;
  keys.forEach((k, i) => {
    if (k >= lo && k <= hi) {
      if (a < 0) a = i;
      b = i;
    }
  });
  return a < 0 ? null : [a, b];
}

/**
 * nextWindow is the animation step after the range from..to over the months
 * keys: windows of size months, the first starting at the first month; a
 * range that is not a window of the histogram restarts at the first. The
 * last window is cut at the last month. null after the last window.
 */
export function nextWindow(keys: string[], size: number, from: string, to: string): { from: string; to: string } | null {
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (first === undefined || last === undefined || size < 1) return null;
  let start = first;
  const cur = selectedBars(keys, from, to);
  if (cur && from && to && isWindowStart(keys, from)) {
    const end = keys[cur[1]] as string;
    if (end >= last) return null;
    start = addMonths(end, 1);
  }
  let end = addMonths(start, size - 1);
  if (end > last) end = last;
  return { from: firstDay(start), to: lastDay(end) };
}

function isWindowStart(keys: string[], from: string): boolean {
  return from.endsWith("-01") && keys.includes(from.slice(0, 7));
}
