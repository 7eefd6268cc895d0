import { describe, expect, test } from "vitest";
import {
  brushRange,
  dayNum,
  daysFrom,
  nextStart,
  nextStep,
  prevStep,
  selectedSpans,
  spanLabel,
  spansOf,
  ticks,
  unitEnd,
  unitStart,
  type Span,
  type Unit,
} from "./timeaxis";

describe("units", () => {
  test.each<[string, Unit, string, string, string]>([
    // day, unit, start, end, next start
    ["2021-08-18", "day", "2021-08-18", "2021-08-18", "2021-08-19"],
    ["2021-08-18", "week", "2021-08-16", "2021-08-22", "2021-08-23"], // a Wednesday; weeks start on Monday
    ["2021-08-16", "week", "2021-08-16", "2021-08-22", "2021-08-23"],
    ["2021-08-22", "week", "2021-08-16", "2021-08-22", "2021-08-23"], // a Sunday
    ["1969-12-31", "week", "1969-12-29", "1970-01-04", "1970-01-05"], // before the epoch
    ["2020-02-10", "month", "2020-02-01", "2020-02-29", "2020-03-01"], // leap year
    ["2021-12-31", "month", "2021-12-01", "2021-12-31", "2022-01-01"],
    ["2021-06-30", "year", "2021-01-01", "2021-12-31", "2022-01-01"],
  ])("%s by %s", (day, unit, start, end, next) => {
    expect(unitStart(day, unit)).toBe(start);
    expect(unitEnd(start, unit)).toBe(end);
    expect(nextStart(start, unit)).toBe(next);
  });

  test("dayNum rejects what is not a calendar day", () => {
    for (const s of ["2021-02-30", "2021-13-01", "2021-1-01", "", "x"]) expect(dayNum(s)).toBeNaN();
    expect(dayNum("1970-01-02")).toBe(1);
  });
});

describe("daysFrom", () => {
  test.each([
    ["day buckets", { groupby: "day", buckets: [{ key: "2021-08-16", count: 2 }, { key: "2021-08-18", count: 1 }] }, [["2021-08-16", 2], ["2021-08-18", 1]]],
    ["month buckets go on their first day", { groupby: "month", buckets: [{ key: "2021-08", count: 5 }] }, [["2021-08-01", 5]]],
    ["malformed buckets are dropped", { groupby: "day", buckets: [{ key: "2021-02-30", count: 1 }, { key: "2021-08-16", count: -1 }, null, { key: "2021-08-17", count: 3 }] }, [["2021-08-17", 3]]],
  ])("%s", (_, body, want) => {
    expect([...(daysFrom(body) as Map<string, number>)]).toEqual(want);
  });
  test("other bodies are null", () => {
    for (const b of [null, "x", { groupby: "year", buckets: [] }, { groupby: "day" }]) expect(daysFrom(b)).toBeNull();
  });
});

const days = new Map([
  ["2021-08-16", 2],
  ["2021-08-18", 1],
  ["2021-09-02", 4],
  ["2021-11-30", 1],
]);

describe("spansOf", () => {
  test.each<[Unit, number, Span | undefined, number]>([
    // unit, spans, the first span, the sum
    ["day", 107, { from: "2021-08-16", to: "2021-08-16", count: 2 }, 8],
    ["week", 16, { from: "2021-08-16", to: "2021-08-22", count: 3 }, 8],
    ["month", 4, { from: "2021-08-01", to: "2021-08-31", count: 3 }, 8],
    ["year", 1, { from: "2021-01-01", to: "2021-12-31", count: 8 }, 8],
  ])("by %s", (unit, n, first, sum) => {
    const s = spansOf(days, unit);
    expect(s.length).toBe(n);
    expect(s[0]).toEqual(first);
    expect(s.reduce((a, x) => a + x.count, 0)).toBe(sum);
    for (let i = 1; i < s.length; i++) expect(dayNum((s[i] as Span).from)).toBe(dayNum((s[i - 1] as Span).to) + 1);
  });
  test("empty", () => expect(spansOf(new Map(), "month")).toEqual([]));
  test("labels", () => {
    const s = { from: "2021-08-16", to: "2021-08-22", count: 1 };
    expect(UNITS_LABELS.map((u) => spanLabel(s, u))).toEqual(["2021-08-16", "week of 2021-08-16", "2021-08", "2021"]);
  });
});

const UNITS_LABELS: Unit[] = ["day", "week", "month", "year"];

describe("ranges and steps", () => {
  const months = spansOf(days, "month"); // Aug 3, Sep 4, Oct 0, Nov 1
  test("selectedSpans", () => {
    expect(selectedSpans(months, "", "")).toBeNull();
    expect(selectedSpans(months, "2021-08-20", "2021-09-01")).toEqual([0, 1]);
    expect(selectedSpans(months, "2021-10-01", "")).toEqual([2, 3]);
    expect(selectedSpans(months, "2022-01-01", "")).toBeNull();
  });
  test("brushRange", () => {
    expect(brushRange(months, 2, 0)).toEqual({ from: "2021-08-01", to: "2021-10-31" });
    expect(brushRange([], 0, 1)).toBeNull();
  });
  test("nextStep skips spans without incidents and ends", () => {
    const seen: string[] = [];
    let from = "";
    let to = "";
    for (let s = nextStep(months, from, to); s && seen.length < 10; s = nextStep(months, from, to)) {
      seen.push(s.from);
      ({ from, to } = s);
    }
    expect(seen).toEqual(["2021-08-01", "2021-09-01", "2021-11-01"]);
    // A range that is not one span starts at the first.
    expect(nextStep(months, "2021-08-05", "2021-09-30")?.from).toBe("2021-08-01");
  });
  test("prevStep", () => {
    expect(prevStep(months, "2021-11-01", "2021-11-30")?.from).toBe("2021-09-01");
    expect(prevStep(months, "2021-08-01", "2021-08-31")).toBeNull();
    expect(prevStep(months, "", "")?.from).toBe("2021-11-01");
  });
});

describe("ticks", () => {
  test.each([
    ["eight years: every two years", "2015-01-01", "2022-12-31", 5, ["2016", "2018", "2020", "2022"]],
    ["two years: every six months", "2020-01-01", "2021-12-31", 5, ["2020-01", "2020-07", "2021-01", "2021-07"]],
    ["a month: weekly", "2021-08-01", "2021-08-31", 5, ["2021-08-02", "2021-08-09", "2021-08-16", "2021-08-23", "2021-08-30"]],
    ["three days: daily", "2021-08-01", "2021-08-03", 5, ["2021-08-01", "2021-08-02", "2021-08-03"]],
  ])("%s", (_, first, last, max, want) => {
    const t = ticks(first, last, max);
    expect(t.map((x) => x.label)).toEqual(want);
    for (const x of t) expect(x.at >= 0 && x.at < 1).toBe(true);
  });
  test("the first tick of a year axis is where the year starts", () => {
    const t = ticks("2015-07-01", "2017-06-30", 3);
    expect(t[0]).toEqual({ at: 184 / 731, label: "2016" }); // 2016 is a leap year
  });
});
