import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateKeys } from '../../src/operations/keys.js';
import { disableClient, enableClient } from '../../src/operations/lifecycle.js';
import { editResource } from '../../src/operations/resources.js';
import { queryRows, sleep, tokenId } from '../helpers/fault-load.js';
import { baseOptions, MACHINE_AUTH, obtainTokens, postForm, RESOURCE } from '../helpers/oauth.js';
import { startTwoInstances, type TestServer } from '../helpers/server.js';

/**
 * Issue 15: two Gatehouse processes on one PostgreSQL database (instance A in this process, B a child
 * process from dist/: `npm run build` first), addressed one at a time, and through a round-robin proxy.
 * What must behave as on one instance, and the cross-instance windows, measured here and written down in
 * docs/operations.md "Many instances":
 * - one refresh token presented at both instances at once: exactly one successor, no revocation;
 * - a client disabled at A is refused at B within milliseconds (LISTEN/NOTIFY, src/store/client-peers.ts);
 * - a resource edited at A is seen at B within `resourceCacheTtl` plus one request;
 * - keys rotated at A while B issues tokens: no token either instance issued is refused by the other's
 *   introspection or by the JWKS served at that moment.
 */

const WINDOWS = { signingKeyCacheTtl: 0.5, jwksMaxAge: 1, signingKeyClockSkew: 0.25 };
let srv: TestServer;
let a: string;
let b: string;
const at = (instance: string, endpoint: string) => endpoint.replace(srv.origin, instance);

beforeAll(async () => {
  srv = await startTwoInstances(() => ({ ...baseOptions(), ...WINDOWS }));
  [a, b] = srv.instances as [string, string];
}, 60_000);
afterAll(async () => {
  await srv?.close();
});

function clientCredentials(instance: string) {
  return postForm(
    at(instance, srv.gh.config.endpoints.token),
    { grant_type: 'client_credentials', scope: 'todos.read', resource: RESOURCE },
    { authorization: MACHINE_AUTH },
  );
}

/** Polls `check` at B every 10 ms until it holds; returns how long it took (ms). */
async function windowUntil(check: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await check()) return Math.round(performance.now() - started);
    await sleep(10);
  }
  throw new Error(`not within ${limitMs} ms`);
}

describe('two instances on one PostgreSQL database', () => {
  it('both instances answer, directly and through the proxy', async () => {
    for (const origin of [a, b, srv.origin, srv.origin]) {
      const metadata = await fetch(`${origin}/.well-known/oauth-authorization-server`);
      expect(metadata.status).toBe(200);
      expect(((await metadata.json()) as { issuer: string }).issuer).toBe(srv.issuer);
    }
  });

  it('one refresh token presented at both instances at once: one successor for both, never a revocation', async () => {
    const { refresh_token } = await obtainTokens(srv);
    let token = refresh_token!;
    for (let round = 0; round < 20; round++) {
      const form = { grant_type: 'refresh_token', refresh_token: token, client_id: 'native-app' };
      const answers = await Promise.all(
        [a, b].map((i) => postForm(at(i, srv.gh.config.endpoints.token), form)),
      );
      expect(
        answers.map((r) => r.status),
        JSON.stringify(answers.map((r) => r.body)),
      ).toEqual([200, 200]);
      const successors = new Set(answers.map((r) => r.body.refresh_token as string));
      expect(successors.size).toBe(1);
      token = [...successors][0]!;
    }
    const rows = await queryRows<{ id: string; rotated_at: unknown; revoked_at: unknown }>(
      srv.gh.config.database,
      `select id, rotated_at, revoked_at from gatehouse_refresh_tokens where grant_id =
        (select grant_id from gatehouse_refresh_tokens where id = '${tokenId(token)}')`,
    );
    expect(rows).toHaveLength(21);
    expect(rows.filter((r) => r.revoked_at !== null)).toEqual([]);
    expect(rows.filter((r) => r.rotated_at === null).map((r) => r.id)).toEqual([tokenId(token)]);
  });

  it('a client disabled at A is refused at B within milliseconds, and served again once enabled', async () => {
    expect((await clientCredentials(b)).status).toBe(200); // B holds the client in its cache
    await disableClient(srv.gh.context, 'machine', 'key leaked', 'test');
    const disabled = await windowUntil(async () => (await clientCredentials(b)).status === 401, 5000);
    await enableClient(srv.gh.context, 'machine', 'test');
    const enabled = await windowUntil(async () => (await clientCredentials(b)).status === 200, 5000);
    console.info(`[many instances] disable seen at B after ${disabled} ms, enable after ${enabled} ms`);
    expect(disabled).toBeLessThan(1000);
    expect(enabled).toBeLessThan(1000);
  });

  it('a resource edited at A is seen at B within resourceCacheTtl (5 s) and one request', async () => {
    expect((await clientCredentials(b)).status).toBe(200);
    await editResource(srv.gh.context, RESOURCE, { scopes: ['todos.write'] }, 'test');
    try {
      const seen = await windowUntil(async () => (await clientCredentials(b)).status === 400, 8000);
      console.info(`[many instances] resource edit seen at B after ${seen} ms`);
      expect(seen).toBeLessThanOrEqual(srv.gh.config.resourceCacheTtlMs + 1000);
      expect((await clientCredentials(a)).body.error).toBe('invalid_scope');
    } finally {
      await editResource(srv.gh.context, RESOURCE, { scopes: ['todos.read', 'todos.write'] }, 'test');
      await windowUntil(async () => (await clientCredentials(b)).status === 200, 8000);
    }
  }, 20_000);

  it('keys rotated at A while both issue tokens: no token is refused by the other instance or its JWKS', async () => {
    const kids = new Set<string>();
    const refused: string[] = [];
    let issued = 0;
    let issuing = true;
    // Each token, right after it is issued: introspected at the other instance, and verified against
    // the JWKS the other instance serves at that moment (a key is published before it signs).
    const issue = async (from: string, to: string) => {
      while (issuing) {
        const response = await clientCredentials(from);
        if (response.status !== 200) {
          refused.push(`${from} answered ${response.status} ${JSON.stringify(response.body)}`);
          continue;
        }
        const token = response.body.access_token as string;
        issued++;
        kids.add(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid);
        const inspected = await postForm(
          at(to, srv.gh.config.endpoints.introspection),
          { token },
          { authorization: MACHINE_AUTH },
        );
        if (inspected.body.active !== true) refused.push(`issued at ${from}, inactive at ${to}`);
        const jwks = (await (await fetch(at(to, srv.gh.config.endpoints.jwks))).json()) as JSONWebKeySet;
        await jwtVerify(token, createLocalJWKSet(jwks)).catch(() => {
          refused.push(`issued at ${from}, not in the JWKS of ${to}`);
        });
      }
    };
    const loops = [issue(a, b), issue(b, a)];
    for (let i = 0; i < 2; i++) {
      await sleep(600);
      await rotateKeys(srv.gh.context, 'test', { reason: 'test' });
    }
    await sleep(2500);
    issuing = false;
    await Promise.all(loops);
    console.info(`[many instances] ${issued} tokens over ${kids.size} keys, ${refused.length} refused`);
    expect(kids.size).toBeGreaterThan(1);
    expect(refused).toEqual([]);
  }, 60_000);
});
