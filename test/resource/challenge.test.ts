import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quote } from '../../src/resource/challenge.js';
import { DPOP_ALGORITHMS } from '../../src/resource/dpop.js';
import {
  BearerError,
  buildChallenge,
  createProtectedResource,
  withBearerAuth,
} from '../../src/resource/index.js';
import { OTHER_RESOURCE } from '../helpers/fixtures.js';
import type { TestServer } from '../helpers/server.js';
import {
  bearer,
  type Clock,
  claims,
  machineToken,
  parseChallenge,
  protect,
  RESOURCE,
  signWithIssuerKey,
  startAuthorizationServer,
} from './setup.js';

const METADATA = 'http://127.0.0.1:4100/.well-known/oauth-protected-resource/mcp';

describe('WWW-Authenticate challenges (RFC 6750 §3, RFC 9728 §5.1, MCP scope challenges)', () => {
  let srv: TestServer & { clock: Clock };
  let handler: (request: Request) => Promise<Response>;
  beforeAll(async () => {
    srv = await startAuthorizationServer();
    // POST needs todos.write; anything else needs todos.read.
    handler = withBearerAuth(
      protect(srv),
      (_request, token) => Response.json({ sub: token.subject, scopes: token.scopes }),
      {
        scopes: (request) => (request.method === 'POST' ? ['todos.write'] : ['todos.read']),
      },
    );
  });
  afterAll(() => srv.close());

  it('answers a request without a token with 401, resource_metadata and scope, and no error code', async () => {
    const response = await handler(new Request(RESOURCE));
    expect(response.status).toBe(401);
    const header = response.headers.get('www-authenticate');
    expect(header).toBe(
      `Bearer resource_metadata="${METADATA}", scope="todos.read todos.write", ` +
        // RFC 9449 §7.1: DPoP is offered alongside, with its algorithms and the same metadata URL.
        `DPoP algs="${DPOP_ALGORITHMS.join(' ')}", resource_metadata="${METADATA}"`,
    );
    expect(header).not.toContain('error=');
  });

  it('exposes WWW-Authenticate to browser clients through CORS on 401 and 403', async () => {
    const unauthorized = await handler(
      new Request(RESOURCE, { headers: { origin: 'https://inspector.test' } }),
    );
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*');
    expect(unauthorized.headers.get('access-control-expose-headers')).toContain('www-authenticate');
    const forbidden = await handler(
      bearer(await machineToken(srv, { scope: 'todos.read' }), RESOURCE, { method: 'POST' }),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('access-control-expose-headers')).toContain('www-authenticate');
  });

  it('answers a CORS preflight without asking for a token', async () => {
    const response = await handler(
      new Request(RESOURCE, { method: 'OPTIONS', headers: { origin: 'https://inspector.test' } }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('lets a preflight through with every MCP transport header and SEP-2243 Mcp-Param headers, exposing Mcp-Session-Id', async () => {
    const requested =
      'authorization, content-type, last-event-id, mcp-method, mcp-name, mcp-param-region, mcp-protocol-version, mcp-session-id, x-other';
    const response = await handler(
      new Request(RESOURCE, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://inspector.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': requested,
        },
      }),
    );
    expect(response.status).toBe(204);
    const allowed = response.headers.get('access-control-allow-headers')!.split(', ');
    for (const name of requested.split(', ').filter((n) => n !== 'x-other')) expect(allowed).toContain(name);
    expect(allowed).not.toContain('x-other');
    expect(response.headers.get('access-control-expose-headers')).toContain('mcp-session-id');
    expect(response.headers.get('vary')).toBe('access-control-request-headers');
  });

  it('treats a token sent only in the query string as no token at all (MCP "Token Requirements")', async () => {
    const token = await machineToken(srv);
    const response = await handler(new Request(`${RESOURCE}?access_token=${token}`));
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate')).error).toBeUndefined();
  });

  it('refuses a request that sends a token both in the header and in the query with 400 invalid_request (RFC 6750 §3.1)', async () => {
    const token = await machineToken(srv);
    const response = await handler(bearer(token, `${RESOURCE}?access_token=${token}`));
    expect(response.status).toBe(400);
    expect(parseChallenge(response.headers.get('www-authenticate')).error).toBe('invalid_request');
  });

  it('treats another authentication scheme as no bearer token (no error code)', async () => {
    const response = await handler(new Request(RESOURCE, { headers: { authorization: 'Basic YTpi' } }));
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate')).error).toBeUndefined();
  });

  it('refuses a malformed Bearer header with 400 invalid_request', async () => {
    const response = await handler(new Request(RESOURCE, { headers: { authorization: 'Bearer a b' } }));
    expect(response.status).toBe(400);
  });

  it('answers a token that is not a JWT of the issuer with 401 invalid_token and resource_metadata', async () => {
    const response = await handler(bearer('not-a-token'));
    expect(response.status).toBe(401);
    const params = parseChallenge(response.headers.get('www-authenticate'));
    expect(params).toMatchObject({
      error: 'invalid_token',
      resource_metadata: METADATA,
      scope: 'todos.read todos.write',
    });
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid.',
    });
  });

  it('answers a token issued for another resource with 401 invalid_token (RFC 9068 §4, MCP "Token Handling")', async () => {
    const response = await handler(
      bearer(await signWithIssuerKey(srv, claims(srv, { aud: OTHER_RESOURCE }))),
    );
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate'))).toMatchObject({
      error: 'invalid_token',
      error_description: 'The access token was not issued for this resource.',
    });
  });

  it('answers an expired token with 401 invalid_token', async () => {
    const token = await machineToken(srv);
    srv.clock.offset += 3600_000 + 31_000;
    try {
      const response = await handler(bearer(token));
      expect(response.status).toBe(401);
      expect(parseChallenge(response.headers.get('www-authenticate')).error_description).toBe(
        'The access token has expired.',
      );
    } finally {
      srv.clock.offset -= 3600_000 + 31_000;
    }
  });

  it('answers a token without the scope with 403 insufficient_scope naming every scope the operation needs', async () => {
    const rs = protect(srv);
    const token = await rs.verifyToken(await machineToken(srv, { scope: 'todos.read' }));
    const denied = rs.checkScopes(token, ['todos.write', 'todos.read']);
    expect(denied?.error).toBe('insufficient_scope');
    const challenge = rs.challenge(denied!);
    expect(challenge.status).toBe(403);
    expect(parseChallenge(challenge.headers['www-authenticate']!)).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token does not carry the scope this operation needs.',
      resource_metadata: METADATA,
      scope: 'todos.write todos.read',
    });
  });

  it('lets the request through when the token has the scope, directly or through the hierarchy', async () => {
    const read = await handler(bearer(await machineToken(srv, { scope: 'todos.read' })));
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe('*');
    expect(await read.json()).toEqual({ sub: 'machine', scopes: ['todos.read'] });
    const implied = await handler(
      bearer(await signWithIssuerKey(srv, claims(srv, { scope: 'todos.write' }))),
    );
    expect(implied.status).toBe(200);
  });

  it('names the operation scopes in a 401 too, in addition to the configured challenge scopes', () => {
    const rs = createProtectedResource({
      issuer: srv.issuer,
      resource: RESOURCE,
      challengeScopes: ['todos.read'],
    });
    const challenge = rs.challenge(new BearerError(null, 'no token'), ['todos.write']);
    expect(parseChallenge(challenge.headers['www-authenticate']!).scope).toBe('todos.read todos.write');
  });

  it('quote-escapes parameter values and keeps error_description within its RFC 6750 character set', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quote('line\r\nbreak')).toBe('"linebreak"');
    const rs = protect(srv);
    const challenge = buildChallenge(rs.options, new BearerError('invalid_token', 'bad "quoted" \\ value\n'));
    const header = challenge.headers['www-authenticate']!;
    expect(header).toContain(`error_description="bad 'quoted' / value"`);
    expect(() => new Headers(challenge.headers)).not.toThrow();
  });
});
