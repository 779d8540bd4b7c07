import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The CLI's server processes keep V8's young generation at 2 × 4 MB (src/cli/young-generation.ts):
 * measured in a child process that allocates short-lived objects hard enough to make V8 grow it.
 */

const MODULE = join(import.meta.dirname, '../../../dist/src/cli/young-generation.js');
const SCRIPT = `
import v8 from 'node:v8';
const { capYoungGeneration } = await import(${JSON.stringify(MODULE)});
if (process.argv[1] === 'cap') capYoungGeneration();
let keep = [];
const end = Date.now() + 1500;
while (Date.now() < end) {
  for (let i = 0; i < 1000; i++) keep.push({ i, s: 'x' + i });
  if (keep.length > 100000) keep = [];
  await new Promise((resolve) => setImmediate(resolve));
}
const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
console.log(space.space_size);
`;

async function newSpaceBytes(mode: string, nodeOptions = ''): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', SCRIPT, mode],
    { env: { ...process.env, NODE_OPTIONS: nodeOptions } },
  );
  return Number(stdout.trim());
}

const MB = 1024 * 1024;

describe('young generation of the CLI server processes', () => {
  it('grows to 32 MB without the cap, stays at most 8 MB with it', async () => {
    expect(await newSpaceBytes('plain')).toBeGreaterThan(16 * MB);
    expect(await newSpaceBytes('cap')).toBeLessThanOrEqual(8 * MB);
  });

  it('leaves an operator-chosen semi-space size alone', async () => {
    expect(await newSpaceBytes('cap', '--max-semi-space-size=16')).toBeGreaterThan(16 * MB);
  });
});
