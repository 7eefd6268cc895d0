/**
 * Numbers for the legends and the scale bar: the colour classes of the
 * grid mode (a logarithmic scale, as counts per cell span orders of
 * magnitude) and a round distance for a scale bar. Pure functions only.
 */

/** Light to dark: the classes of the grid, fewest incidents first. */
export const GRID_COLOURS = ["#fee8c8", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];

/**
 * classBreaks are the lower bounds of the colour classes for counts up to
 * max: 1, then powers of a step that spreads them evenly on a log scale.
 */
export function classBreaks(max: number, classes = GRID_COLOURS.length): number[] {
  const out = [1];
  if (max <= 1) return out;
  const step = Math.pow(max, 1 / classes);
  for (let i = 1; i < classes; i++) {
    const b = Math.max(out[out.length - 1] as number, Math.round(Math.pow(step, i)));
    if (b > (out[out.length - 1] as number)) out.push(b);
  }
  return out;
}

/** classOf is the index of the class of count n. */
export function classOf(n: number, breaks: number[]): number {
  let i = 0;
  while (i + 1 < breaks.length && n >= (breaks[i + 1] as number)) i++;
  return i;
}

/** scaleBar is a round distance in metres that is at most maxPx wide at the map's centre, and its width. */
export function scaleBar(metresPerPx: number, maxPx: number): { metres: number; px: number } {
  const most = metresPerPx * maxPx;
  const pow = Math.pow(10, Math.floor(Math.log10(most)));
  const lead = most / pow >= 5 ? 5 : most / pow >= 2 ? 2 : 1;
  const metres = lead * pow;
  return { metres, px: metres / metresPerPx };
}
