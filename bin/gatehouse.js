#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script, or `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('gatehouse: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
