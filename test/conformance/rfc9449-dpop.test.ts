import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createProtectedResource } from '../../src/resource/index.js';
import { dcrOptions, register } from '../helpers/dcr.js';
import { dpopKey } from '../helpers/dpop.js';
import { RESOURCE } from '../helpers/fixtures.js';
import { authorize, introspect, NATIVE_REDIRECT, redeem, useServer } from '../helpers/oauth.js';

/**
 * RFC 9449 (DPoP), section by section. Each title names what the section requires; the hostile cases
 * (every refused proof) are in test/attack/dpop.test.ts.
 */

describe('RFC 9449 DPoP', () => {
  const server = useServer(() => ({ ...dcrOptions(), dpop: { requireNonce: false } }));

  it('§5.1: metadata lists dpop_signing_alg_values_supported, asymmetric algorithms only', async () => {
    const metadata = await (await fetch(`${server().origin}/.well-known/oauth-authorization-server`)).json();
    expect(metadata.dpop_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['ES256', 'EdDSA', 'RS256', 'PS256']),
    );
    expect(metadata.dpop_signing_alg_values_supported.join(' ')).not.toMatch(/none|HS/);
  });

  it('§5, §6.1: a token request with a proof gets token_type DPoP and cnf.jkt, the RFC 7638 thumbprint of the jwk', async () => {
    const srv = server();
    const key = await dpopKey('EdDSA');
    const proof = await key.proof({ htm: 'POST', htu: srv.gh.config.endpoints.token });
    const response = await redeem(srv, await authorize(srv), {}, { dpop: proof });
    expect(response.body.token_type).toBe('DPoP');
    const jkt = await calculateJwkThumbprint(key.jwk, 'sha256');
    expect(decodeJwt(response.body.access_token).cnf).toEqual({ jkt });
  });

  it('§4.3 step 9: htu is compared without query and fragment, after scheme and host normalisation', async () => {
    const srv = server();
    const key = await dpopKey('PS256');
    const url = new URL(srv.gh.config.endpoints.token);
    const htu = `HTTP://${url.host.toUpperCase()}${url.pathname}?x=1#f`;
    const response = await redeem(
      srv,
      await authorize(srv),
      {},
      { dpop: await key.proof({ htm: 'POST', htu }) },
    );
    expect([response.status, response.body.token_type]).toEqual([200, 'DPoP']);
  });

  it('§6.2: introspection of a DPoP-bound token returns token_type DPoP and cnf.jkt', async () => {
    const srv = server();
    const key = await dpopKey();
    const proof = await key.proof({ htm: 'POST', htu: srv.gh.config.endpoints.token });
    const token = (await redeem(srv, await authorize(srv), {}, { dpop: proof })).body.access_token;
    const info = await introspect(srv, token);
    expect(info.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
  });

  it('§5.2: dpop_bound_access_tokens registered through DCR is echoed and enforced', async () => {
    const srv = server();
    const registered = await register(srv.issuer, {
      redirect_uris: [NATIVE_REDIRECT],
      token_endpoint_auth_method: 'none',
      dpop_bound_access_tokens: true,
    });
    expect(registered.status).toBe(201);
    expect(registered.body.dpop_bound_access_tokens).toBe(true);
    const clientId = registered.body.client_id as string;
    const auth = await authorize(srv, { client_id: clientId });
    const bare = await redeem(srv, auth, { client_id: clientId });
    expect([bare.status, bare.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const key = await dpopKey();
    const proof = await key.proof({ htm: 'POST', htu: srv.gh.config.endpoints.token });
    expect((await redeem(srv, auth, { client_id: clientId }, { dpop: proof })).body.token_type).toBe('DPoP');
  });

  it('§7.1: a protected resource challenges with DPoP algs alongside Bearer, keeping resource_metadata', async () => {
    const resource = createProtectedResource({ issuer: server().issuer, resource: RESOURCE });
    const result = await resource.authenticate({ authorization: null, url: '/mcp' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.challenge.headers['www-authenticate']).toMatch(
      /^Bearer resource_metadata="[^"]+"(, scope="[^"]*")?, DPoP algs="[^"]*ES256[^"]*", resource_metadata="[^"]+"$/,
    );
  });
});

describe('RFC 9449 §8: server-provided nonces (dpop.requireNonce)', () => {
  const server = useServer(() => ({ ...dcrOptions(), dpop: { requireNonce: true } }));

  it('§8: use_dpop_nonce (400) with a DPoP-Nonce header; the retried proof with the nonce succeeds and gets the next nonce', async () => {
    const srv = server();
    const key = await dpopKey();
    const htu = srv.gh.config.endpoints.token;
    const auth = await authorize(srv);
    const first = await redeem(srv, auth, {}, { dpop: await key.proof({ htm: 'POST', htu }) });
    expect([first.status, first.body.error]).toEqual([400, 'use_dpop_nonce']);
    const nonce = first.headers.get('dpop-nonce')!;
    const second = await redeem(srv, auth, {}, { dpop: await key.proof({ htm: 'POST', htu, nonce }) });
    expect(second.status).toBe(200);
    expect(second.headers.get('dpop-nonce')).toBeTruthy();
    expect(second.headers.get('access-control-expose-headers')).toContain('dpop-nonce');
  });
});
