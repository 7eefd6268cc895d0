/** Tests of the text helpers: dates, safe links, status and errors. */
import { describe, expect, it } from "vitest";
import { count, dateLabel, describeError, escapeHTML, safeHref, sourceParts, statusText } from "./format";

describe("dateLabel", () => {
  it("shows one day once", () => {
    expect(dateLabel("2022-04-11", "2022-04-11", "day")).toBe("2022-04-11");
    expect(dateLabel("2022-04-11", null, null)).toBe("2022-04-11");
  });
  it("shows a range when the ends differ", () => {
    expect(dateLabel("2022-04-11", "2022-04-13", "day")).toBe("2022-04-11 – 2022-04-13");
  });
  it("adds the precision when it is not a day", () => {
    expect(dateLabel("2022-04-01", "2022-04-30", "month")).toBe("2022-04-01 – 2022-04-30 (precision: month)");
    expect(dateLabel("2022-01-01", "2022-01-01", "year")).toBe("2022-01-01 (precision: year)");
  });
  it("copes with a missing start", () => {
    expect(dateLabel(null, null, null)).toBe("date unknown");
  });
});

describe("safeHref", () => {
  it("accepts http and https", () => {
    expect(safeHref("https://example.org/a?b=1")).toBe("https://example.org/a?b=1");
    expect(safeHref("http://example.org/")).toBe("http://example.org/");
    expect(safeHref("HTTPS://example.org/")).toBe("https://example.org/");
  });
  it("rejects everything else", () => {
    for (const url of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      " javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:x",
      "//example.org/",
      "/relative",
      "ftp://example.org/",
      "https://",
      "",
      null,
      undefined,
    ]) {
      expect(safeHref(url), String(url)).toBeNull();
    }
  });
});

describe("sourceParts", () => {
  it("links the title of a source with a safe URL", () => {
    expect(
      sourceParts({ publisher: "Mehr", title: "Attack", url: "https://example.org/x", published_on: "2022-04-12" }),
    ).toEqual({ text: "Attack", href: "https://example.org/x", detail: "Mehr, 2022-04-12" });
  });
  it("gives plain text for an unsafe or missing URL", () => {
    expect(sourceParts({ publisher: "Mehr", title: null, url: "javascript:alert(1)", published_on: null })).toEqual({
      text: "Mehr",
      href: null,
      detail: "",
    });
    expect(sourceParts({ publisher: null, title: null, url: null, published_on: "2022-04-12" })).toEqual({
      text: "untitled source",
      href: null,
      detail: "2022-04-12",
    });
  });
});

describe("statusText", () => {
  it("counts incidents in view", () => {
    expect(statusText(3, 3)).toBe("3 of 3 incidents in view");
    expect(statusText(1000, 2500)).toBe("1,000 of 2,500 incidents in view (zoom in to see all)");
  });
});

describe("describeError", () => {
  it("uses the server's description", () => {
    expect(describeError(400, { code: "invalid", description: "bbox: west must be a number" })).toBe(
      "bbox: west must be a number",
    );
  });
  it("falls back to the status", () => {
    expect(describeError(502, null)).toBe("The server answered with HTTP status 502.");
    expect(describeError(500, { code: "internal", description: 7 })).toBe("The server answered with HTTP status 500.");
  });
});

describe("escapeHTML", () => {
  it("escapes markup", () => {
    expect(escapeHTML(`<img src=x onerror="alert(1)"> & 'OSM'`)).toBe(
      "&#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#38; &#39;OSM&#39;",
    );
  });
});

describe("count", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [1000, "1,000"],
    [118741, "118,741"],
    [1_000_000, "1,000,000"],
  ])("%d", (n, want) => {
    expect(count(n)).toBe(want);
  });
});
