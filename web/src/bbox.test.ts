/** Tests of bbox normalisation and the items URL. */
import { describe, expect, it } from "vitest";
import { itemsURL, nearLon, normaliseBBox, wrapLon } from "./bbox";

describe("wrapLon", () => {
  it("wraps into [-180, 180)", () => {
    expect(wrapLon(0)).toBe(0);
    expect(wrapLon(190)).toBe(-170);
    expect(wrapLon(-190)).toBe(170);
    expect(wrapLon(540)).toBe(-180);
    expect(wrapLon(-725)).toBe(-5);
  });
});

describe("normaliseBBox", () => {
  it("leaves an ordinary view alone", () => {
    expect(normaliseBBox(40, 20, 70, 40)).toEqual([40, 20, 70, 40]);
  });

  it("wraps a view panned a whole world away", () => {
    expect(normaliseBBox(400, 20, 430, 40)).toEqual([40, 20, 70, 40]);
    expect(normaliseBBox(-320, 20, -290, 40)).toEqual([40, 20, 70, 40]);
  });

  it("sends west > east for a view across the antimeridian", () => {
    expect(normaliseBBox(170, -10, 200, 10)).toEqual([170, -10, -160, 10]);
    expect(normaliseBBox(-200, -10, -170, 10)).toEqual([160, -10, -170, 10]);
  });

  it("keeps an east edge on the antimeridian at 180", () => {
    expect(normaliseBBox(150, 0, 180, 10)).toEqual([150, 0, 180, 10]);
    expect(normaliseBBox(-210, 0, -180, 10)).toEqual([150, 0, 180, 10]);
  });

  it("asks for every longitude when a crossing view is 180° wide or more", () => {
    // A 281°-wide view centred on 60°E would wrap to west -80.5 > east -159.5.
    expect(normaliseBBox(-80.5, -60, 200.5, 60)).toEqual([-180, -60, 180, 60]);
    // A wide view that does not cross keeps its edges.
    expect(normaliseBBox(-100, -60, 100, 60)).toEqual([-100, -60, 100, 60]);
  });

  it("clamps latitudes", () => {
    expect(normaliseBBox(0, -95.5, 10, 120)).toEqual([0, -90, 10, 90]);
  });

  it("uses the whole world for a view 360° wide or more", () => {
    expect(normaliseBBox(-300, -100, 300, 100)).toEqual([-180, -90, 180, 90]);
    expect(normaliseBBox(-180, -50, 180, 50)).toEqual([-180, -50, 180, 50]);
    expect(normaliseBBox(10, -50, 370, 50)).toEqual([-180, -50, 180, 50]);
  });

  it("rounds to 6 decimals without -0", () => {
    expect(normaliseBBox(-0.00000001, 1.23456789, 2.0000004, 3)).toEqual([0, 1.234568, 2, 3]);
  });
});

describe("itemsURL", () => {
  it("builds the bbox and limit query", () => {
    expect(itemsURL([40, 20.5, 70, 40])).toBe("/collections/incidents/items?bbox=40,20.5,70,40&limit=1000");
    expect(itemsURL([170, -10, -160, 10], 50)).toBe("/collections/incidents/items?bbox=170,-10,-160,10&limit=50");
  });
});

describe("nearLon", () => {
  it("moves a longitude next to the view centre", () => {
    expect(nearLon(-175, 180)).toBe(185);
    expect(nearLon(62, 55)).toBe(62);
    expect(nearLon(62, 55 + 720)).toBe(62 + 720);
  });
});
