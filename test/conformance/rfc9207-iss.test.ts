import * as oauth from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  authorizeUrl,
  baseOptions,
  get,
  query,
  rawRequest,
  signedInAgent,
  useServer,
} from '../helpers/oauth.js';
import type { TestServer } from '../helpers/server.js';

/** RFC 9207 authorization server issuer identification (MCP-A "Authorization Response Validation"). */

const insecure = { [oauth.allowInsecureRequests]: true } as const;

async function discover(srv: TestServer) {
  const issuer = new URL(srv.issuer);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

describe.each([
  ['a root issuer', ''],
  ['an issuer with a path', '/t1'],
])('RFC 9207 iss on authorization responses, for %s', (_label, issuerPath) => {
  const srv = useServer(() => ({ ...baseOptions(), issuerPath }));

  it('metadata sets authorization_response_iss_parameter_supported: true', async () => {
    expect((await discover(srv())).authorization_response_iss_parameter_supported).toBe(true);
  });

  it('a success response carries iss byte-identical to the metadata issuer, exactly once', async () => {
    const result = await authorize(srv());
    expect(result.location.searchParams.getAll('iss')).toEqual([srv().issuer]);
    expect(srv().issuer.endsWith(issuerPath)).toBe(true);
    // The raw query holds the percent-encoded issuer, with no trailing slash added.
    expect(result.location.search).toContain(`iss=${encodeURIComponent(srv().issuer)}`);
    expect(result.location.search).not.toContain(`iss=${encodeURIComponent(`${srv().issuer}/`)}`);
  });

  it('oauth4webapi accepts the response as coming from this issuer', async () => {
    const as = await discover(srv());
    const result = await authorize(srv());
    const params = oauth.validateAuthResponse(as, { client_id: 'native-app' }, result.location, result.state);
    expect(params.get('code')).toBe(result.code);
  });

  it('oauth4webapi rejects the same response when it expected another issuer (mix-up defence)', async () => {
    const as = { ...(await discover(srv())), issuer: 'https://other-as.test' };
    const result = await authorize(srv());
    expect(() =>
      oauth.validateAuthResponse(as, { client_id: 'native-app' }, result.location, result.state),
    ).toThrow();
  });

  it('error responses after sign-in carry iss (invalid_scope, unsupported_response_type, access_denied)', async () => {
    for (const overrides of [{ scope: 'nope' }, { response_type: 'token' }]) {
      const result = await authorize(srv(), overrides);
      expect(query(result.location).iss).toBe(srv().issuer);
    }
    const denied = await authorize(
      srv(),
      { redirect_uri: 'http://127.0.0.1:40001/callback' },
      { decision: 'deny' },
    );
    expect(query(denied.location)).toMatchObject({ error: 'access_denied', iss: srv().issuer });
  });

  it('prompt=none errors carry iss', async () => {
    const response = await get(authorizeUrl(srv(), { prompt: 'none' }).url);
    expect(query(response.headers.get('location')!)).toMatchObject({
      error: 'login_required',
      iss: srv().issuer,
    });
  });

  it('iss does not follow the Host or X-Forwarded-Host request headers', async () => {
    const agent = await signedInAgent(srv());
    const first = await authorize(srv(), {}, { agent });
    expect(first.code).toBeTruthy();
    const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const spoofed = await rawRequest(authorizeUrl(srv()).url, {
      headers: { cookie, host: 'evil.test', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' },
    });
    expect(spoofed.status).toBe(302);
    const location = String(spoofed.headers.location);
    expect(query(location).iss).toBe(srv().issuer);
    expect(location).not.toContain('evil.test');
  });
});
