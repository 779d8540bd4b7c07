import { describe, expect, it } from 'vitest';
import { createTokenExchanger, TokenExchangeError } from '../../src/resource/index.js';
import { cacheKey } from '../../src/resource/token-exchange.js';
import { decodeJwt, useServer } from '../helpers/oauth.js';
import {
  EXCHANGER_SECRET,
  exchangeOptions,
  FILES,
  UNRULED,
  userTokenForA,
} from '../helpers/token-exchange.js';

/**
 * gatehouse/resource `createTokenExchanger` against a real Gatehouse: one exchange per (subject token,
 * target, scopes) until near expiry, a bounded cache keyed by a hash, shared in-flight requests, and
 * refusals surfaced (never cached). SQLite, or PostgreSQL with GATEHOUSE_TEST_DATABASE=postgres.
 */

describe('createTokenExchanger', () => {
  const srv = useServer(exchangeOptions);

  function counted(clock?: () => number, maxEntries?: number) {
    const requests: string[] = [];
    const exchanger = createTokenExchanger({
      issuer: srv().issuer,
      clientId: 'mcp-server',
      clientSecret: EXCHANGER_SECRET,
      ...(clock ? { clock } : {}),
      ...(maxEntries ? { maxEntries } : {}),
      fetch: async (input, init) => {
        const request = new Request(input, init);
        if (request.method === 'POST')
          requests.push(new URLSearchParams(await request.clone().text()).get('scope') ?? '');
        return fetch(request);
      },
    });
    return { exchanger, requests };
  }

  it('exchanges once per subject token, target and scopes; reuses the token until near its expiry', async () => {
    let now = Date.now();
    const { exchanger, requests } = counted(() => now);
    const user = await userTokenForA(srv(), 'files.read files.write');
    const a = await exchanger.exchange(user.access_token, { resource: FILES, scopes: ['files.read'] });
    expect(decodeJwt(a.accessToken).payload).toMatchObject({ aud: FILES, scope: 'files.read' });
    const again = await exchanger.exchange(
      { token: user.access_token },
      { resource: FILES, scopes: ['files.read'] },
    );
    expect(again.accessToken).toBe(a.accessToken);
    expect(requests).toHaveLength(1);
    // Other scopes, or another subject token, are other entries.
    await exchanger.exchange(user.access_token, { resource: FILES });
    expect(requests).toHaveLength(2);
    const other = await userTokenForA(srv(), 'files.read');
    const b = await exchanger.exchange(other.access_token, { resource: FILES, scopes: ['files.read'] });
    expect(b.accessToken).not.toBe(a.accessToken);
    expect(requests).toHaveLength(3);
    // Within 30 s of expiry: exchanged again.
    now = a.expiresAt - 29_000;
    await exchanger.exchange(user.access_token, { resource: FILES, scopes: ['files.read'] });
    expect(requests).toHaveLength(4);
  });

  it('holds at most maxEntries, dropping the least recently used', async () => {
    const { exchanger, requests } = counted(undefined, 2);
    const tokens = await Promise.all([1, 2, 3].map(() => userTokenForA(srv())));
    for (const t of tokens) await exchanger.exchange(t.access_token, { resource: FILES });
    expect(exchanger.size).toBe(2);
    expect(requests).toHaveLength(3);
    await exchanger.exchange(tokens[0]!.access_token, { resource: FILES });
    expect(requests).toHaveLength(4);
    await exchanger.exchange(tokens[2]!.access_token, { resource: FILES });
    expect(requests).toHaveLength(4);
  });

  it('concurrent calls for the same entry share one request', async () => {
    const { exchanger, requests } = counted();
    const { access_token } = await userTokenForA(srv());
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => exchanger.exchange(access_token, { resource: FILES })),
    );
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    expect(requests).toHaveLength(1);
  });

  it('a refusal is a TokenExchangeError with the OAuth code, and is not cached', async () => {
    const { exchanger, requests } = counted();
    const { access_token } = await userTokenForA(srv());
    const refused = exchanger.exchange(access_token, { resource: UNRULED });
    await expect(refused).rejects.toBeInstanceOf(TokenExchangeError);
    await expect(refused).rejects.toMatchObject({ error: 'invalid_target', status: 400 });
    await expect(exchanger.exchange(access_token, { resource: UNRULED })).rejects.toMatchObject({
      error: 'invalid_target',
    });
    expect(requests).toHaveLength(2);
    expect(exchanger.size).toBe(0);
  });

  it('the cache key is a hash: it never holds the token, and the parts cannot run together', async () => {
    const key = await cacheKey('secret-token', { resource: FILES, scopes: ['b', 'a'] });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).toBe(await cacheKey('secret-token', { resource: FILES, scopes: ['a', 'b', 'a'] }));
    expect(await cacheKey('ab', { resource: 'c' })).not.toBe(await cacheKey('a', { resource: 'bc' }));
  });

  it('refuses metadata that names another issuer', async () => {
    const exchanger = createTokenExchanger({
      issuer: `${srv().issuer}/elsewhere`,
      clientId: 'mcp-server',
      clientSecret: EXCHANGER_SECRET,
      fetch: () => fetch(`${srv().origin}/.well-known/oauth-authorization-server`),
    });
    await expect(exchanger.exchange('x', { resource: FILES })).rejects.toMatchObject({
      error: 'server_error',
    });
  });
});
