import { describe, expect, it } from "vitest";
import { emptyFilter } from "./query";
import { fromSearch, toSearch, type PageState } from "./urlstate";

describe("URL state", () => {
  it("empty state is an empty query string", () => {
    const s: PageState = { filter: emptyFilter(), view: null, selected: null, heat: false };
    expect(toSearch(s)).toBe("");
    expect(fromSearch("")).toEqual(s);
  });

  it("round-trips every field", () => {
    const s: PageState = {
      filter: {
        from: "2020-01-01",
        to: "2022-12-31",
        eventTypes: ["Riots", "Explosions/Remote violence"],
        subEventTypes: ["Suicide bomb", "Shelling/artillery/missile attack"],
        targetTypes: ["embassy", "consulate"],
        countries: ["AFG", "IRQ"],
        provinces: ["AF-HER", "IQ-KA"],
        targetCountries: ["IRN"],
        minFatalities: 3,
        text: "it's 50% & more",
        near: { label: "Herat, AFG", lon: 62.2, lat: 34.34, km: 25 },
        rect: [170, -10, -170, 10],
      },
      view: { lat: 33.5, lon: 55.25, zoom: 5 },
      selected: "2022-04-11-herat-iran-consulate",
      heat: true,
      grid: true,
      choropleth: true,
    };
    expect(fromSearch(toSearch(s))).toEqual(s);
  });

  it("reads a fragment as well as a query string", () => {
    expect(fromSearch("#country=AFG&heat=1").filter.countries).toEqual(["AFG"]);
    expect(fromSearch("?country=AFG").filter.countries).toEqual(["AFG"]);
    expect(fromSearch("#heat=1").heat).toBe(true);
    expect(fromSearch("#grid=1").grid).toBe(true);
    expect(fromSearch("#grid=yes").grid).toBeUndefined();
  });

  it("ignores invalid values", () => {
    const s = fromSearch(
      "?from=2020-13-01&to=x&country=AFG,x'1,irq&fatalities=-2&near_at=1,2&rect=1,2,3&map=5,100,0&id=%3Cscript%3E&heat=yes",
    );
    expect(s.filter.from).toBe("");
    expect(s.filter.to).toBe("");
    expect(s.filter.countries).toEqual(["AFG", "IRQ"]);
    expect(s.filter.minFatalities).toBeNull();
    expect(s.filter.near).toBeNull();
    expect(s.filter.rect).toBeNull();
    expect(s.view).toBeNull();
    expect(s.selected).toBeNull();
    expect(s.heat).toBe(false);
  });
});
