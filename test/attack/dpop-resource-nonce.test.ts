import { describe, expect, it } from 'vitest';
import { createDpopNonces } from '../../src/resource/dpop-nonce.js';
import { createProtectedResource, type ProtectedResourceOptions } from '../../src/resource/index.js';
import { type DpopKey, dpopKey } from '../helpers/dpop.js';
import { baseOptions, RESOURCE } from '../helpers/fixtures.js';
import { authorize, redeem, useServer } from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';

/**
 * Server-provided DPoP nonces at a protected resource (RFC 9449 §9): a proof must carry a nonce this
 * resource handed out, in the current or the previous window. Missing, stale, forged, another
 * secret's, another resource's and the authorization server's nonces are all refused with 401
 * `DPoP error="use_dpop_nonce"` and a fresh `DPoP-Nonce`; instances sharing the secret agree.
 */

const SECRET = 'resource-server nonce secret, at least 32 chars';
const OTHER_SECRET = 'another resource server nonce secret, 32+ chars';

describe('DPoP nonces at a protected resource (dpop.nonce)', () => {
  const server = useServer(() => ({ ...baseOptions(), dpop: { requireNonce: true } }));

  async function boundToken(srv: TestServer, key: DpopKey): Promise<{ token: string; asNonce: string }> {
    const htu = srv.gh.config.endpoints.token;
    const auth = await authorize(srv, { client_id: 'native-app' });
    const first = await redeem(srv, auth, {}, { dpop: await key.proof({ htm: 'POST', htu }) });
    const asNonce = first.headers.get('dpop-nonce')!;
    const response = await redeem(
      srv,
      auth,
      {},
      { dpop: await key.proof({ htm: 'POST', htu, nonce: asNonce }) },
    );
    expect(response.status).toBe(200);
    return { token: response.body.access_token as string, asNonce };
  }

  const resourceWith = (extra: Partial<ProtectedResourceOptions> = {}) =>
    createProtectedResource({
      issuer: server().issuer,
      resource: RESOURCE,
      dpop: { nonce: { secret: SECRET, lifetime: 10 } },
      ...extra,
    });

  const call = async (
    resource: ReturnType<typeof createProtectedResource>,
    key: DpopKey,
    token: string,
    nonce?: string,
  ) =>
    resource.authenticate({
      authorization: `DPoP ${token}`,
      url: '/mcp',
      method: 'POST',
      dpop: await key.proof({ htm: 'POST', htu: RESOURCE, accessToken: token, nonce }),
    });

  function expectNonceChallenge(result: Awaited<ReturnType<typeof call>>): string {
    expect(result.ok).toBe(false);
    if (result.ok) return '';
    expect(result.challenge.status).toBe(401);
    expect(result.challenge.headers['www-authenticate']).toMatch(
      /DPoP error="use_dpop_nonce", error_description="[^"]+", algs="[^"]+", resource_metadata="/,
    );
    expect(result.challenge.headers['access-control-expose-headers']).toContain('dpop-nonce');
    const nonce = result.challenge.headers['dpop-nonce'];
    expect(nonce).toMatch(/^[0-9a-z]+\.[\w-]{43}$/);
    return nonce!;
  }

  it('a proof without a nonce gets 401 use_dpop_nonce and a DPoP-Nonce; the retry with it passes and gets the next one', async () => {
    const key = await dpopKey();
    const { token } = await boundToken(server(), key);
    const resource = resourceWith();
    const nonce = expectNonceChallenge(await call(resource, key, token));
    const retried = await call(resource, key, token, nonce);
    expect(retried.ok).toBe(true);
    expect(retried.ok && retried.headers?.['dpop-nonce']).toMatch(/^[0-9a-z]+\./);
  });

  it('a stale nonce (two lifetimes old) is refused; the previous window is still accepted', async () => {
    const key = await dpopKey();
    const { token } = await boundToken(server(), key);
    let offset = 0;
    const resource = resourceWith({ clock: () => Date.now() + offset });
    const nonce = expectNonceChallenge(await call(resource, key, token));
    offset = 10_000;
    expect((await call(resource, key, token, nonce)).ok).toBe(true);
    offset = 21_000;
    expectNonceChallenge(await call(resource, key, token, nonce));
  });

  it('a nonce minted under another secret, for another resource, or by the authorization server is refused', async () => {
    const key = await dpopKey();
    const { token, asNonce } = await boundToken(server(), key);
    const other = resourceWith({ dpop: { nonce: { secret: OTHER_SECRET, lifetime: 10 } } });
    const otherNonce = expectNonceChallenge(await call(other, key, token));
    // The same secret, another resource identifier: the resource is in the MAC.
    const siblingNonce = await createDpopNonces(
      new TextEncoder().encode(SECRET),
      'https://other.test/api',
      10,
      Date.now,
    ).current();
    const resource = resourceWith();
    const forged = `${otherNonce.split('.')[0]}.${'A'.repeat(43)}`;
    for (const nonce of [otherNonce, siblingNonce, asNonce, forged, 'nonsense', '']) {
      expectNonceChallenge(await call(resource, key, token, nonce));
    }
  });

  it("instances sharing the secret accept each other's nonces", async () => {
    const key = await dpopKey();
    const { token } = await boundToken(server(), key);
    const nonce = expectNonceChallenge(await call(resourceWith(), key, token));
    expect((await call(resourceWith(), key, token, nonce)).ok).toBe(true);
  });

  it('a refused proof is not a way around the replay cache: the same proof with the nonce is used once', async () => {
    const key = await dpopKey();
    const { token } = await boundToken(server(), key);
    const resource = resourceWith();
    const nonce = expectNonceChallenge(await call(resource, key, token));
    const proof = await key.proof({ htm: 'POST', htu: RESOURCE, accessToken: token, nonce });
    const request = { authorization: `DPoP ${token}`, url: '/mcp', method: 'POST', dpop: proof };
    expect((await resource.authenticate(request)).ok).toBe(true);
    const again = await resource.authenticate(request);
    expect(again.ok || again.error.error).toBe('invalid_dpop_proof');
  });
});
