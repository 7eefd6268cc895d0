/**
 * A small reader of Mapbox Vector Tiles (version 2): the layers of a tile
 * with their features' properties and geometry in tile coordinates, as
 * the built-in basemap needs them to draw. Not a general protobuf reader:
 * unknown fields are skipped, and geometry comes as flat coordinate runs.
 */

/** A property value of a feature. */
export type MVTValue = string | number | boolean;

/** A feature: type 1 point, 2 line, 3 polygon; parts are flat [x0, y0, x1, y1, …] runs in tile coordinates. */
export interface MVTFeature {
  type: number;
  props: Record<string, MVTValue>;
  parts: number[][];
}

/** A layer of a tile. */
export interface MVTLayer {
  name: string;
  extent: number;
  features: MVTFeature[];
}

/** Reader walks a protobuf message. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** tag reads a field's key: its number and wire type. */
  tag(): [field: number, wire: number] {
    const key = this.varint();
    return [Math.floor(key / 8), key & 7];
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error("mvt: truncated varint");
      const b = this.buf[this.pos++] as number;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    throw new Error("mvt: varint too long");
  }

  /** sub returns a reader of the length-delimited field that follows. */
  sub(): Reader {
    const n = this.varint();
    const start = this.pos;
    if (start + n > this.end) throw new Error("mvt: truncated field");
    this.pos += n;
    return new Reader(this.buf, start, start + n);
  }

  string(): string {
    const r = this.sub();
    return new TextDecoder().decode(this.buf.subarray(r.pos, r.end));
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.sub();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`mvt: unknown wire type ${wire}`);
    if (this.pos > this.end) throw new Error("mvt: truncated field");
  }

  /** packed reads a packed repeated varint field. */
  packed(): number[] {
    const r = this.sub();
    const out: number[] = [];
    while (!r.done()) out.push(r.varint());
    return out;
  }
}

const zigzag = (n: number): number => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);

function readValue(r: Reader): MVTValue {
  let v: MVTValue = "";
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) v = r.string();
    else if (field === 2 && wire === 5) {
      v = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 4).getFloat32(0, true);
      r.pos += 4;
    } else if (field === 3 && wire === 1) {
      v = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 8).getFloat64(0, true);
      r.pos += 8;
    } else if ((field === 4 || field === 5) && wire === 0) v = r.varint();
    else if (field === 6 && wire === 0) v = zigzag(r.varint());
    else if (field === 7 && wire === 0) v = r.varint() !== 0;
    else r.skip(wire);
  }
  return v;
}

/** geometry turns the command stream of a feature into coordinate runs. */
export function geometry(cmds: number[]): number[][] {
  const parts: number[][] = [];
  let x = 0;
  let y = 0;
  let part: number[] | null = null;
  for (let i = 0; i < cmds.length; ) {
    const c = cmds[i++] as number;
    const id = c & 7;
    const count = c >> 3;
    if (id === 7) {
      if (part && part.length >= 2) part.push(part[0] as number, part[1] as number);
      continue;
    }
    if (id !== 1 && id !== 2) throw new Error(`mvt: unknown command ${id}`);
    for (let k = 0; k < count; k++) {
      if (i + 1 >= cmds.length) throw new Error("mvt: truncated geometry");
      x += zigzag(cmds[i++] as number);
      y += zigzag(cmds[i++] as number);
      if (id === 1) {
        part = [];
        parts.push(part);
      }
      part?.push(x, y);
    }
  }
  return parts;
}

function readFeature(r: Reader, keys: string[], values: MVTValue[]): MVTFeature {
  const f: MVTFeature = { type: 0, props: {}, parts: [] };
  let tags: number[] = [];
  let cmds: number[] = [];
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 2 && wire === 2) tags = r.packed();
    else if (field === 3 && wire === 0) f.type = r.varint();
    else if (field === 4 && wire === 2) cmds = r.packed();
    else r.skip(wire);
  }
  for (let i = 0; i + 1 < tags.length; i += 2) {
    const k = keys[tags[i] as number];
    const v = values[tags[i + 1] as number];
    if (k !== undefined && v !== undefined) f.props[k] = v;
  }
  f.parts = geometry(cmds);
  return f;
}

function readLayer(r: Reader): MVTLayer {
  const layer: MVTLayer = { name: "", extent: 4096, features: [] };
  const keys: string[] = [];
  const values: MVTValue[] = [];
  const raw: Reader[] = [];
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) layer.name = r.string();
    else if (field === 2 && wire === 2) raw.push(r.sub());
    else if (field === 3 && wire === 2) keys.push(r.string());
    else if (field === 4 && wire === 2) values.push(readValue(r.sub()));
    else if (field === 5 && wire === 0) layer.extent = r.varint();
    else r.skip(wire);
  }
  // Features may come before the keys and values they refer to.
  layer.features = raw.map((fr) => readFeature(fr, keys, values));
  return layer;
}

/** decodeTile reads the layers of a tile by name; a malformed tile throws. */
export function decodeTile(buf: Uint8Array): Map<string, MVTLayer> {
  const r = new Reader(buf);
  const out = new Map<string, MVTLayer>();
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === 3 && wire === 2) {
      const layer = readLayer(r.sub());
      out.set(layer.name, layer);
    } else r.skip(wire);
  }
  return out;
}
