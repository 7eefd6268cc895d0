import { describe, expect, it } from "vitest";
import { abbreviate, clustersURL, describeCluster, membersURL, parseClusters, ringGradient, segments, zoomOf } from "./clusters";
import { OTHER_COLOUR, eventColour } from "./palette";
import { emptyFilter } from "./query";

describe("clustersURL", () => {
  it("asks for the view at the map's zoom with the filter in CQL2", () => {
    const f = { ...emptyFilter(), countries: ["AFG"] };
    expect(clustersURL(f, [60, 30, 70.5, 35], 6.4)).toBe(
      "/collections/incidents/clusters?filter=country%20%3D%20%27AFG%27&filter-lang=cql2-text&zoom=6&bbox=60,30,70.5,35",
    );
    expect(clustersURL(emptyFilter(), [-180, -90, 180, 90], 30)).toBe("/collections/incidents/clusters?zoom=22&bbox=-180,-90,180,90");
  });
  it("asks for a cluster's members under the same filter", () => {
    expect(membersURL({ ...emptyFilter(), eventTypes: ["Riots"] }, "1000000000000063", 200)).toBe(
      "/collections/incidents/clusters/1000000000000063?filter=event_type%20%3D%20%27Riots%27&filter-lang=cql2-text&limit=200",
    );
  });
  it("clamps zooms", () => {
    expect([zoomOf(-1), zoomOf(2.6), zoomOf(99)]).toEqual([0, 3, 22]);
  });
});

describe("parseClusters", () => {
  it("keeps well-formed features and the server's total", () => {
    const fc = parseClusters({
      type: "FeatureCollection",
      numberMatched: 12,
      clustered: true,
      features: [
        { type: "Feature", id: "a", geometry: { type: "Point", coordinates: [44, 33] }, properties: { cluster: true, count: 11 } },
        { type: "Feature", id: "b", geometry: { type: "Point", coordinates: [69, 34] }, properties: { cluster: false, count: 1 } },
        { type: "Feature", id: "c", geometry: { type: "Point", coordinates: ["x", 34] }, properties: { cluster: false, count: 1 } },
      ],
    });
    expect(fc.numberMatched).toBe(12);
    expect(fc.features.map((f) => f.id)).toEqual(["a", "b"]);
    expect(fc.numberReturned).toBe(2);
  });
  it("refuses anything else", () => {
    expect(() => parseClusters({ type: "Feature" })).toThrow();
  });
});

describe("segments", () => {
  it("splits the ring in the legend's order, others last", () => {
    const s = segments({ Protests: 1, Battles: 3, Parties: 4 });
    expect(s.map((x) => [x.type, x.count])).toEqual([
      ["Battles", 3],
      ["Protests", 1],
      ["other", 4],
    ]);
    expect(s.reduce((n, x) => n + x.length, 0)).toBeCloseTo(1);
    expect(s[1]?.start).toBeCloseTo(3 / 8);
  });
});

describe("abbreviate and describeCluster", () => {
  it("writes counts short and in full", () => {
    expect([999, 1234, 45678, 1_000_000, 12_345_678].map(abbreviate)).toEqual(["999", "1.2k", "45k", "1M", "12M"]);
    expect(describeCluster(1500, { Riots: 500, Battles: 1000 })).toBe("1,500 incidents: Battles 1,000, Riots 500");
  });
});

describe("ringGradient", () => {
  it("gives each event type its share of the ring, in the legend's order", () => {
    expect(ringGradient({ Riots: 1, Battles: 3 })).toBe(
      `conic-gradient(${eventColour("Battles")} 0% 75%, ${eventColour("Riots")} 75% 100%)`,
    );
  });
  it("is one colour for a cluster without types", () => {
    expect(ringGradient({})).toBe(OTHER_COLOUR);
  });
});
