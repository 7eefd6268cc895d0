/**
 * Accessibility of the map: names in words for markers and clusters
 * ("7 incidents: 5 explosions, 2 strategic developments"), markers that
 * are buttons a keyboard can reach and press (Enter or Space), WCAG
 * contrast ratios for checking colours, and the phone layout rule that
 * the legend never lies over an open bottom sheet.
 */
import type { Marker } from "leaflet";
import { count as fmtCount } from "./format";

/** Singular and plural nouns of the event types, for names in words. */
const NOUNS: Readonly<Record<string, [string, string]>> = {
  "Battles": ["battle", "battles"],
  "Explosions/Remote violence": ["explosion", "explosions"],
  "Violence against civilians": ["attack on civilians", "attacks on civilians"],
  "Protests": ["protest", "protests"],
  "Riots": ["riot", "riots"],
  "Strategic developments": ["strategic development", "strategic developments"],
};

/** countOf says "1 riot" or "5 riots" for an event type. */
function countOf(n: number, eventType: string): string {
  const [one, many] = NOUNS[eventType] ?? [`${eventType.toLowerCase()} incident`, `${eventType.toLowerCase()} incidents`];
  return `${fmtCount(n)} ${n === 1 ? one : many}`;
}

/**
 * clusterName is the accessible name of a cluster: its count and its mix
 * by event type, biggest first, e.g. "7 incidents: 5 explosions, 2
 * strategic developments".
 */
export function clusterName(count: number, types: Record<string, number>): string {
  const head = `${fmtCount(count)} ${count === 1 ? "incident" : "incidents"}`;
  const mix = Object.entries(types)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([t, n]) => countOf(n, t));
  return mix.length ? `${head}: ${mix.join(", ")}` : head;
}

/** incidentName is the accessible name of one incident's marker: title, type and date. */
export function incidentName(title: string | null | undefined, eventType: string | null | undefined, date: string | null | undefined): string {
  return [title || "Incident", eventType, date].filter((s) => s).join(", ");
}

/**
 * makeOperable makes a marker a button: named, in the tab order, and
 * pressed with Enter or Space like a click. Leaflet itself answers only
 * Enter, and only on markers with a popup. When a focused marker goes
 * (the map redraws after a zoom), focus moves to the map, so that the
 * next Tab reaches its new markers rather than the top of the page.
 */
export function makeOperable(marker: Marker, name: string): void {
  let el: HTMLElement | undefined;
  let container: HTMLElement | null = null;
  marker.on("add", () => {
    el = marker.getElement();
    if (!el) return;
    const button = el;
    container = button.closest<HTMLElement>(".leaflet-container");
    button.setAttribute("role", "button");
    button.setAttribute("aria-label", name);
    button.tabIndex = 0;
    button.addEventListener("focus", () => (lastFocused = button));
    button.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      e.stopPropagation();
      marker.fire("click", { latlng: marker.getLatLng(), originalEvent: e });
    });
  });
  marker.on("remove", () => {
    const lost = document.activeElement === document.body || document.activeElement === null;
    if (el && lastFocused === el && lost) container?.focus({ preventScroll: true });
  });
}

/** lastFocused is the marker that last had focus: its removal hands focus to the map. */
let lastFocused: HTMLElement | null = null;

/** rgbOf reads "#rgb", "#rrggbb" or "rgb(r, g, b)" into 0..255 channels; null otherwise. */
export function rgbOf(colour: string): [number, number, number] | null {
  const c = colour.trim().toLowerCase();
  let m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(c);
  if (m) return [m[1], m[2], m[3]].map((h) => parseInt(`${h}${h}`, 16)) as [number, number, number];
  m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(c);
  if (m) return [m[1], m[2], m[3]].map((h) => parseInt(h as string, 16)) as [number, number, number];
  m = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return null;
}

/** luminance is the WCAG 2 relative luminance of a colour. */
export function luminance(colour: string): number {
  const rgb = rgbOf(colour);
  if (!rgb) throw new Error(`not a colour: ${colour}`);
  const [r, g, b] = rgb.map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** contrast is the WCAG 2 contrast ratio of two colours, from 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * keepLegendOffSheets hides the legend on phone-sized screens while a
 * bottom sheet (the filters or the details) is open, so that it never
 * covers a sheet or takes its taps: the body gets the class sheet-open.
 */
export function keepLegendOffSheets(sheets: HTMLElement[], phone: MediaQueryList): void {
  const update = (): void => {
    const open = sheets.some((s) => !s.hidden);
    document.body.classList.toggle("sheet-open", phone.matches && open);
  };
  const watch = new MutationObserver(update);
  for (const s of sheets) watch.observe(s, { attributes: true, attributeFilter: ["hidden"] });
  phone.addEventListener("change", update);
  update();
}
