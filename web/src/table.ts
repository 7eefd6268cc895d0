/**
 * The table of incidents: the incidents of the filter in the map's view
 * (GET /collections/incidents/items with bbox, filter and sortby), a page
 * of PAGE_SIZE rows at a time, sortable by date, country, event type and
 * fatalities, paged forward by the server's next links and back by the
 * pages already seen. Linked to the map: hovering a row rings the incident
 * on the map, clicking a row (or Enter on it) opens it; the incident open
 * on the map, and the marker under the pointer, are marked in the table.
 * Text reaches the page through textContent only.
 */
import { getJSON, LoadError, NotOK, parseCollection } from "./api";
import { itemsURL, type FilterState } from "./query";
import type { BBox, IncidentCollection, IncidentFeature } from "./types";

/** Rows per page of the table. */
export const PAGE_SIZE = 25;

/** A sortable column: the sortby property and its heading. */
interface Column {
  key: string;
  head: string;
  sortable: boolean;
  cell(f: IncidentFeature): string;
}

const COLUMNS: Column[] = [
  { key: "occurred_start", head: "Date", sortable: true, cell: (f) => f.properties.occurred_start ?? "" },
  { key: "title", head: "Title", sortable: false, cell: (f) => f.properties.title ?? f.id },
  { key: "event_type", head: "Event type", sortable: true, cell: (f) => f.properties.event_type ?? "" },
  { key: "country", head: "Country", sortable: true, cell: (f) => f.properties.country ?? "" },
  {
    key: "fatalities",
    head: "Fatalities",
    sortable: true,
    cell: (f) => (typeof f.properties.fatalities === "number" ? String(f.properties.fatalities) : "unknown"),
  },
];

/** sortParam is the sortby of a column and direction, with id as the tie-break the server pages by. */
export function sortParam(key: string, desc: boolean): string {
  return `${desc ? "-" : ""}${key},${desc ? "-" : ""}id`;
}

/** tableURL is the request for one page of the table. */
export function tableURL(f: FilterState, bbox: BBox, key: string, desc: boolean): string {
  const u = itemsURL(f, { bbox, limit: PAGE_SIZE });
  // itemsURL sorts newest first; the table sorts by its column.
  return u.replace(/sortby=[^&]*/, `sortby=${encodeURIComponent(sortParam(key, desc))}`);
}

/** What the table needs from the page. */
export interface TableHost {
  filter(): FilterState;
  bbox(): BBox;
  open(id: string): void;
  hover(f: IncidentFeature | null): void;
}

function nextLink(body: unknown): string | null {
  const links = (body as { links?: unknown } | null)?.links;
  if (!Array.isArray(links)) return null;
  for (const l of links) {
    const { rel, href } = (l ?? {}) as { rel?: unknown; href?: unknown };
    if (rel === "next" && typeof href === "string") {
      const u = new URL(href, location.origin);
      return u.origin === location.origin ? `${u.pathname}${u.search}` : null;
    }
  }
  return null;
}

/** IncidentTable owns #table-panel. */
export class IncidentTable {
  private readonly panel: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly info: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private sortKey = "occurred_start";
  private desc = true;
  /** The URL of every page seen, the first first; the last is the one shown. */
  private pages: string[] = [];
  private nextURL: string | null = null;
  private rows = new Map<string, HTMLTableRowElement>();
  private abort: AbortController | null = null;
  private total = 0;
  private selectedId: string | null = null;
  private hoverId: string | null = null;

