/**
 * Pure text helpers for the page: the date label, the safe-link rule for
 * sources, the status line and error messages. Nothing here touches the
 * DOM; the DOM code puts the results in with textContent.
 */
import type { Source } from "./types";

const COUNT_FORMAT = new Intl.NumberFormat("en");

/**
 * count writes a whole number with thousands separators ("1,000,000"), as
 * n.toLocaleString("en") does, from one shared formatter: toLocaleString
 * builds a formatter per call, which cost a redraw of 250 clusters
 * hundreds of milliseconds on a loaded machine.
 */
export function count(n: number): string {
  return COUNT_FORMAT.format(n);
}

/**
 * dateLabel is "start", or "start – end" when the ends differ, followed by
 * "(precision: …)" when the precision is not a day.
 */
export function dateLabel(start: string | null, end: string | null, precision: string | null): string {
  let label = start ? start : "date unknown";
  if (start && end && end !== start) label += ` – ${end}`;
  if (precision && precision !== "day") label += ` (precision: ${precision})`;
  return label;
}

/**
 * safeHref returns url if it may become a link: an absolute http:// or
 * https:// URL. Anything else (javascript:, data:, relative, malformed) gives
 * null, and the source is shown as plain text.
 */
export function safeHref(url: string | null | undefined): string | null {
  if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** What to show for one source: link text, where it links, and the rest. */
export interface SourceParts {
  text: string;
  href: string | null;
  detail: string;
}

/**
 * sourceParts splits a source into its headline text (the title, else the
 * publisher, else the URL), a safe href or null, and a detail line
 * (publisher and date).
 */
export function sourceParts(src: Source): SourceParts {
  const href = safeHref(src.url);
  const text = src.title || src.publisher || href || src.url || "untitled source";
  const detail = [src.title ? src.publisher : null, src.published_on].filter((s): s is string => !!s).join(", ");
  return { text, href, detail };
}

/** statusText is the status line after a successful load. */
export function statusText(returned: number, matched: number): string {
  const s = `${count(returned)} of ${count(matched)} incidents in view`;
  return returned < matched ? `${s} (zoom in to see all)` : s;
}

/**
 * describeError turns a failed HTTP response into words: the server's
 * {"code","description"} description when there is one, else the status.
 */
export function describeError(status: number, body: unknown): string {
  if (body && typeof body === "object" && "description" in body) {
    const d = (body as { description: unknown }).description;
    if (typeof d === "string" && d.trim() !== "") return d;
  }
  return `The server answered with HTTP status ${status}.`;
}

/** escapeHTML makes text safe where Leaflet insists on HTML (attribution). */
export function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
