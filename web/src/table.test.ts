import { describe, expect, test } from "vitest";
import { emptyFilter } from "./query";
import { PAGE_SIZE, sortParam, tableURL } from "./table";

describe("table requests", () => {
  test.each([
    ["occurred_start", true, "-occurred_start,-id"],
    ["fatalities", false, "fatalities,id"],
  ])("sortParam(%s, %s)", (key, desc, want) => {
    expect(sortParam(key, desc)).toBe(want);
  });
  test("tableURL: the filter, the view, a page and the column's order", () => {
    const f = { ...emptyFilter(), countries: ["AFG"] };
    const u = new URL(tableURL(f, [60, 29, 75.5, 38], "country", false), "http://x");
    expect(u.pathname).toBe("/collections/incidents/items");
    expect(u.searchParams.get("filter")).toBe("country = 'AFG'");
    expect(u.searchParams.get("bbox")).toBe("60,29,75.5,38");
    expect(u.searchParams.get("limit")).toBe(String(PAGE_SIZE));
    expect(u.searchParams.getAll("sortby")).toEqual(["country,id"]);
  });
});