  constructor(private readonly host: TableHost) {
    this.panel = document.getElementById("table-panel") as HTMLElement;
    this.info = document.getElementById("table-info") as HTMLElement;
    this.prev = document.getElementById("table-prev") as HTMLButtonElement;
    this.next = document.getElementById("table-next") as HTMLButtonElement;
    const table = document.getElementById("table") as HTMLTableElement;
    const head = document.createElement("thead");
    const tr = document.createElement("tr");
    for (const c of COLUMNS) {
      const th = document.createElement("th");
      th.scope = "col";
      if (c.sortable) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "table__sort";
        b.dataset.key = c.key;
        b.textContent = c.head;
        b.addEventListener("click", () => this.sortBy(c.key));
        th.append(b);
      } else th.textContent = c.head;
      th.dataset.key = c.key;
      tr.append(th);
    }
    head.append(tr);
    this.body = document.createElement("tbody");
    const caption = table.querySelector("caption");
    table.replaceChildren(...(caption ? [caption] : []), head, this.body);
    this.prev.addEventListener("click", () => {
      if (this.pages.length < 2) return;
      this.pages.pop();
      void this.load(this.pages[this.pages.length - 1] as string, false);
    });
    this.next.addEventListener("click", () => {
      if (this.nextURL) void this.load(this.nextURL, true);
    });
    this.showSort();
  }

  /** isOpen reports whether the table is shown (it loads only then). */
  isOpen(): boolean {
    return !this.panel.hidden;
  }

  /** reload starts again at the first page, for a new view, filter or sort; total is the incidents in view. */
  reload(total: number): void {
    this.total = total;
    if (!this.isOpen()) return;
    this.pages = [];
    void this.load(tableURL(this.host.filter(), this.host.bbox(), this.sortKey, this.desc), true);
  }

  /** select marks the row of the incident open on the map (null: none). */
  select(id: string | null): void {
    this.selectedId = id;
    for (const [rid, row] of this.rows) row.setAttribute("aria-selected", String(rid === id));
  }

  /** hoverMarker marks the row of the incident under the pointer on the map (null: none). */
  hoverMarker(id: string | null): void {
    if (this.hoverId) this.rows.get(this.hoverId)?.classList.remove("table__row--hover");
    this.hoverId = id;
    if (id) this.rows.get(id)?.classList.add("table__row--hover");
  }

  private sortBy(key: string): void {
    this.desc = this.sortKey === key ? !this.desc : key === "occurred_start" || key === "fatalities";
    this.sortKey = key;
    this.showSort();
    this.reload(this.total);
  }

  private showSort(): void {
    for (const th of this.panel.querySelectorAll<HTMLElement>("th")) {
      if (th.dataset.key === this.sortKey) th.setAttribute("aria-sort", this.desc ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
  }

  private async load(url: string, push: boolean): Promise<void> {
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    this.info.textContent = "Loading the table…";
    this.panel.setAttribute("aria-busy", "true");
    try {
      const { body, fc } = await fetchPage(url, ctl.signal);
      if (ctl.signal.aborted) return;
      if (push) this.pages.push(url);
      this.nextURL = nextLink(body);
      this.render(fc.features);
    } catch (err) {
      if (ctl.signal.aborted) return;
      this.info.textContent =
        err instanceof NotOK && err.status === 400
          ? `The server rejected the table's request: ${err.message}`
          : err instanceof LoadError
            ? err.message
            : "Could not load the table.";
    } finally {
      if (this.abort === ctl) this.panel.setAttribute("aria-busy", "false");
    }
  }

  private render(features: IncidentFeature[]): void {
    // A reload (the map moved) keeps the keyboard on the row it was on, if that row is still there.
    const focused = this.body.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.id : undefined;
    this.rows.clear();
    const trs = features.map((f) => {
      const tr = document.createElement("tr");
      tr.tabIndex = 0;
      tr.dataset.id = f.id;
      tr.setAttribute("aria-selected", String(f.id === this.selectedId));
      for (const c of COLUMNS) {
        const td = document.createElement("td");
        td.textContent = c.cell(f);
        tr.append(td);
      }
      tr.addEventListener("mouseenter", () => this.host.hover(f));
      tr.addEventListener("focus", () => this.host.hover(f));
      tr.addEventListener("mouseleave", () => this.host.hover(null));
      tr.addEventListener("blur", () => this.host.hover(null));
      tr.addEventListener("click", () => this.host.open(f.id));
      tr.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          this.host.open(f.id);
        }
      });
      this.rows.set(f.id, tr);
      return tr;
    });
    this.body.replaceChildren(...trs);
    if (focused !== undefined) this.rows.get(focused)?.focus();
    const first = (this.pages.length - 1) * PAGE_SIZE + 1;
    const last = first + features.length - 1;
    const n = this.total.toLocaleString("en");
    this.info.textContent =
      features.length === 0 ? "No incidents in view." : `Rows ${first.toLocaleString("en")}–${last.toLocaleString("en")} of ${n} incidents in view.`;
    this.prev.disabled = this.pages.length < 2;
    this.next.disabled = this.nextURL === null;
  }
}

/** fetchPage loads a page of the table: the body (for its next link) and its features. */
async function fetchPage(url: string, signal: AbortSignal): Promise<{ body: unknown; fc: IncidentCollection }> {
  const body = await getJSON(url, "the table", signal);
  return { body, fc: parseCollection(body) };
}
