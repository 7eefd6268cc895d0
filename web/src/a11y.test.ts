import { describe, expect, it } from "vitest";
import { clusterName, contrast, incidentName, rgbOf } from "./a11y";

describe("clusterName", () => {
  it.each([
    [7, { "Explosions/Remote violence": 5, "Strategic developments": 2 }, "7 incidents: 5 explosions, 2 strategic developments"],
    [1, { Riots: 1 }, "1 incident: 1 riot"],
    [1200, { Battles: 1000, "Violence against civilians": 200 }, "1,200 incidents: 1,000 battles, 200 attacks on civilians"],
    [3, { Other: 3, Protests: 0 }, "3 incidents: 3 other incidents"],
    [4, {}, "4 incidents"],
  ])("%d incidents", (n, types, want) => {
    expect(clusterName(n, types)).toBe(want);
  });
});

describe("incidentName", () => {
  it("joins title, type and date, skipping what is missing", () => {
    expect(incidentName("Attack on the consulate", "Battles", "2022-04-11")).toBe("Attack on the consulate, Battles, 2022-04-11");
    expect(incidentName(null, null, undefined)).toBe("Incident");
  });
});

describe("contrast", () => {
  it.each([
    ["#000000", "#ffffff", 21],
    ["#fff", "#ffffff", 1],
    ["rgb(118, 118, 118)", "#ffffff", 4.54],
  ])("%s on %s", (a, b, want) => {
    expect(contrast(a, b)).toBeCloseTo(want, 1);
  });

  it("rejects what is not a colour", () => {
    expect(rgbOf("red")).toBeNull();
    expect(() => contrast("red", "#fff")).toThrow(/colour/);
  });
});
