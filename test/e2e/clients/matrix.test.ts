import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATRIX, renderMatrix } from './support/matrix.js';

/**
 * docs/clients.md cannot drift from the tests: its table is generated from support/matrix.ts, every
 * test a row names exists with that title, each client test cites its row's public sources in its
 * header, and every client test file in this folder has a row.
 */

const root = join(import.meta.dirname, '..', '..', '..');
const DOC = join(root, 'docs', 'clients.md');
const BEGIN = '<!-- matrix:begin (generated from test/e2e/clients/support/matrix.ts) -->';
const END = '<!-- matrix:end -->';

describe('the client compatibility matrix', () => {
  it('docs/clients.md shows exactly the table generated from the matrix rows', () => {
    const table = renderMatrix();
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN) + BEGIN.length;
    const end = doc.indexOf(END);
    expect(start, `docs/clients.md has the ${BEGIN} marker`).toBeGreaterThanOrEqual(BEGIN.length);
    expect(end).toBeGreaterThanOrEqual(start);
    if (process.env.GATEHOUSE_WRITE_CLIENTS_TABLE === '1') {
      writeFileSync(DOC, `${doc.slice(0, start)}\n${table}\n${doc.slice(end)}`);
      return;
    }
    expect(doc.slice(start, end).trim()).toBe(table);
  });

  it('every test a row names exists and carries that title', () => {
    for (const row of MATRIX.filter((r) => r.status === 'supported')) {
      expect(row.tests.length, row.client).toBeGreaterThan(0);
      for (const test of row.tests) {
        expect(existsSync(join(root, test.file)), test.file).toBe(true);
        const text = readFileSync(join(root, test.titleFile ?? test.file), 'utf8');
        expect(text.includes(test.title), `${test.file}: "${test.title}"`).toBe(true);
      }
    }
  });

  it("each client test cites its row's public sources in its header comment", () => {
    for (const row of MATRIX.filter((r) => r.status === 'supported')) {
      for (const test of row.tests.filter((t) => t.file.startsWith('test/e2e/clients/'))) {
        const header = readFileSync(join(root, test.file), 'utf8').split('*/')[0] ?? '';
        for (const source of row.sources) expect(header, `${test.file} cites ${source}`).toContain(source);
      }
    }
  });

  it('every client test file in test/e2e/clients has a supported row in the matrix', () => {
    const supported = MATRIX.filter((row) => row.status === 'supported');
    const listed = new Set(supported.flatMap((row) => row.tests.map((t) => t.file)));
    const files = readdirSync(import.meta.dirname).filter(
      (f) => f.endsWith('.test.ts') && f !== 'matrix.test.ts',
    );
    for (const file of files) expect(listed, file).toContain(`test/e2e/clients/${file}`);
  });
});
