#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('gatehouse: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
// Before anything else loads: loading the CLI's modules alone grows V8's young generation to its
// 2 × 16 MB maximum, past the cap the server processes keep (src/cli/young-generation.ts).
const { capYoungGeneration } = await import(
  new URL('../dist/src/cli/young-generation.js', import.meta.url).href
);
capYoungGeneration();
const { main } = await import(entry.href);
await main(process.argv);
