/**
 * The Settings page and `GET /admin/api/settings` show the configuration as an operator writes it:
 * every option under its documented name and unit (docs/configuration.md, docs/cimd.md, docs/dcr.md),
 * never a resolved internal one such as `cimd.staleAfterMs`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../../src/gatehouse.js';
import { effectiveSettings } from '../../../src/operations/settings.js';
import { testDatabase } from '../../helpers/server.js';

const DOCS = ['configuration.md', 'cimd.md', 'dcr.md'].map((f) =>
  join(import.meta.dirname, '../../../docs', f),
);

let gh: Gatehouse;
let database: Awaited<ReturnType<typeof testDatabase>>;
let docs: string;

beforeAll(async () => {
  docs = (await Promise.all(DOCS.map((f) => readFile(f, 'utf8')))).join('\n');
  database = await testDatabase();
  gh = await createGatehouse({
    issuer: 'http://127.0.0.1:4000',
    secret: 'settings-view-secret-settings-view-secret-0123',
    database: database.url,
    logger: false,
    resources: [{ resource: 'http://127.0.0.1:4100/mcp', scopes: ['todos.read'] }],
    clients: [{ client_id: 'app', redirect_uris: ['http://127.0.0.1/cb'] }],
    users: [{ email: 'ada@example.com', password: 'password 1234' }],
    cimd: { enabled: true, staleAfterDays: 45, minTtl: 60 },
    dcr: { enabled: true, staleAfterDays: 7 },
    audit: { retentionDays: 30 },
  });
});
afterAll(async () => {
  await gh.close();
  await database.cleanup();
});

/** `section.name` paths of every shown option (array entries contribute their field names). */
function paths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => paths(v, prefix));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    // Lanes of a resource are documented as one object, `{ preregistered, cimd, dcr }`.
    const leaf =
      key === 'lanes' ||
      typeof v !== 'object' ||
      v === null ||
      (Array.isArray(v) && !v.some((x) => typeof x === 'object'));
    return leaf ? [path] : [path, ...paths(v, path)];
  });
}

/** Documented as `a.b` in a table, as `b` in the section's own table, or inside `{ … }` shorthand. */
function documented(path: string): boolean {
  const name = path.split('.').pop()!;
  const quoted = (s: string) => docs.includes(`\`${s}\``) || docs.includes(`\`${s}.`);
  return quoted(path) || quoted(name) || new RegExp(`[{,] ${name}\\??[,} ]`).test(docs);
}

describe('the settings view', () => {
  it('names every option as the documentation does', () => {
    const shown = paths(effectiveSettings(gh.context));
    expect(shown.length).toBeGreaterThan(60);
    expect(shown.filter((p) => !documented(p))).toEqual([]);
  });

  it('shows durations in the documented units', () => {
    const settings = effectiveSettings(gh.context) as Record<string, Record<string, unknown>>;
    expect(settings.cimd).toMatchObject({ staleAfterDays: 45, minTtl: 60, maxTtl: 86_400 });
    expect(settings.cimd).not.toHaveProperty('staleAfterMs');
    expect(settings.dcr).toMatchObject({ staleAfterDays: 7 });
    expect(settings.audit).toMatchObject({ retentionDays: 30 });
    expect(settings.passwordReset).toMatchObject({ ttl: 1800 });
    expect(settings.clientCacheTtl).toBe(5);
  });

  it('hides the secret and the seeded passwords', () => {
    const text = JSON.stringify(effectiveSettings(gh.context));
    expect(text).not.toContain('settings-view-secret');
    expect(text).not.toContain('password 1234');
  });
});
