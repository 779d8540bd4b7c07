import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, dcrOptions } from '../helpers/dcr.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * JSON request bodies end to end, in process (gh.fetch): the registration endpoint (RFC 7591 §3.2.2)
 * answers any JSON — any value, any nesting, any member names — with 201 or an RFC 7591 error, and the
 * admin API's JSON bodies with 2xx or a 4xx OAuth error; never a 500.
 */

let srv: TestServer;
let token: string;
beforeAll(async () => {
  srv = await startServer((origin) => ({
    ...dcrOptions({ maxRegistrationsPerWindow: 100_000, maxRegistrationsGlobal: 400_000 }, origin),
    logger: false,
  }));
  token = await adminToken(srv.issuer);
});
afterAll(() => srv?.close());

const nested = fc
  .integer({ min: 1, max: 5_000 })
  .chain((depth) =>
    fc.constantFrom(
      `${'['.repeat(depth)}${']'.repeat(depth)}`,
      `${'{"redirect_uris":'.repeat(depth)}[]${'}'.repeat(depth)}`,
      `{"client_name":${'['.repeat(depth)}"x"${']'.repeat(depth)}}`,
    ),
  );
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .record(
      {
        redirect_uris: fc.oneof(fc.constant(['http://127.0.0.1/callback']), fc.jsonValue({ maxDepth: 3 })),
        client_name: fc.jsonValue({ maxDepth: 2 }),
        grant_types: fc.jsonValue({ maxDepth: 2 }),
        scope: fc.jsonValue({ maxDepth: 1 }),
        email: fc.jsonValue({ maxDepth: 1 }),
        password: fc.jsonValue({ maxDepth: 1 }),
        resources: fc.jsonValue({ maxDepth: 2 }),
        lanes: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  nested,
  fc.string({ maxLength: 50 }),
);

async function post(
  path: string,
  text: string,
  method = 'POST',
  auth = false,
): Promise<{ status: number; error?: unknown }> {
  const response = await srv.gh.fetch(
    new Request(`${srv.issuer}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: text,
    }),
    { remoteAddress: '127.0.0.1' },
  );
  const json = (await response.json().catch(() => ({}))) as { error?: unknown };
  return { status: response.status, error: json.error };
}

describe('JSON request bodies (properties)', () => {
  it('any JSON sent to /register is registered (201) or refused with an RFC 7591 error code', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const { status, error } = await post('/register', text);
        if (status === 201) return;
        // Over the registration body limit (16 KB): 413 before anything is parsed.
        if (Buffer.byteLength(text) > 16 * 1024) {
          expect([status, error]).toEqual([413, 'invalid_request']);
          return;
        }
        expect(status).toBe(400);
        expect([
          'invalid_client_metadata',
          'invalid_redirect_uri',
          'unapproved_software_statement',
        ]).toContain(error);
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON sent to the admin API is answered 2xx or with a 4xx OAuth error, never a 500', async () => {
    const route = fc.constantFrom(
      ['/admin/api/clients', 'POST'],
      ['/admin/api/users', 'POST'],
      ['/admin/api/resources', 'PATCH'],
      ['/admin/api/clients/web-app', 'PATCH'],
      ['/admin/api/clients/web-app/cimd/pin', 'POST'],
    );
    await fc.assert(
      fc.asyncProperty(route, body, async ([path, method], text) => {
        const { status, error } = await post(path!, text, method, true);
        if (status < 300) return;
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(typeof error).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});
