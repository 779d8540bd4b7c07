import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import type { SigningAlgorithm } from '../../src/config/options.js';
import {
  baseOptions,
  decodeJwt,
  fakeClock,
  introspect,
  MACHINE_AUTH,
  obtainTokens,
  RESOURCE,
  tokenRequest,
  useServer,
} from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';

/** RFC 9068 JWT access tokens, the JWKS (RFC 8414 §2 jwks_uri, RFC 7517) and key rotation (OIDC Core §10.1.1). */

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

async function discover(srv: TestServer): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(srv.issuer);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

/** Validates with oauth4webapi (a fresh metadata object each time, so no JWKS cache carries over). */
async function validate(srv: TestServer, token: string, audience = RESOURCE) {
  const as = { ...(await discover(srv)) };
  return oauth.validateJwtAccessToken(
    as,
    new Request(audience, { headers: { authorization: `Bearer ${token}` } }),
    audience,
    insecure,
  );
}

async function jwks(srv: TestServer): Promise<{ keys: Record<string, unknown>[] }> {
  const response = await fetch(srv.gh.config.endpoints.jwks);
  expect(response.status).toBe(200);
  return response.json();
}

describe.each<[SigningAlgorithm, string]>([
  ['ES256', 'EC'],
  ['RS256', 'RSA'],
  ['EdDSA', 'OKP'],
])('RFC 9068 access tokens signed with %s', (alg, kty) => {
  const srv = useServer(() => ({ ...baseOptions(), ...(alg === 'ES256' ? {} : { signingAlgorithm: alg }) }));

  it('an access token has header typ at+jwt, the algorithm and a kid published in the JWKS', async () => {
    const t = await obtainTokens(srv());
    const { header } = decodeJwt(t.access_token);
    expect(header).toMatchObject({ typ: 'at+jwt', alg });
    const keys = (await jwks(srv())).keys;
    expect(keys.map((k) => k.kid)).toContain(header.kid);
  });

  it('an access token carries iss, sub, aud, client_id, scope, iat, exp and jti', async () => {
    const t = await obtainTokens(srv());
    const { payload } = decodeJwt(t.access_token);
    expect(payload).toMatchObject({
      iss: srv().issuer,
      aud: RESOURCE,
      client_id: 'native-app',
      scope: 'todos.read todos.write',
    });
    expect(payload.sub).toMatch(/^usr_/);
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.exp).toBe((payload.iat as number) + t.expires_in);
  });

  it('an access token validates with oauth4webapi.validateJwtAccessToken against the JWKS', async () => {
    const t = await obtainTokens(srv());
    const claims = await validate(srv(), t.access_token);
    expect(claims).toMatchObject({ iss: srv().issuer, aud: RESOURCE, client_id: 'native-app' });
  });

  it('an access token is refused by oauth4webapi for another audience', async () => {
    const t = await obtainTokens(srv());
    await expect(validate(srv(), t.access_token, 'https://other.test/api')).rejects.toThrow();
  });

  it(`publishes ${kty} public keys only, each with kid, alg and use=sig`, async () => {
    const keys = (await jwks(srv())).keys;
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty, alg, use: 'sig' });
      expect(key.kid).toEqual(expect.any(String));
      for (const member of PRIVATE_MEMBERS) expect(key, `${member} in ${key.kid}`).not.toHaveProperty(member);
    }
  });

  it('metadata advertises the algorithm in id_token_signing_alg_values_supported', async () => {
    expect((await discover(srv())).id_token_signing_alg_values_supported).toEqual([alg]);
  });
});

describe('JWT access token subjects (RFC 9068 §2.2; RFC 9700 §4.15)', () => {
  const srv = useServer();

  it('a client_credentials token has the client as subject, which cannot equal a user subject', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials' },
      { authorization: MACHINE_AUTH },
    );
    const { payload } = decodeJwt(r.body.access_token);
    expect(payload.sub).toBe('machine');
    expect(payload.sub).not.toMatch(/^usr_/);
    const user = await obtainTokens(srv());
    expect(decodeJwt(user.access_token).payload.sub).toMatch(/^usr_/);
  });

  it('a token with a forged header (alg none, or typ JWT) is not accepted by introspection', async () => {
    const t = await obtainTokens(srv());
    const [h, p, s] = t.access_token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    const forge = (changes: Record<string, unknown>, sig = s) =>
      `${Buffer.from(JSON.stringify({ ...header, ...changes })).toString('base64url')}.${p}.${sig}`;
    for (const token of [forge({ alg: 'none' }, ''), forge({ typ: 'JWT' }), forge({ alg: 'HS256' })]) {
      expect((await introspect(srv(), token)).body).toStrictEqual({ active: false });
    }
    expect((await introspect(srv(), t.access_token)).body.active).toBe(true);
  });
});

describe('signing key rotation with pre-publication (OIDC Core §10.1.1)', () => {
  const clock = fakeClock();
  const srv = useServer(() => ({ ...baseOptions(), clock: clock.now }));

  it('the next key is published before it signs; after rotation it signs and the old key keeps verifying until retireAt', async () => {
    const before = await obtainTokens(srv());
    const oldKid = decodeJwt(before.access_token).header.kid;
    const published = (await jwks(srv())).keys.map((k) => k.kid);
    expect(published.length).toBe(2);
    const nextKid = published.find((kid) => kid !== oldKid);

    await srv().gh.keys.rotate(120_000);
    const after = await obtainTokens(srv());
    const newKid = decodeJwt(after.access_token).header.kid;
    expect(newKid).not.toBe(oldKid);
    expect(newKid).toBe(nextKid);

    // Until retireAt: both keys are published; old and new tokens verify.
    const kids = (await jwks(srv())).keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect((await validate(srv(), before.access_token)).client_id).toBe('native-app');
    expect((await validate(srv(), after.access_token)).client_id).toBe('native-app');
    expect((await introspect(srv(), before.access_token)).body.active).toBe(true);

    // After retireAt the old key leaves the JWKS (instances reload keys within 30 s) and its tokens stop verifying.
    clock.advance(121_000);
    await expect
      .poll(async () => (await jwks(srv())).keys.map((k) => k.kid), { timeout: 2000 })
      .not.toContain(oldKid);
    await expect(validate(srv(), before.access_token)).rejects.toThrow();
    expect((await introspect(srv(), before.access_token)).body).toStrictEqual({ active: false });
  });
});
