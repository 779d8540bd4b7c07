import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BearerError } from '../../src/resource/index.js';
import { MACHINE_SECRET } from '../helpers/fixtures.js';
import type { TestServer } from '../helpers/server.js';
import {
  type Clock,
  claims,
  protect,
  signWithIssuerKey,
  startAuthorizationServer,
  userTokens,
} from './setup.js';

async function failure(rs: ReturnType<typeof protect>, token: string): Promise<BearerError | undefined> {
  try {
    await rs.verifyToken(token);
    return undefined;
  } catch (error) {
    if (error instanceof BearerError) return error;
    throw error;
  }
}

async function revoke(srv: TestServer, token: string): Promise<void> {
  const response = await fetch(`${srv.issuer}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: 'native-app' }),
  });
  expect(response.status).toBe(200);
}

describe('introspection mode (RFC 7662)', () => {
  let srv: TestServer & { clock: Clock };
  const introspected: string[] = [];
  const counting = ((input: string | URL | Request, init?: RequestInit) => {
    introspected.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  }) as typeof fetch;
  const introspection = (cacheTtl = 0) =>
    protect(srv, {
      introspection: { clientId: 'machine', clientSecret: MACHINE_SECRET, cacheTtl },
      fetch: counting,
    });

  beforeAll(async () => {
    srv = await startAuthorizationServer();
  });
  afterAll(() => srv.close());

  it('finds the introspection endpoint in the issuer metadata and accepts an active token', async () => {
    introspected.length = 0;
    const { access_token } = await userTokens(srv, 'todos.read todos.write');
    const verified = await introspection().verifyToken(access_token);
    expect(verified).toMatchObject({
      clientId: 'native-app',
      scopes: ['todos.read', 'todos.write'],
      issuer: srv.issuer,
    });
    expect(verified.subject).toMatch(/^usr_/);
    expect(introspected).toEqual([
      `${srv.issuer}/.well-known/oauth-authorization-server`,
      `${srv.issuer}/introspect`,
    ]);
  });

  it('refuses a revoked access token at once, where local JWT verification still accepts it', async () => {
    const rs = introspection();
    const { access_token } = await userTokens(srv, 'todos.read');
    expect(await failure(rs, access_token)).toBeUndefined();
    await revoke(srv, access_token);
    expect((await failure(rs, access_token))?.error).toBe('invalid_token');
    expect(await failure(protect(srv), access_token)).toBeUndefined();
  });

  it('refuses the access tokens of a grant revoked through its refresh token', async () => {
    const { access_token, refresh_token } = await userTokens(srv, 'todos.read');
    await revoke(srv, refresh_token);
    expect((await failure(introspection(), access_token))?.error).toBe('invalid_token');
  });

  it('refuses a refresh token presented as an access token', async () => {
    const { refresh_token } = await userTokens(srv, 'todos.read');
    const error = await failure(introspection(), refresh_token);
    expect(error?.detail).toContain('token_type refresh_token');
  });

  it('refuses an active token issued for another resource', async () => {
    const token = await signWithIssuerKey(srv, claims(srv, { aud: 'https://other.test/api' }));
    expect((await failure(introspection(), token))?.description).toBe(
      'The access token was not issued for this resource.',
    );
  });

  it('reuses an active answer for cacheTtl seconds, but never past the token exp', async () => {
    const rs = introspection(3600);
    const { access_token } = await userTokens(srv, 'todos.read');
    await rs.verifyToken(access_token);
    const calls = introspected.length;
    await rs.verifyToken(access_token);
    expect(introspected.length).toBe(calls);
    srv.clock.offset += 3600_000 + 1_000; // past exp (the default access-token lifetime), within cacheTtl of now
    try {
      expect((await failure(rs, access_token))?.error).toBe('invalid_token');
      expect(introspected.length).toBe(calls + 1);
    } finally {
      srv.clock.offset -= 3600_000 + 1_000;
    }
  });

  it('treats refused client credentials as a server fault, not as a bad token', async () => {
    const rs = protect(srv, {
      introspection: { clientId: 'machine', clientSecret: 'wrong-secret-wrong-secret-wrong-secret' },
    });
    const { access_token } = await userTokens(srv, 'todos.read');
    await expect(rs.authenticate({ authorization: `Bearer ${access_token}` })).rejects.toThrow(
      /introspection at .* answered 401/,
    );
  });
});
