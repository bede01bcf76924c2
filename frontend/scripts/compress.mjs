#!/usr/bin/env node
// After `vite build`: a .br and a .gz beside every compressible asset, so the server sends them as they
// are (no compression per request). Hashed names mean they can be cached for a year.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const assets = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/taskagent/web/assets');
let before = 0;
let after = 0;
for (const name of readdirSync(assets)) {
  if (!/\.(js|css|svg|json|txt)$/.test(name)) continue;
  const raw = readFileSync(resolve(assets, name));
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  writeFileSync(resolve(assets, `${name}.br`), br);
  writeFileSync(resolve(assets, `${name}.gz`), gzipSync(raw, { level: 9 }));
  before += raw.length;
  after += br.length;
}
console.log(`compressed assets: ${(before / 1024).toFixed(1)} kB -> ${(after / 1024).toFixed(1)} kB brotli`);
