import { describe, expect, it } from "vitest";
import { addMonths, brushRange, bucketsFrom, firstDay, lastDay, nextWindow, selectedBars } from "./months";
import { groupSubEvents } from "./subevents";

describe("month arithmetic", () => {
  it("addMonths crosses years both ways", () => {
    expect(addMonths("2019-11", 3)).toBe("2020-02");
    expect(addMonths("2020-01", -1)).toBe("2019-12");
    expect(addMonths("2020-12", 12)).toBe("2021-12");
  });
  it("first and last days, leap years included", () => {
    expect(firstDay("2020-02")).toBe("2020-02-01");
    expect(lastDay("2020-02")).toBe("2020-02-29");
    expect(lastDay("2021-02")).toBe("2021-02-28");
    expect(lastDay("2021-12")).toBe("2021-12-31");
    expect(lastDay("2021-04")).toBe("2021-04-30");
  });
});

describe("bucketsFrom", () => {
  it("fills the months between the first and the last with zeros", () => {
    const body = { groupby: "month", numberMatched: 4, buckets: [{ key: "2020-01", count: 3 }, { key: "2019-11", count: 1 }] };
    expect(bucketsFrom(body)).toEqual([
      { key: "2019-11", count: 1 },
      { key: "2019-12", count: 0 },
      { key: "2020-01", count: 3 },
    ]);
  });
  it("drops malformed buckets and refuses other bodies", () => {
    expect(bucketsFrom({ groupby: "month", buckets: [{ key: "2020-13", count: 1 }, { key: "x", count: 2 }, { key: "2020-01", count: "3" }] })).toEqual([]);
    expect(bucketsFrom({ groupby: "year", buckets: [] })).toBeNull();
    expect(bucketsFrom(null)).toBeNull();
  });
});

describe("brush and windows", () => {
  const keys = ["2019-11", "2019-12", "2020-01", "2020-02", "2020-03"];
  it("brushRange spans whole months in either drag direction", () => {
    expect(brushRange(keys, 1, 3)).toEqual({ from: "2019-12-01", to: "2020-02-29" });
    expect(brushRange(keys, 3, 1)).toEqual({ from: "2019-12-01", to: "2020-02-29" });
    expect(brushRange(keys, -5, 99)).toEqual({ from: "2019-11-01", to: "2020-03-31" });
    expect(brushRange([], 0, 0)).toBeNull();
  });
  it("selectedBars is the bars a range touches", () => {
    expect(selectedBars(keys, "2019-12-15", "2020-01-02")).toEqual([1, 2]);
    expect(selectedBars(keys, "2020-02-01", "")).toEqual([3, 4]);
    expect(selectedBars(keys, "", "")).toBeNull();
    expect(selectedBars(keys, "2021-01-01", "")).toBeNull();
  });
  it("nextWindow steps by the window and stops after the last", () => {
    expect(nextWindow(keys, 1, "", "")).toEqual({ from: "2019-11-01", to: "2019-11-30" });
    expect(nextWindow(keys, 1, "2019-11-01", "2019-11-30")).toEqual({ from: "2019-12-01", to: "2019-12-31" });
    expect(nextWindow(keys, 3, "", "")).toEqual({ from: "2019-11-01", to: "2020-01-31" });
    expect(nextWindow(keys, 3, "2019-11-01", "2020-01-31")).toEqual({ from: "2020-02-01", to: "2020-03-31" });
    expect(nextWindow(keys, 12, "", "")).toEqual({ from: "2019-11-01", to: "2020-03-31" });
    expect(nextWindow(keys, 1, "2020-03-01", "2020-03-31")).toBeNull();
    // A range that does not start a month restarts at the first window.
    expect(nextWindow(keys, 1, "2019-12-15", "2020-01-02")).toEqual({ from: "2019-11-01", to: "2019-11-30" });
  });
});

describe("groupSubEvents", () => {
  it("groups under the event types, unknown ones last", () => {
    const got = groupSubEvents(["Mob violence", "Suicide bomb", "Violent demonstration", "Made up"], ["Riots", "Explosions/Remote violence"]);
    expect(got).toEqual([
      ["Riots", ["Violent demonstration", "Mob violence"]],
      ["Explosions/Remote violence", ["Suicide bomb"]],
      ["Other", ["Made up"]],
    ]);
  });
});
