/** Tests of checking server responses: /config.json and the items body. */
import { describe, expect, it } from "vitest";
import { basemapFrom, enumsFrom, LoadError, parseCollection, placesFrom, provincesFrom } from "./api";
import { eventColour, OTHER_COLOUR } from "./palette";

describe("basemapFrom", () => {
  it("reads url and attribution", () => {
    expect(basemapFrom({ basemap: { url: "https://tiles.example/{z}/{x}/{y}.png", attribution: "© X" } })).toEqual({
      url: "https://tiles.example/{z}/{x}/{y}.png",
      attribution: "© X",
    });
    expect(basemapFrom({ basemap: { url: "/tiles/{z}/{x}/{y}.png" } })).toEqual({
      url: "/tiles/{z}/{x}/{y}.png",
      attribution: "",
    });
  });
  it("means no basemap for an empty, absent or odd url", () => {
    for (const cfg of [null, {}, { basemap: null }, { basemap: { url: "" } }, { basemap: { url: 5 } },
      { basemap: { url: "javascript:alert(1)" } }, { basemap: { url: "//evil.example/{z}" } }]) {
      expect(basemapFrom(cfg), JSON.stringify(cfg)).toBeNull();
    }
  });
});

describe("parseCollection", () => {
  const point = { type: "Feature", id: "a", geometry: { type: "Point", coordinates: [62.199, 34.342] }, properties: {} };
  it("keeps point features and reads the counts", () => {
    const fc = parseCollection({
      type: "FeatureCollection",
      features: [point, { ...point, geometry: null }],
      numberMatched: 7,
      numberReturned: 1,
    });
    expect(fc.features).toHaveLength(1);
    expect(fc.numberMatched).toBe(7);
    expect(fc.numberReturned).toBe(1);
  });
  it("defaults the counts", () => {
    const fc = parseCollection({ type: "FeatureCollection", features: [point] });
    expect([fc.numberReturned, fc.numberMatched]).toEqual([1, 1]);
  });
  it("rejects a non-collection", () => {
    expect(() => parseCollection({ code: "x" })).toThrow(LoadError);
  });
});

describe("eventColour", () => {
  it("has a colour per event type and grey otherwise", () => {
    expect(eventColour("Protests")).not.toBe(OTHER_COLOUR);
    expect(eventColour("toString")).toBe(OTHER_COLOUR);
    expect(eventColour(null)).toBe(OTHER_COLOUR);
  });
});

describe("enumsFrom", () => {
  it("reads the event and target type enums of /queryables", () => {
    const body = {
      properties: {
        event_type: { type: "string", enum: ["Protests", "Riots"] },
        target_type: { type: "string", enum: ["embassy"] },
        sub_event_type: { type: "string", enum: ["Mob violence"] },
      },
    };
    expect(enumsFrom(body)).toEqual({ eventTypes: ["Protests", "Riots"], targetTypes: ["embassy"], subEventTypes: ["Mob violence"] });
  });
  it("is null for anything else", () => {
    expect(enumsFrom(null)).toBeNull();
    expect(enumsFrom({ properties: { event_type: { enum: [1] }, target_type: { enum: [] } } })).toBeNull();
  });
});

describe("placesFrom", () => {
  it("keeps point candidates with their properties, best first", () => {
    const body = {
      type: "FeatureCollection",
      features: [
        {
          type: "Feature",
          geometry: { type: "Point", coordinates: [62.2, 34.34] },
          properties: { name: "Herat", country: "AFG", admin1_name: "Herat", precision: "city", score: 1 },
        },
        { type: "Feature", geometry: { type: "Polygon", coordinates: [] }, properties: { name: "bad" } },
        { type: "Feature", geometry: { type: "Point", coordinates: ["x", 1] }, properties: {} },
      ],
    };
    expect(placesFrom(body)).toEqual([
      { name: "Herat", country: "AFG", admin1: "Herat", precision: "city", lon: 62.2, lat: 34.34 },
    ]);
    expect(placesFrom({})).toEqual([]);
  });
});

describe("provincesFrom", () => {
  it("reads code and name of each region, sorted by name, skipping malformed ones", () => {
    const body = {
      type: "FeatureCollection",
      features: [
        { type: "Feature", properties: { code: "AF-KAB", name: "Kabul", level: 1 }, geometry: null },
        { type: "Feature", properties: { code: "AF-HER", name: "Herat", level: 1 }, geometry: null },
        { type: "Feature", properties: { code: 3, name: "x" } },
        null,
      ],
    };
    expect(provincesFrom(body)).toEqual([
      { code: "AF-HER", name: "Herat" },
      { code: "AF-KAB", name: "Kabul" },
    ]);
    expect(provincesFrom({})).toEqual([]);
  });
});
