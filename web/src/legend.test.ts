import { describe, expect, test } from "vitest";
import { classBreaks, classOf, scaleBar } from "./legend";

describe("classBreaks and classOf", () => {
  test.each([
    [1, [1]],
    [3, [1, 2]],
    [100000, [1, 10, 100, 1000, 10000]],
  ])("up to %i", (max, want) => {
    const b = classBreaks(max);
    expect(b).toEqual(want);
    for (let i = 1; i < b.length; i++) expect(b[i] as number).toBeGreaterThan(b[i - 1] as number);
  });
  test("every count falls in one class, the greatest in the last", () => {
    const b = classBreaks(100000);
    expect(classOf(1, b)).toBe(0);
    expect(classOf(9, b)).toBe(0);
    expect(classOf(10, b)).toBe(1);
    expect(classOf(99999, b)).toBe(4);
    expect(classOf(100000, b)).toBe(4);
  });
});

describe("scaleBar", () => {
  test.each([
    // metres per pixel, widest, metres, pixels
    [1000, 150, 100000, 100],
    [3000, 150, 200000, 66.667],
    [40, 150, 5000, 125],
    [0.5, 150, 50, 100],
  ])("%f m/px", (mpp, max, metres, px) => {
    const s = scaleBar(mpp, max);
    expect(s.metres).toBe(metres);
    expect(s.px).toBeCloseTo(px, 2);
    expect(s.px).toBeLessThanOrEqual(max);
  });
});
