import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort, startCli, tempDir, writeConfig } from '../../helpers/cli.js';

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

  it('holds for `gatehouse serve` itself, whose modules load before it serves (bin/gatehouse.js caps first)', async () => {
    // The server process reports its young generation after each GC (a preloaded observer, the way an
    // operator would watch it); before the cap moved to the entry point it was already 32 MB when
    // serving began.
    const dir = await tempDir();
    const monitor = join(dir, 'watch-young-generation.mjs');
    await writeFile(
      monitor,
      `import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
const report = () => process.stderr.write('new_space ' + v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size + '\\n');
new PerformanceObserver(report).observe({ entryTypes: ['gc'] });
setInterval(report, 100).unref();
`,
    );
    const port = await freePort();
    const file = await writeConfig(dir, {
      issuer: `http://127.0.0.1:${port}`,
      port,
      database: `sqlite:${join(dir, 'young.db')}`,
      secret: 'young-generation-test-secret-0123456789',
      resources: [{ resource: 'http://127.0.0.1:4100/mcp', scopes: ['todos.read'] }],
    });
    const server = await startCli(['serve', '--config', file], /Gatehouse ready/, {
      env: { NODE_OPTIONS: `--import=${monitor}` },
    });
    try {
      // Enough short-lived garbage for V8 to want a larger young generation.
      for (let round = 0; round < 20; round++) {
        await Promise.all(
          Array.from({ length: 50 }, async () => (await fetch(`http://127.0.0.1:${port}/jwks.json`)).text()),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const sizes = [...server.output().matchAll(/new_space (\d+)/g)].map((m) => Number(m[1]));
      expect(sizes.length).toBeGreaterThan(0);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(8 * MB);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
