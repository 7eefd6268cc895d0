import { describe, expect, it } from "vitest";
import { mapConfigFrom, tileURL } from "./mapconfig";

describe("mapConfigFrom", () => {
  const builtin = { url: "/tiles/basemap/{z}/{x}/{y}.mvt", attribution: "Natural Earth" };
  it.each([
    ["both", { basemap: { url: "https://t.example/{z}/{x}/{y}.png", attribution: "T" }, builtin_basemap: builtin },
      { basemap: { url: "https://t.example/{z}/{x}/{y}.png", attribution: "T" }, builtin }],
    ["built-in only", { basemap: null, builtin_basemap: builtin }, { basemap: null, builtin }],
    ["an older server", { basemap: null }, { basemap: null, builtin: null }],
    ["a hostile URL", { basemap: null, builtin_basemap: { url: "javascript:alert(1)" } }, { basemap: null, builtin: null }],
    ["not an object", "nonsense", { basemap: null, builtin: null }],
  ])("%s", (_, body, want) => {
    expect(mapConfigFrom(body)).toEqual(want);
  });
});

describe("tileURL", () => {
  it("fills the template", () => {
    expect(tileURL("/tiles/basemap/{z}/{x}/{y}.mvt", 3, 5, 2)).toBe("/tiles/basemap/3/5/2.mvt");
  });
});
