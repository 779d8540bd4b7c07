import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { decodeJwt, introspect, useServer } from '../helpers/oauth.js';
import {
  ACCESS_TOKEN_TYPE,
  exchange,
  exchangeOptions,
  FILES,
  TOKEN_EXCHANGE,
  userTokenForA,
} from '../helpers/token-exchange.js';

/** RFC 8693 token exchange on the wire: request parameters, response members, claims, errors, metadata. */

describe('token exchange (RFC 8693)', () => {
  const srv = useServer(exchangeOptions);

  it('§2.2.1: 200 JSON, no-store, access_token, issued_token_type, token_type Bearer, expires_in, scope; no refresh_token', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      scope: 'files.read',
    });
    expect(typeof r.body.access_token).toBe('string');
    expect(r.body.expires_in).toBeGreaterThan(0);
    expect(r.body.refresh_token).toBeUndefined();
  });

  it('§4.1: the token is an RFC 9068 JWT for B that keeps sub, auth_time and the grant, with act naming the exchanging client', async () => {
    const { access_token } = await userTokenForA(srv());
    const subject = decodeJwt(access_token);
    const r = await exchange(srv(), access_token);
    const { header, payload } = decodeJwt(r.body.access_token);
    expect(header.typ).toBe('at+jwt');
    expect(payload).toMatchObject({
      iss: srv().issuer,
      sub: subject.payload.sub,
      aud: FILES,
      client_id: 'mcp-server',
      gid: subject.payload.gid,
      auth_time: subject.payload.auth_time,
      act: { sub: 'mcp-server' },
    });
    expect(payload.jti).not.toBe(subject.payload.jti);
    expect(payload.exp as number).toBeLessThanOrEqual(subject.payload.exp as number);
  });

  it('the exchanged token verifies as an RFC 9068 access token for B (oauth4webapi)', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token);
    const as = await oauth.processDiscoveryResponse(
      new URL(srv().issuer),
      await oauth.discoveryRequest(new URL(srv().issuer), { [oauth.allowInsecureRequests]: true }),
    );
    const request = new Request(FILES, { headers: { authorization: `Bearer ${r.body.access_token}` } });
    const claims = await oauth.validateJwtAccessToken(as, request, FILES, {
      [oauth.allowInsecureRequests]: true,
    });
    expect(claims.aud).toBe(FILES);
  });

  it('§2.1: `audience` alone, or with `resource` naming the same resource, selects the target; requested_token_type access_token is accepted', async () => {
    const { access_token } = await userTokenForA(srv());
    const audience = await exchange(srv(), access_token, { resource: undefined, audience: FILES });
    expect(audience.status).toBe(200);
    const both = await exchange(srv(), access_token, {
      audience: FILES,
      requested_token_type: ACCESS_TOKEN_TYPE,
      scope: 'files.read',
    });
    expect(both.status).toBe(200);
    expect(decodeJwt(both.body.access_token).payload.aud).toBe(FILES);
  });

  it('RFC 7662: introspection of the exchanged token shows aud B and act', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token);
    const info = await introspect(srv(), r.body.access_token);
    expect(info.body).toMatchObject({
      active: true,
      aud: FILES,
      client_id: 'mcp-server',
      act: { sub: 'mcp-server' },
    });
  });

  it('§2.2.2: errors are JSON with no-store and the exact code', async () => {
    const { access_token } = await userTokenForA(srv());
    const r = await exchange(srv(), access_token, {
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    });
    expect(r.status).toBe(400);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body.error).toBe('invalid_request');
    expect(typeof r.body.error_description).toBe('string');
  });

  it('RFC 8414: grant_types_supported lists the token-exchange URN', async () => {
    const response = await fetch(`${srv().origin}/.well-known/oauth-authorization-server`);
    const body = (await response.json()) as { grant_types_supported: string[] };
    expect(body.grant_types_supported).toContain(TOKEN_EXCHANGE);
  });
});
