import { describe, expect, it } from "vitest";
import { decodeTile, geometry } from "./mvt";

// A tiny protobuf writer, enough to build tiles by hand.
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
};
const field = (num: number, wire: number, body: number[]): number[] =>
  wire === 2 ? [...varint(num * 8 + 2), ...varint(body.length), ...body] : [...varint(num * 8 + wire), ...body];
const str = (s: string): number[] => [...new TextEncoder().encode(s)];
const zz = (n: number): number => (n < 0 ? -2 * n - 1 : 2 * n);
const packed = (ns: number[]): number[] => ns.flatMap(varint);

/** A tile with a layer "label" (one point, name Kabul, rank 3) and a layer "land" (a square). */
function sample(): Uint8Array {
  const label = [
    ...field(15, 0, varint(2)),
    ...field(1, 2, str("label")),
    ...field(2, 2, [...field(2, 2, packed([0, 0, 1, 1])), ...field(3, 0, varint(1)), ...field(4, 2, packed([9, zz(100), zz(200)]))]),
    ...field(3, 2, str("name")),
    ...field(3, 2, str("rank")),
    ...field(4, 2, field(1, 2, str("Kabul"))),
    ...field(4, 2, field(4, 0, varint(3))),
    ...field(5, 0, varint(4096)),
  ];
  const square = [9, zz(0), zz(0), (3 << 3) | 2, zz(10), 0, 0, zz(10), zz(-10), 0, 15];
  const land = [...field(1, 2, str("land")), ...field(2, 2, [...field(3, 0, varint(3)), ...field(4, 2, packed(square))]), ...field(5, 0, varint(512))];
  return new Uint8Array([...field(3, 2, label), ...field(3, 2, land), ...field(9, 0, varint(7))]);
}

describe("decodeTile", () => {
  it("reads layers, properties and geometry", () => {
    const layers = decodeTile(sample());
    const label = layers.get("label");
    expect(label?.extent).toBe(4096);
    expect(label?.features).toEqual([{ type: 1, props: { name: "Kabul", rank: 3 }, parts: [[100, 200]] }]);
    const land = layers.get("land");
    expect(land?.extent).toBe(512);
    expect(land?.features[0]?.parts).toEqual([[0, 0, 10, 0, 10, 10, 0, 10, 0, 0]]);
  });

  it("rejects a truncated tile", () => {
    const t = sample();
    expect(() => decodeTile(t.subarray(0, t.length - 12))).toThrow(/mvt/);
  });
});

describe("geometry", () => {
  it.each([
    ["two points", [17, zz(5), zz(5), zz(-2), zz(3)], [[5, 5], [3, 8]]],
    ["a line", [9, zz(1), zz(1), 18, zz(2), 0, 0, zz(2)], [[1, 1, 3, 1, 3, 3]]],
    ["nothing", [], []],
  ])("%s", (_, cmds, want) => {
    expect(geometry(cmds as number[])).toEqual(want);
  });

  it("rejects an unknown command", () => {
    expect(() => geometry([12, 0, 0])).toThrow(/command/);
  });
});
