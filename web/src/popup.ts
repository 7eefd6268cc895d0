/**
 * The popup of one incident, built with DOM APIs only: every piece of data
 * goes in through textContent, and a source becomes a link only when
 * safeHref accepts its URL.
 */
import { dateLabel, sourceParts } from "./format";
import type { IncidentFeature } from "./types";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function join(parts: (string | null | undefined)[], sep: string): string {
  return parts.filter((p): p is string => !!p).join(sep);
}

/** buildPopup returns the popup content for an incident. */
export function buildPopup(f: IncidentFeature): HTMLElement {
  const p = f.properties;
  const root = el("article", "popup");
  root.append(el("h2", "popup__title", p.title || "Untitled incident"));
  root.append(el("p", "popup__date", dateLabel(p.occurred_start, p.occurred_end, p.date_precision)));

  const lines: [string, string][] = [
    ["Place", join([p.place_name, p.country], ", ")],
    ["Event", join([p.event_type, p.sub_event_type], " / ")],
    ["Target", join([p.target_type?.replaceAll("_", " "), p.target_country, p.facility], " · ")],
  ];
  const dl = el("dl", "popup__facts");
  for (const [term, value] of lines) {
    if (!value) continue;
    dl.append(el("dt", "", term), el("dd", "", value));
  }
  root.append(dl);

  const sources = Array.isArray(p.sources) ? p.sources : [];
  if (sources.length > 0) {
    root.append(el("h3", "popup__subtitle", sources.length === 1 ? "Source" : "Sources"));
    const ul = el("ul", "popup__sources");
    for (const src of sources) {
      if (!src || typeof src !== "object") continue;
      const { text, href, detail } = sourceParts(src);
      const li = el("li");
      if (href) {
        const a = el("a", "", text);
        a.href = href;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        li.append(a);
      } else {
        li.append(document.createTextNode(text));
      }
      if (detail) li.append(document.createTextNode(` — ${detail}`));
      ul.append(li);
    }
    root.append(ul);
  }
  return root;
}
