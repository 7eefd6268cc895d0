import { describe, expect, it } from "vitest";
import {
  buildCQL2,
  emptyFilter,
  isAlpha3,
  isDate,
  aggregateURL,
  countURL,
  isAdmin1,
  itemsURL,
  likeEscape,
  num,
  parseCountries,
  quote,
  rectGeometry,
  type FilterState,
} from "./query";

function state(patch: Partial<FilterState>): FilterState {
  return { ...emptyFilter(), ...patch };
}

describe("quote and likeEscape", () => {
  it.each([
    ["plain", "'plain'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ["", "''"],
  ])("quote(%j)", (s, want) => expect(quote(s)).toBe(want));

  it.each([
    ["abc", "abc"],
    ["50%", "50\\%"],
    ["a_b", "a\\_b"],
    ["back\\slash", "back\\\\slash"],
    ["%_\\", "\\%\\_\\\\"],
  ])("likeEscape(%j)", (s, want) => expect(likeEscape(s)).toBe(want));
});

describe("validators", () => {
  it("isDate", () => {
    expect(isDate("2022-04-11")).toBe(true);
    expect(isDate("2022-02-30")).toBe(false);
    expect(isDate("2022-4-11")).toBe(false);
    expect(isDate("")).toBe(false);
    expect(isDate("2022-04-11'")).toBe(false);
  });
  it("isAlpha3", () => {
    expect(isAlpha3("AFG")).toBe(true);
    expect(isAlpha3("afg")).toBe(false);
    expect(isAlpha3("AF")).toBe(false);
    expect(isAlpha3("A'G")).toBe(false);
  });
  it("parseCountries", () => {
    expect(parseCountries(" afg, IRQ;irq  x1 ")).toEqual({ codes: ["AFG", "IRQ"], bad: ["x1"] });
    expect(parseCountries("")).toEqual({ codes: [], bad: [] });
  });
  it("num", () => {
    expect(num(62.1234567)).toBe("62.123457");
    expect(num(-0)).toBe("0");
    expect(num(25)).toBe("25");
  });
});

describe("buildCQL2", () => {
  it("is empty for the empty state", () => {
    expect(buildCQL2(emptyFilter())).toBe("");
  });

  it.each<[string, Partial<FilterState>, string]>([
    ["both dates", { from: "2020-01-01", to: "2020-12-31" }, "T_INTERSECTS(occurred, INTERVAL('2020-01-01', '2020-12-31'))"],
    ["from only", { from: "2021-01-01" }, "T_INTERSECTS(occurred, INTERVAL('2021-01-01', '..'))"],
    ["to only", { to: "2021-01-01" }, "T_INTERSECTS(occurred, INTERVAL('..', '2021-01-01'))"],
    ["bad date ignored", { from: "2021-13-01" }, ""],
    ["one event type", { eventTypes: ["Riots"] }, "event_type = 'Riots'"],
    [
      "event types",
      { eventTypes: ["Riots", "Explosions/Remote violence"] },
      "event_type IN ('Riots', 'Explosions/Remote violence')",
    ],
    ["target types", { targetTypes: ["embassy", "consulate"] }, "target_type IN ('embassy', 'consulate')"],
    ["one sub-event type", { subEventTypes: ["Suicide bomb"] }, "sub_event_type = 'Suicide bomb'"],
    [
      "sub-event types",
      { subEventTypes: ["Suicide bomb", "Shelling/artillery/missile attack"] },
      "sub_event_type IN ('Suicide bomb', 'Shelling/artillery/missile attack')",
    ],
    [
      "event and sub-event type",
      { eventTypes: ["Riots"], subEventTypes: ["Mob violence"] },
      "event_type = 'Riots' AND sub_event_type = 'Mob violence'",
    ],
    ["one province", { countries: ["AFG"], provinces: ["AF-HER"] }, "country = 'AFG' AND admin1_code = 'AF-HER'"],
    [
      "provinces",
      { countries: ["AFG"], provinces: ["AF-HER", "AF-KAB"] },
      "country = 'AFG' AND admin1_code IN ('AF-HER', 'AF-KAB')",
    ],
    ["malformed province ignored", { countries: ["AFG"], provinces: ["AF-HER'--", "herat"] }, "country = 'AFG'"],
    ["host country", { countries: ["AFG"] }, "country = 'AFG'"],
    ["host countries", { countries: ["AFG", "IRQ"] }, "country IN ('AFG', 'IRQ')"],
    ["bad country codes dropped", { countries: ["AFG", "x'); DROP", "irq"] }, "country = 'AFG'"],
    ["target country", { targetCountries: ["IRN"] }, "target_country = 'IRN'"],
    ["fatalities", { minFatalities: 5 }, "fatalities >= 5"],
    ["fatalities zero", { minFatalities: 0 }, "fatalities >= 0"],
    ["negative fatalities ignored", { minFatalities: -1 }, ""],
    ["fractional fatalities ignored", { minFatalities: 1.5 }, ""],
    ["text", { text: "consulate" }, "CASEI(title) LIKE CASEI('%consulate%')"],
    ["text trimmed", { text: "  Herat " }, "CASEI(title) LIKE CASEI('%Herat%')"],
    ["blank text ignored", { text: "   " }, ""],
    ["text with quote", { text: "Iran's" }, "CASEI(title) LIKE CASEI('%Iran''s%')"],
    ["text with wildcards", { text: "50%_off" }, "CASEI(title) LIKE CASEI('%50\\%\\_off%')"],
    ["text with backslash", { text: "a\\b" }, "CASEI(title) LIKE CASEI('%a\\\\b%')"],
    [
      "hostile text",
      { text: "') OR 1=1 --" },
      "CASEI(title) LIKE CASEI('%'') OR 1=1 --%')",
    ],
    [
      "near",
      { near: { label: "Kabul", lon: 69.17, lat: 34.53, km: 25 } },
      "S_DWITHIN(location, POINT(69.17 34.53), 25, kilometers)",
    ],
    ["near with zero radius ignored", { near: { label: "Kabul", lon: 69.17, lat: 34.53, km: 0 } }, ""],
    [
      "rectangle",
      { rect: [60, 30, 70, 36] },
      "S_INTERSECTS(location, POLYGON((60 30, 70 30, 70 36, 60 36, 60 30)))",
    ],
    ["rectangle across the antimeridian", { rect: [170, -10, -170, 10] }, "S_INTERSECTS(location, BBOX(170, -10, -170, 10))"],
  ])("%s", (_name, patch, want) => {
    expect(buildCQL2(state(patch))).toBe(want);
  });

  it("ANDs every filter in a fixed order", () => {
    const f: FilterState = {
      from: "2020-01-01",
      to: "2022-12-31",
      eventTypes: ["Riots"],
      subEventTypes: ["Mob violence"],
      targetTypes: ["consulate"],
      countries: ["AFG", "IRQ"],
      provinces: ["AF-HER"],
      targetCountries: ["IRN"],
      minFatalities: 1,
      text: "Herat",
      near: { label: "Herat", lon: 62.2, lat: 34.34, km: 10 },
      rect: [60, 30, 65, 36],
    };
    expect(buildCQL2(f)).toBe(
      "T_INTERSECTS(occurred, INTERVAL('2020-01-01', '2022-12-31')) AND event_type = 'Riots' AND " +
        "sub_event_type = 'Mob violence' AND " +
        "target_type = 'consulate' AND country IN ('AFG', 'IRQ') AND admin1_code = 'AF-HER' AND target_country = 'IRN' AND " +
        "fatalities >= 1 AND CASEI(title) LIKE CASEI('%Herat%') AND " +
        "S_DWITHIN(location, POINT(62.2 34.34), 10, kilometers) AND " +
        "S_INTERSECTS(location, POLYGON((60 30, 65 30, 65 36, 60 36, 60 30)))",
    );
  });

  it("rectGeometry rounds coordinates", () => {
    expect(rectGeometry([1.23456789, 2, 3, 4])).toBe("POLYGON((1.234568 2, 3 2, 3 4, 1.234568 4, 1.234568 2))");
  });
});

describe("itemsURL", () => {
  it("empty state: only sortby", () => {
    expect(itemsURL(emptyFilter())).toBe("/collections/incidents/items?sortby=-occurred_start");
  });

  it("bbox, limit and format", () => {
    expect(itemsURL(emptyFilter(), { bbox: [60, 30, 70, 36.5], limit: 1000, format: "csv" })).toBe(
      "/collections/incidents/items?bbox=60,30,70,36.5&limit=1000&sortby=-occurred_start&f=csv".replaceAll(",", "%2C"),
    );
  });

  it("the filter round-trips through the URL", () => {
    const f = state({ text: "50% + it's & more", countries: ["AFG"] });
    const url = itemsURL(f, { base: "http://example.test:8080", limit: 10 });
    expect(url.startsWith("http://example.test:8080/collections/incidents/items?filter=")).toBe(true);
    expect(url).not.toContain("+");
    const q = new URL(url).searchParams;
    expect(q.get("filter")).toBe(buildCQL2(f));
    expect(q.get("filter-lang")).toBe("cql2-text");
    expect(q.get("limit")).toBe("10");
    expect(q.has("bbox")).toBe(false);
    expect(q.has("f")).toBe(false);
  });
});

describe("countURL", () => {
  it("counts the whole selection, its date range included", () => {
    const f = state({ from: "2020-01-01", to: "2020-12-31", countries: ["AFG"] });
    const u = new URL(countURL(f), "http://x");
    expect(u.pathname).toBe("/collections/incidents/aggregate");
    expect(u.searchParams.get("filter")).toContain("country = 'AFG'");
    expect(u.searchParams.get("filter")).toContain("2020-12-31");
    expect(countURL(f)).not.toContain("+");
  });
  it("has no filter when nothing is selected", () => {
    expect(countURL(state({}))).toBe("/collections/incidents/aggregate?groupby=year");
  });
});

describe("aggregateURL", () => {
  it("asks for months over the filter without its date range", () => {
    const f = state({ from: "2020-01-01", to: "2020-12-31", countries: ["AFG"], provinces: ["AF-HER"] });
    const u = new URL(aggregateURL(f), "http://x");
    expect(u.pathname).toBe("/collections/incidents/aggregate");
    expect(u.searchParams.get("groupby")).toBe("month");
    expect(u.searchParams.get("filter")).toBe("country = 'AFG' AND admin1_code = 'AF-HER'");
    expect(u.searchParams.get("filter-lang")).toBe("cql2-text");
    expect(aggregateURL(f)).not.toContain("+");
  });
  it("has no filter for a date range alone", () => {
    expect(aggregateURL(state({ from: "2020-01-01" }))).toBe("/collections/incidents/aggregate?groupby=month");
  });
  it("isAdmin1", () => {
    expect(isAdmin1("AF-HER")).toBe(true);
    expect(isAdmin1("IQ-BG")).toBe(true);
    expect(isAdmin1("AFG")).toBe(false);
    expect(isAdmin1("af-her")).toBe(false);
  });
});
