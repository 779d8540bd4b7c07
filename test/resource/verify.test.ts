import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BearerError } from '../../src/resource/index.js';
import type { TestServer } from '../helpers/server.js';
import {
  type Clock,
  claims,
  machineToken,
  protect,
  RESOURCE,
  signWithIssuerKey,
  startAuthorizationServer,
} from './setup.js';

/** Verifies `token` and returns the BearerError it fails with (or undefined if it passes). */
async function failure(rs: ReturnType<typeof protect>, token: string): Promise<BearerError | undefined> {
  try {
    await rs.verifyToken(token);
    return undefined;
  } catch (error) {
    if (error instanceof BearerError) return error;
    throw error;
  }
}

function countingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    fetch: ((input: string | URL | Request, init?: RequestInit) => {
      urls.push(input instanceof Request ? input.url : String(input));
      return fetch(input, init);
    }) as typeof fetch,
  };
}

describe('access token verification (RFC 9068 §4)', () => {
  let srv: TestServer & { clock: Clock };
  let rs: ReturnType<typeof protect>;
  beforeAll(async () => {
    srv = await startAuthorizationServer();
    rs = protect(srv);
  });
  afterAll(() => srv.close());

  it('accepts a token the issuer issued for this resource and reports who it is for', async () => {
    const token = await machineToken(srv, { scope: 'todos.read' });
    const verified = await rs.verifyToken(token);
    expect(verified).toMatchObject({
      token,
      issuer: srv.issuer,
      subject: 'machine',
      clientId: 'machine',
      scopes: ['todos.read'],
      resource: RESOURCE,
    });
    expect(verified.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  describe('algorithm confusion', () => {
    it('refuses alg "none"', async () => {
      const kid = srv.gh.keys.signingKey().kid;
      const encode = (value: object) => base64url.encode(JSON.stringify(value));
      const token = `${encode({ alg: 'none', typ: 'at+jwt', kid })}.${encode(claims(srv))}.`;
      expect((await failure(rs, token))?.error).toBe('invalid_token');
    });

    it('refuses HS256 signed with the issuer public key as the HMAC secret', async () => {
      const key = srv.gh.keys.signingKey();
      const secrets = [
        new TextEncoder().encode(JSON.stringify(key.publicJwk)),
        new TextEncoder().encode(key.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        key.publicKey.export({ type: 'spki', format: 'der' }),
      ];
      for (const secret of secrets) {
        const token = await new SignJWT(claims(srv))
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })
          .sign(secret);
        expect((await failure(rs, token))?.error).toBe('invalid_token');
      }
    });

    it('refuses a token signed with a foreign key, under a foreign kid or under the issuer kid', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      for (const kid of ['foreign', srv.gh.keys.signingKey().kid]) {
        const token = await new SignJWT(claims(srv))
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
          .sign(privateKey);
        expect((await failure(rs, token))?.error).toBe('invalid_token');
      }
    });

    it('ignores jku, x5u and jwk headers: a token cannot bring its own key', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'attacker', alg: 'ES256', use: 'sig' };
      let fetched = 0;
      const attacker = createServer((_req, res) => {
        fetched++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/jwks.json`;
      try {
        for (const header of [{ jku: url }, { x5u: url }, { jwk }]) {
          const token = await new SignJWT(claims(srv))
            .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker', ...header })
            .sign(privateKey);
          expect((await failure(rs, token))?.error).toBe('invalid_token');
        }
        expect(fetched).toBe(0);
      } finally {
        await new Promise<void>((resolve) => attacker.close(() => resolve()));
      }
    });

    it('accepts only the configured algorithms', async () => {
      const rsOnly = protect(srv, { algorithms: ['RS256'] });
      expect((await failure(rsOnly, await signWithIssuerKey(srv, claims(srv))))?.error).toBe('invalid_token');
    });
  });

  describe('header and claims', () => {
    it.each([['JWT'], ['jwt'], ['at+JWT2'], [undefined]])(
      'refuses typ %s (RFC 9068 §4 step 1)',
      async (typ) => {
        const error = await failure(rs, await signWithIssuerKey(srv, claims(srv), { typ }));
        expect(error?.error).toBe('invalid_token');
      },
    );

    it('accepts typ "application/at+jwt"', async () => {
      expect(
        await failure(rs, await signWithIssuerKey(srv, claims(srv), { typ: 'application/at+jwt' })),
      ).toBeUndefined();
    });

    it.each([['https://evil.test'], ['trailing slash'], ['case']])(
      'refuses an iss that is not the issuer byte for byte (%s)',
      async (variant) => {
        const iss =
          variant === 'trailing slash'
            ? `${srv.issuer}/`
            : variant === 'case'
              ? srv.issuer.toUpperCase()
              : variant;
        const error = await failure(rs, await signWithIssuerKey(srv, claims(srv, { iss })));
        expect(error?.description).toBe(
          'The access token was not issued by the expected authorization server.',
        );
      },
    );

    it.each([['https://other.test/api'], [`${RESOURCE}/`], ['http://127.0.0.1:4100'], [[]]])(
      'refuses aud %j (MCP "Token Handling")',
      async (aud) => {
        const error = await failure(rs, await signWithIssuerKey(srv, claims(srv, { aud })));
        expect(error?.description).toBe('The access token was not issued for this resource.');
      },
    );

    it('accepts an aud array that contains this resource', async () => {
      expect(
        await failure(
          rs,
          await signWithIssuerKey(srv, claims(srv, { aud: ['https://other.test/api', RESOURCE] })),
        ),
      ).toBeUndefined();
    });

    it.each(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'])(
      'refuses a token without the REQUIRED claim %s (RFC 9068 §2.2)',
      async (claim) => {
        const payload = claims(srv);
        delete payload[claim];
        expect((await failure(rs, await signWithIssuerKey(srv, payload)))?.error).toBe('invalid_token');
      },
    );

    it('refuses a scope claim that is not a string', async () => {
      expect(
        (await failure(rs, await signWithIssuerKey(srv, claims(srv, { scope: ['todos.read'] as never }))))
          ?.error,
      ).toBe('invalid_token');
    });
  });

  describe('time (RFC 9068 §4 step 5) with the default 30 s skew', () => {
    const now = () => Math.floor(srv.clock.now() / 1000);

    it('refuses a token that expired more than the skew ago', async () => {
      const error = await failure(
        rs,
        await signWithIssuerKey(srv, claims(srv, { iat: now() - 600, exp: now() - 31 })),
      );
      expect(error?.description).toBe('The access token has expired.');
    });

    it('accepts a token that expired within the skew, and refuses it with no skew', async () => {
      const token = await signWithIssuerKey(srv, claims(srv, { iat: now() - 600, exp: now() - 10 }));
      expect(await failure(rs, token)).toBeUndefined();
      expect((await failure(protect(srv, { clockTolerance: 0 }), token))?.error).toBe('invalid_token');
    });

    it('refuses a token that is not valid yet (nbf beyond the skew)', async () => {
      const error = await failure(rs, await signWithIssuerKey(srv, claims(srv, { nbf: now() + 120 })));
      expect(error?.description).toBe('The access token is not valid yet.');
    });
  });

  describe('the key set', () => {
    it('is found through the issuer metadata, fetched once and cached', async () => {
      const { fetch: counting, urls } = countingFetch();
      const cached = protect(srv, { fetch: counting });
      for (let i = 0; i < 5; i++) await cached.verifyToken(await signWithIssuerKey(srv, claims(srv)));
      expect(urls).toEqual([
        `${srv.issuer}/.well-known/oauth-authorization-server`,
        `${srv.issuer}/jwks.json`,
      ]);
    });

    it('is not fetched again for an unknown kid within the cooldown', async () => {
      const { fetch: counting, urls } = countingFetch();
      const cached = protect(srv, { fetch: counting });
      await cached.verifyToken(await signWithIssuerKey(srv, claims(srv)));
      const { privateKey } = await generateKeyPair('ES256');
      for (let i = 0; i < 20; i++) {
        const forged = await new SignJWT(claims(srv))
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: `made-up-${i}` })
          .sign(privateKey);
        expect((await failure(cached, forged))?.error).toBe('invalid_token');
      }
      expect(urls.filter((u) => u.endsWith('/jwks.json'))).toHaveLength(1);
    });

    it('is fetched again when a token names a kid it does not know, once the cooldown allows', async () => {
      const { fetch: counting, urls } = countingFetch();
      const cached = protect(srv, { fetch: counting, jwksCooldown: 0 });
      await cached.verifyToken(await signWithIssuerKey(srv, claims(srv)));
      // Two rotations: the key that signs now was not published when the key set was fetched.
      await srv.gh.keys.rotate(3600_000);
      await srv.gh.keys.rotate(3600_000);
      expect(await failure(cached, await signWithIssuerKey(srv, claims(srv)))).toBeUndefined();
      expect(urls.filter((u) => u.endsWith('/jwks.json'))).toHaveLength(2);
    });

    it('is not taken from a metadata document that names another issuer (RFC 8414 §3.3)', async () => {
      const forged = (async () =>
        Response.json({
          issuer: 'https://evil.test',
          jwks_uri: 'https://evil.test/jwks.json',
        })) as typeof fetch;
      const misled = protect(srv, { fetch: forged });
      await expect(
        misled.authenticate({ authorization: `Bearer ${await signWithIssuerKey(srv, claims(srv))}` }),
      ).rejects.toThrow(/names issuer "https:\/\/evil.test"/);
    });

    it('turns an unreachable issuer into a server error, never into invalid_token', async () => {
      const down = (async () => new Response('down', { status: 503 })) as typeof fetch;
      const cut = protect(srv, { fetch: down, jwksUri: `${srv.issuer}/jwks.json` });
      await expect(
        cut.authenticate({ authorization: `Bearer ${await signWithIssuerKey(srv, claims(srv))}` }),
      ).rejects.not.toBeInstanceOf(BearerError);
    });
  });
});
