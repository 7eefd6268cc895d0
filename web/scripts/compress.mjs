// Precompresses the built front end for the Go server: writes NAME.br
// (brotli, best) and NAME.gz (gzip, best) beside every text file of dist/
// that shrinks, so the server can send the bundle compressed without
// compressing it per request (api/web.go picks the file by
// Accept-Encoding). Run by `npm run build` after vite.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const DIST = new URL("../dist/", import.meta.url).pathname;
const TEXT = /\.(js|css|html|svg|json|txt|map)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

let raw = 0;
let br = 0;
let gz = 0;
for (const path of files(DIST)) {
  if (!TEXT.test(path)) continue;
  const body = readFileSync(path);
  const b = brotliCompressSync(body, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
  });
  const g = gzipSync(body, { level: 9 });
  if (b.length < body.length) writeFileSync(`${path}.br`, b);
  if (g.length < body.length) writeFileSync(`${path}.gz`, g);
  raw += body.length;
  br += Math.min(b.length, body.length);
  gz += Math.min(g.length, body.length);
}
console.log(`precompressed dist/: ${raw} bytes, ${gz} gzipped, ${br} with brotli`);
