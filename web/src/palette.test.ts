import { describe, expect, it } from "vitest";
import { contrast } from "./a11y";
import { BASEMAP_COLOURS } from "./mapconfig";
import { EVENT_COLOURS, OTHER_COLOUR } from "./palette";

describe("marker colours", () => {
  const colours = [...Object.entries(EVENT_COLOURS), ["Other", OTHER_COLOUR]] as [string, string][];
  for (const [bg, bgColour] of [["land", BASEMAP_COLOURS.land], ["sea", BASEMAP_COLOURS.sea], ["white", "#ffffff"]]) {
    it.each(colours)(`%s (%s) has at least 3:1 against ${bg}`, (_, c) => {
      expect(contrast(c, bgColour as string)).toBeGreaterThanOrEqual(3);
    });
  }
});
