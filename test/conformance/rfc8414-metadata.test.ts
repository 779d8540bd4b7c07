import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions, get, type JsonResponse, rawRequest, useServer } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** RFC 8414 authorization server metadata and the OpenID Connect discovery locations. */

const WELL_KNOWN = '/.well-known/oauth-authorization-server';
const OIDC = '/.well-known/openid-configuration';

async function fetchJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ response: Response; body: JsonResponse['body'] }> {
  const response = await get(url, headers);
  const text = await response.text();
  return { response, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

describe('RFC 8414 metadata at the root issuer', () => {
  const srv = useServer();

  it('metadata is served at /.well-known/oauth-authorization-server as a JSON object with status 200', async () => {
    const { response, body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof body).toBe('object');
    expect(Array.isArray(body)).toBe(false);
  });

  it('metadata has an issuer byte-identical to the URL the document was fetched from, minus the suffix', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body.issuer).toBe(srv().issuer);
    expect(body.issuer.endsWith('/')).toBe(false);
  });

  it('advertises S256 and not plain in code_challenge_methods_supported', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body.code_challenge_methods_supported).toContain('S256');
    expect(body.code_challenge_methods_supported).not.toContain('plain');
  });

  it('lists the authorization and token endpoints and response_types_supported ["code"] only', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body.authorization_endpoint).toBe(`${srv().issuer}/authorize`);
    expect(body.token_endpoint).toBe(`${srv().issuer}/token`);
    expect(body.response_types_supported).toEqual(['code']);
  });

  it('lists grant_types_supported without implicit or password', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
    expect(body.grant_types_supported).not.toContain('implicit');
    expect(body.grant_types_supported).not.toContain('password');
  });

  it('lists token_endpoint_auth_methods_supported including none', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['none', 'client_secret_basic', 'client_secret_post']),
    );
    expect(body.revocation_endpoint_auth_methods_supported).toContain('none');
  });

  it('omits registration_endpoint and POST /register answers 404 while DCR is off', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body).not.toHaveProperty('registration_endpoint');
    const response = await fetch(`${srv().issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
  });

  it('omits client_id_metadata_document_supported while CIMD is off', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body.client_id_metadata_document_supported ?? false).toBe(false);
  });

  it('sets authorization_response_iss_parameter_supported to true', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    expect(body.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('advertises revocation, introspection and jwks_uri endpoints that answer', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    const jwks = await get(body.jwks_uri);
    expect(jwks.status).toBe(200);
    // Revocation and introspection are POST endpoints: they exist (a GET is 405, not 404).
    expect((await get(body.revocation_endpoint)).status).toBe(405);
    expect((await get(body.introspection_endpoint)).status).toBe(405);
    expect(body.scopes_supported).toEqual(expect.arrayContaining(['todos.read', 'todos.write']));
  });

  it('metadata has no member whose value is an empty array', async () => {
    const { body } = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    for (const [key, value] of Object.entries(body)) {
      expect(Array.isArray(value) && value.length === 0, `${key} is []`).toBe(false);
    }
  });

  it('builds every URL from the configured issuer, never from Host or X-Forwarded-Host', async () => {
    const url = `${srv().origin}${WELL_KNOWN}`;
    const reference = await rawRequest(url);
    expect(reference.status).toBe(200);
    const spoofs: Record<string, string>[] = [
      { host: 'evil.test' },
      { 'x-forwarded-host': 'evil.test' },
      { host: 'evil.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test:443' },
      { forwarded: 'host=evil.test;proto=https' },
    ];
    for (const headers of spoofs) {
      const spoofed = await rawRequest(url, { headers });
      expect(spoofed.status).toBe(200);
      expect(spoofed.body).toBe(reference.body);
    }
    expect(reference.body).not.toContain('evil.test');
  });

  it('allows cross-origin reads, with a preflight that accepts MCP-Protocol-Version', async () => {
    const url = `${srv().origin}${WELL_KNOWN}`;
    const simple = await get(url, { origin: 'https://client.test' });
    expect(simple.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(simple.headers.get('access-control-allow-credentials')).toBeNull();
    expect(simple.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://client.test',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'mcp-protocol-version',
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(200);
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/GET/);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'mcp-protocol-version',
    );
  });

  it('serves the same document at the OpenID discovery location, with the OIDC-required members', async () => {
    const oauth = await fetchJson(`${srv().origin}${WELL_KNOWN}`);
    const oidc = await fetchJson(`${srv().origin}${OIDC}`);
    expect(oidc.response.status).toBe(200);
    expect(oidc.body.issuer).toBe(srv().issuer);
    expect(oidc.body).toEqual(oauth.body);
    expect(oidc.body.jwks_uri).toBeTruthy();
    expect(oidc.body.subject_types_supported).toEqual(expect.any(Array));
    expect(oidc.body.id_token_signing_alg_values_supported).toEqual(expect.any(Array));
  });
});

describe('RFC 8414 §3.1 path insertion for an issuer with a path (/t1)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ ...baseOptions(), issuerPath: '/t1' });
  });
  afterAll(() => srv.close());

  it('serves the document at /.well-known/oauth-authorization-server/t1 with issuer ending in /t1', async () => {
    const { response, body } = await fetchJson(`${srv.origin}${WELL_KNOWN}/t1`);
    expect(response.status).toBe(200);
    expect(body.issuer).toBe(`${srv.origin}/t1`);
    expect(body.issuer).toBe(srv.issuer);
    expect(body.authorization_endpoint).toBe(`${srv.origin}/t1/authorize`);
  });

  it("never serves t1's document at the root well-known URL", async () => {
    const response = await get(`${srv.origin}${WELL_KNOWN}`);
    if (response.status === 200) {
      const body = await response.json();
      expect(body.issuer).toBe(srv.origin);
    } else {
      expect(response.status).toBe(404);
    }
  });

  it('does not serve the document appended to the issuer (RFC 8414 uses insertion, not appending)', async () => {
    const response = await get(`${srv.origin}/t1${WELL_KNOWN}`);
    if (response.status === 200) expect((await response.json()).issuer).toBe(srv.issuer);
    else expect(response.status).toBe(404);
  });

  it('answers both OpenID discovery locations with the same issuer', async () => {
    for (const url of [`${srv.origin}${OIDC}/t1`, `${srv.origin}/t1${OIDC}`]) {
      const { response, body } = await fetchJson(url);
      expect(response.status, url).toBe(200);
      expect(body.issuer).toBe(srv.issuer);
      expect(body.code_challenge_methods_supported).toContain('S256');
    }
  });

  it('never answers a discovery location with a different issuer', async () => {
    for (const url of [`${srv.origin}${OIDC}`, `${srv.origin}${WELL_KNOWN}/t2`, `${srv.origin}${OIDC}/t2`]) {
      const response = await get(url);
      if (response.status === 200) expect((await response.json()).issuer, url).toBe(srv.origin);
      else expect(response.status, url).toBe(404);
    }
  });
});
