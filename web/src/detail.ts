/**
 * The incident detail side panel, built with DOM APIs only: data goes in
 * through textContent, and a URL becomes a link only when safeHref accepts
 * it (http/https), with rel="noopener noreferrer".
 */
import { dateLabel, sourceParts } from "./format";
import type { IncidentFeature, Source } from "./types";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function str(x: unknown): string {
  return typeof x === "string" ? x : "";
}

function join(parts: unknown[], sep: string): string {
  return parts.map(str).filter((p) => p !== "").join(sep);
}

/** countLabel shows a count, with null (unknown) as "unknown" rather than 0. */
export function countLabel(n: unknown): string {
  return typeof n === "number" && Number.isFinite(n) ? String(n) : "unknown";
}

function sourceItem(src: Source): HTMLLIElement {
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
  return li;
}

/** buildDetail returns the panel content for an incident; permalink is the page URL selecting it. */
export function buildDetail(f: IncidentFeature, permalink: string): HTMLElement {
  const p = f.properties;
  const root = el("article", "detail__body");
  root.append(el("h2", "detail__title", str(p.title) || "Untitled incident"));
  if (str(p.summary)) root.append(el("p", "detail__summary", str(p.summary)));

  const place = join([p.place_name, p.admin1_name, p.country], ", ");
  const rows: [string, string][] = [
    ["Date", dateLabel(p.occurred_start, p.occurred_end, p.date_precision)],
    ["Place", (place || "unknown") + (str(p.location_precision) ? ` (precision: ${p.location_precision})` : "")],
    ["Event", join([p.event_type, p.sub_event_type], " / ") || "unknown"],
    ["Target", join([str(p.target_type).replaceAll("_", " "), p.target_country], " · ") || "unknown"],
    ["Facility", str(p.facility)],
    ["Perpetrator", str(p.perpetrator)],
    ["Actors", Array.isArray(p.actors) ? join(p.actors, "; ") : ""],
    ["Fatalities", countLabel(p.fatalities)],
    ["Injuries", countLabel(p.injuries)],
  ];
  const dl = el("dl", "detail__facts");
  for (const [term, value] of rows) {
    if (!value) continue;
    dl.append(el("dt", "", term), el("dd", "", value));
  }
  root.append(dl);

  const sources = Array.isArray(p.sources) ? p.sources.filter((s) => s && typeof s === "object") : [];
  root.append(el("h3", "detail__subtitle", sources.length === 1 ? "Source" : "Sources"));
  if (sources.length === 0) {
    root.append(el("p", "", "No sources recorded."));
  } else {
    const ul = el("ul", "detail__sources");
    for (const src of sources) ul.append(sourceItem(src));
    root.append(ul);
  }

  const responses = Array.isArray(p.responses) ? p.responses.filter((r) => r && typeof r === "object") : [];
  if (responses.length > 0) {
    root.append(el("h3", "detail__subtitle", "Diplomatic responses"));
    const ul = el("ul", "detail__responses");
    for (const r of responses) {
      const li = el("li");
      const head = join([r.date, r.actor, str(r.kind).replaceAll("_", " ")], " · ");
      li.append(el("strong", "", head || "response"));
      if (str(r.summary)) li.append(el("p", "", str(r.summary)));
      if (r.source && typeof r.source === "object") {
        const src = el("ul", "detail__sources");
        src.append(sourceItem(r.source));
        li.append(src);
      }
      ul.append(li);
    }
    root.append(ul);
  }

  const link = el("p", "detail__permalink");
  const a = el("a", "", "Permalink to this incident");
  a.href = permalink;
  link.append(a);
  root.append(link);
  return root;
}

