import { describe, expect, it } from 'vitest';
import { OTHER_RESOURCE } from '../helpers/fixtures.js';
import {
  authorize,
  baseOptions,
  decodeJwt,
  introspect,
  MACHINE_AUTH,
  obtainTokens,
  query,
  RESOURCE,
  redeem,
  refresh,
  tokenRequest,
  useServer,
} from '../helpers/oauth.js';

/** RFC 8707 resource indicators, as MCP requires them (MCP-A "Resource Parameter Implementation"). */

const ORIGIN_RESOURCE = 'https://origin.example';

const options = () => {
  const o = baseOptions();
  o.resources = [
    ...(o.resources ?? []),
    { resource: ORIGIN_RESOURCE, name: 'Origin API', scopes: ['origin.read'] },
  ];
  o.clients = [
    ...(o.clients ?? []),
    {
      client_id: 'todo-only',
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      resources: [RESOURCE],
      first_party: true,
    },
  ];
  return o;
};

describe('RFC 8707 resource indicators', () => {
  const srv = useServer(options);

  it('a resource that is not an absolute URI is invalid_target at the authorization endpoint', async () => {
    const result = await authorize(srv(), { resource: 'mcp.test/mcp' });
    expect(query(result.location)).toMatchObject({
      error: 'invalid_target',
      state: result.state,
      iss: srv().issuer,
    });
  });

  it('a resource with a fragment is invalid_target at the authorization endpoint', async () => {
    const result = await authorize(srv(), { resource: `${RESOURCE}#f` });
    expect(query(result.location).error).toBe('invalid_target');
  });

  it('a malformed or fragment resource is 400 invalid_target at the token endpoint', async () => {
    for (const resource of ['mcp.test/mcp', `${RESOURCE}#f`]) {
      const r = await tokenRequest(
        srv(),
        { grant_type: 'client_credentials', resource },
        { authorization: MACHINE_AUTH },
      );
      expect([r.status, r.body.error]).toEqual([400, 'invalid_target']);
    }
  });

  it('an unknown resource is invalid_target', async () => {
    const result = await authorize(srv(), { resource: 'https://unknown.test/mcp' });
    expect(query(result.location).error).toBe('invalid_target');
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', resource: 'https://unknown.test/mcp' },
      { authorization: MACHINE_AUTH },
    );
    expect(r.body.error).toBe('invalid_target');
  });

  it('a resource the client is not allowed is invalid_target', async () => {
    const result = await authorize(srv(), {
      client_id: 'todo-only',
      resource: OTHER_RESOURCE,
      scope: undefined,
    });
    expect(query(result.location).error).toBe('invalid_target');
  });

  it('without a resource the token is audience-restricted to the configured default resource', async () => {
    const tokens = await obtainTokens(srv(), { resource: undefined });
    expect(decodeJwt(tokens.access_token).payload.aud).toBe(RESOURCE);
  });

  it('the access token aud and the introspection aud are the requested resource', async () => {
    const tokens = await obtainTokens(srv(), { resource: OTHER_RESOURCE, scope: 'other.read' });
    expect(decodeJwt(tokens.access_token).payload.aud).toBe(OTHER_RESOURCE);
    const r = await introspect(srv(), tokens.access_token);
    expect(r.body).toMatchObject({ active: true, aud: OTHER_RESOURCE });
  });

  it('a token request naming a resource that was not authorized is 400 invalid_target', async () => {
    const auth = await authorize(srv());
    const r = await redeem(srv(), auth, { resource: OTHER_RESOURCE });
    expect([r.status, r.body.error]).toEqual([400, 'invalid_target']);
  });

  it('a refresh naming another resource is invalid_target, and the refresh token stays bound to its own', async () => {
    const tokens = await obtainTokens(srv());
    const swapped = await refresh(srv(), tokens.refresh_token!, { resource: OTHER_RESOURCE });
    expect([swapped.status, swapped.body.error]).toEqual([400, 'invalid_target']);
    const own = await refresh(srv(), tokens.refresh_token!);
    expect(own.status).toBe(200);
    expect(decodeJwt(own.body.access_token).payload.aud).toBe(RESOURCE);
  });

  it('resource may repeat without a duplicate-parameter error; two audiences are refused as invalid_target', async () => {
    const result = await authorize(srv(), { resource: [RESOURCE, OTHER_RESOURCE] });
    expect(query(result.location).error).toBe('invalid_target');
    const same = await authorize(srv(), { resource: [RESOURCE, RESOURCE] });
    expect(query(same.location).error).not.toBe('invalid_request');
  });

  it('an upper-case scheme and host name the same resource, and aud is the configured string', async () => {
    const upper = RESOURCE.replace('http://', 'HTTP://');
    const tokens = await obtainTokens(srv(), { resource: upper });
    expect(decodeJwt(tokens.access_token).payload.aud).toBe(RESOURCE);
  });

  it('an origin-only resource matches with or without a trailing slash, and aud has none', async () => {
    for (const resource of [ORIGIN_RESOURCE, `${ORIGIN_RESOURCE}/`]) {
      const r = await tokenRequest(
        srv(),
        { grant_type: 'client_credentials', resource, scope: undefined },
        { authorization: MACHINE_AUTH },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(decodeJwt(r.body.access_token).payload.aud).toBe(ORIGIN_RESOURCE);
    }
  });

  it('a full flow carrying resource on authorize, token and refresh succeeds', async () => {
    const auth = await authorize(srv(), { resource: RESOURCE });
    const tokens = await redeem(srv(), auth, { resource: RESOURCE });
    expect(tokens.status).toBe(200);
    const refreshed = await refresh(srv(), tokens.body.refresh_token, { resource: RESOURCE });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token).payload.aud).toBe(RESOURCE);
  });

  it('client_credentials honours resource: aud is the requested resource', async () => {
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', resource: OTHER_RESOURCE, scope: undefined },
      { authorization: MACHINE_AUTH },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(decodeJwt(r.body.access_token).payload.aud).toBe(OTHER_RESOURCE);
  });
});

describe('RFC 8707 with several resources and no default', () => {
  const srv = useServer(() => ({ ...options(), defaultResource: undefined }));

  it('a request without resource is refused with invalid_target rather than issuing a token with no audience', async () => {
    const result = await authorize(srv(), { resource: undefined });
    expect(query(result.location).error).toBe('invalid_target');
    const r = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials' },
      { authorization: MACHINE_AUTH },
    );
    expect([r.status, r.body.error]).toEqual([400, 'invalid_target']);
  });
});
