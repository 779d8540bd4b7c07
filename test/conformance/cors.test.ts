import { describe, expect, it } from 'vitest';
import {
  baseOptions,
  corsPreflight,
  get,
  introspect,
  MACHINE_AUTH,
  obtainTokens,
  postForm,
  revoke,
  tokenRequest,
  useServer,
} from '../helpers/oauth.js';

/**
 * RFC 9700 §2.6 (CORS MAY on the endpoints browser-based clients call): every response of those
 * endpoints carries the CORS headers — successes, OAuth errors, 405, 429 — and pages never do.
 */

const ORIGIN = { origin: 'https://client.test' };

function expectCors(headers: Headers, what: string) {
  expect(headers.get('access-control-allow-origin'), what).toBe('*');
  expect(headers.get('access-control-expose-headers'), what).toBe(
    'www-authenticate, retry-after, dpop-nonce',
  );
  // Never with credentials: `*` would otherwise be refused, and cookies must not ride along.
  expect(headers.get('access-control-allow-credentials'), what).toBeNull();
}

describe('CORS on the cross-origin endpoints', () => {
  const srv = useServer(() => ({
    ...baseOptions(),
    dcr: { enabled: true },
    maxCredentialFailuresPerMinute: 3,
  }));

  it('metadata, OpenID discovery and JWKS', async () => {
    const { endpoints, issuer } = srv().gh.config;
    const origin = new URL(issuer).origin;
    for (const url of [
      `${origin}/.well-known/oauth-authorization-server`,
      `${issuer}/.well-known/openid-configuration`,
      endpoints.jwks,
    ]) {
      const response = await get(url, ORIGIN);
      expect(response.status, url).toBe(200);
      expectCors(response.headers, url);
    }
  });

  it('token successes and errors, introspection, revocation, registration', async () => {
    const tokens = await obtainTokens(srv());
    const cases: Array<[string, { status: number; headers: Headers }, number]> = [
      [
        'client_credentials',
        await tokenRequest(
          srv(),
          { grant_type: 'client_credentials' },
          { authorization: MACHINE_AUTH, ...ORIGIN },
        ),
        200,
      ],
      [
        'refresh',
        await tokenRequest(
          srv(),
          { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'native-app' },
          ORIGIN,
        ),
        200,
      ],
      ['unsupported grant', await tokenRequest(srv(), { grant_type: 'password' }, ORIGIN), 401],
      [
        'introspection',
        await introspect(srv(), tokens.access_token, { authorization: MACHINE_AUTH, ...ORIGIN }),
        200,
      ],
      ['introspection error', await introspect(srv(), '', { authorization: MACHINE_AUTH, ...ORIGIN }), 400],
      ['revocation', await revoke(srv(), { token: 'nope', client_id: 'native-app' }, ORIGIN), 200],
      [
        'registration',
        await postForm(
          srv().gh.config.endpoints.registration!,
          {},
          { ...ORIGIN, 'content-type': 'application/json' },
        ),
        400,
      ],
    ];
    for (const [what, response, status] of cases) {
      expect(response.status, what).toBe(status);
      expectCors(response.headers, what);
    }
    const registered = await fetch(srv().gh.config.endpoints.registration!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ORIGIN },
      body: JSON.stringify({ client_name: 'Cors', redirect_uris: ['http://127.0.0.1:7000/cb'] }),
    });
    expect(registered.status).toBe(201);
    expectCors(registered.headers, 'registration 201');
  });

  it('preflights of every cross-origin endpoint allow the MCP headers of every protocol revision (SEP-2243, Streamable HTTP)', async () => {
    const { endpoints, issuer } = srv().gh.config;
    const origin = new URL(issuer).origin;
    const mcp = 'mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id';
    const cases: Array<[string, string]> = [
      [`${origin}/.well-known/oauth-authorization-server`, 'GET'],
      [`${issuer}/.well-known/openid-configuration`, 'GET'],
      [endpoints.jwks, 'GET'],
      [endpoints.token, 'POST'],
      [endpoints.revocation, 'POST'],
      [endpoints.introspection, 'POST'],
      [endpoints.registration!, 'POST'],
    ];
    for (const [url, method] of cases) {
      const preflight = await corsPreflight(url, method, `authorization, content-type, ${mcp}`);
      expect(preflight.status, url).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin'), url).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods'), url).toContain(method);
      const allowed = preflight.headers.get('access-control-allow-headers')!.split(', ');
      for (const name of ['authorization', 'content-type', ...mcp.split(', ')]) {
        expect(allowed, `${url} ${name}`).toContain(name);
      }
      expect(preflight.headers.get('access-control-allow-credentials'), url).toBeNull();
    }
  });

  it('405 and 429 answers carry them too; the hosted pages do not', async () => {
    const notAllowed = await get(srv().gh.config.endpoints.token, ORIGIN);
    expect(notAllowed.status).toBe(405);
    expectCors(notAllowed.headers, '405');

    let limited: { status: number; headers: Headers } | undefined;
    for (let i = 0; i < 6 && limited?.status !== 429; i++) {
      limited = await tokenRequest(
        srv(),
        { grant_type: 'client_credentials' },
        { authorization: `Basic ${Buffer.from('machine:wrong').toString('base64')}`, ...ORIGIN },
      );
    }
    expect(limited?.status).toBe(429);
    expectCors(limited!.headers, '429');

    const page = await get(`${srv().gh.config.issuer}/login`, ORIGIN);
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
  });
});
