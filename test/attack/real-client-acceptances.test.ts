import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { register } from '../helpers/dcr.js';
import { baseOptions, OTHER_RESOURCE, RESOURCE } from '../helpers/fixtures.js';
import {
  authorize,
  authorizeUrl,
  decodeJwt,
  MACHINE_AUTH,
  obtainTokens,
  query,
  redeem,
  refresh,
  tokenRequest,
} from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';

/**
 * What the acceptances made for real MCP clients (issue 12) could open, tried against a server with the
 * `compatibility` preset on: private-use redirect schemes (RFC 8252 §7.1, §8.6), DCR registrations that
 * ask for a shared secret (RFC 7591 §3.2.1), `offline_access` (OIDC Core §11) and resource identifiers
 * that differ by a trailing slash (RFC 8707 §2). The request shapes are the clients' own
 * (/work/shared/reference/clients.md).
 */

// Cursor's registration (soflyy/agent-connector-for-wp#111).
const CURSOR = 'cursor://anysphere.cursor-mcp/oauth/callback';

let srv: TestServer;
beforeAll(async () => {
  const base = baseOptions();
  srv = await startServer({
    ...base,
    compatibility: true,
    clients: [
      ...(base.clients ?? []),
      {
        client_id: 'code-only',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      },
      {
        client_id: 'narrow',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none',
        scope: 'todos.read',
      },
    ],
  });
});
afterAll(() => srv.close());

async function registerCursor(extra: Record<string, unknown> = {}): Promise<string> {
  const result = await register(srv.issuer, {
    redirect_uris: [CURSOR, 'http://localhost:8787/callback'],
    ...extra,
  });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return String(result.body.client_id);
}

describe('private-use redirect schemes, with the compatibility preset on', () => {
  it.each([
    ['a scheme not on the allow-list', 'evil://anysphere.cursor-mcp/oauth/callback'],
    ['a reverse-domain scheme not on the allow-list', 'com.evil.app:/oauth/callback'],
    ['an allow-listed name with a suffix', 'cursor2://anysphere.cursor-mcp/oauth/callback'],
    ['an allow-listed name in capitals', 'CURSOR://anysphere.cursor-mcp/oauth/callback'],
    ['javascript:', 'javascript://anysphere.cursor-mcp/%0aalert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['file:', 'file:///etc/passwd'],
    ['http on a non-loopback host', 'http://evil.example/callback'],
    ['an allow-listed scheme with a fragment', `${CURSOR}#x`],
  ])('%s is refused, and the whole registration with it, naming the URI', async (_name, uri) => {
    const result = await register(srv.issuer, { redirect_uris: ['http://127.0.0.1/callback', uri] });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_redirect_uri');
  });

  it('a configuration cannot allow-list http, https or a scheme refused everywhere', () => {
    for (const scheme of ['javascript', 'data', 'file', 'http', 'https', 'vbscript']) {
      expect(() =>
        resolveConfig({
          issuer: 'http://127.0.0.1:4000',
          secret: 'x'.repeat(32),
          dcr: { enabled: true, allowedCustomSchemes: [scheme] },
        }),
      ).toThrow(/dcr\.allowedCustomSchemes\[0\]/);
    }
  });

  it('an authorization for a cursor:// client without PKCE gets no code, and nothing points at cursor:// before sign-in', async () => {
    const clientId = await registerCursor();
    const { url } = authorizeUrl(srv, {
      client_id: clientId,
      redirect_uri: CURSOR,
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    const response = await new UserAgent(srv.origin).request(url);
    expect(response.headers.get('location') ?? '').not.toMatch(/^cursor:/);
    const after = await authorize(srv, {
      client_id: clientId,
      redirect_uri: CURSOR,
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    expect(after.code).toBeNull();
    expect(query(after.location).error).toBe('invalid_request');
  });

  it('a cursor:// redirect matches exactly: another path, host or a trailing slash is not registered', async () => {
    const clientId = await registerCursor();
    for (const uri of [
      'cursor://anysphere.cursor-mcp/oauth/callback/',
      'cursor://anysphere.cursor-mcp/oauth/other',
      'cursor://evil.example/oauth/callback',
      'cursor://anysphere.cursor-mcp:1/oauth/callback',
    ]) {
      const { url } = authorizeUrl(srv, { client_id: clientId, redirect_uri: uri });
      const response = await new UserAgent(srv.origin).request(url);
      expect(response.status, uri).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
  });
});

describe('a private-use redirect on the sign-in page', () => {
  it('cursor://claude.ai/… is shown as cursor://claude.ai with a warning, never as the website claude.ai', async () => {
    const spoof = 'cursor://claude.ai/api/mcp/auth_callback';
    const registered = await register(srv.issuer, { client_name: 'Claude', redirect_uris: [spoof] });
    expect(registered.status).toBe(201);
    const { url } = authorizeUrl(srv, { client_id: String(registered.body.client_id), redirect_uri: spoof });
    const agent = new UserAgent(srv.origin);
    let response = await agent.request(url);
    for (let i = 0; i < 5 && response.status >= 300 && response.status < 400; i++)
      response = await agent.request(new URL(response.headers.get('location')!, srv.origin).href);
    const html = decodeEntities(await response.text());
    expect(html).toContain('name="password"');
    expect(/id="redirect-host"[^>]*>([^<]*)</.exec(html)?.[1]).toBe('cursor://claude.ai');
    expect(html).toContain(
      'returns to an app on your computer that opens cursor: addresses, not to a website',
    );
  });
});

describe('a DCR registration that asked for a shared secret', () => {
  it('holds no secret: presenting one at /token is invalid_client', async () => {
    const clientId = await registerCursor({ token_endpoint_auth_method: 'client_secret_post' });
    const auth = await authorize(srv, { client_id: clientId, redirect_uri: CURSOR });
    const response = await redeem(srv, auth, {
      client_id: clientId,
      redirect_uri: CURSOR,
      client_secret: 'x'.repeat(40),
    });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
  });

  it('gets PKCE required at /authorize and no client_credentials grant', async () => {
    const clientId = await registerCursor({ token_endpoint_auth_method: 'client_secret_basic' });
    const noPkce = await authorize(srv, {
      client_id: clientId,
      redirect_uri: CURSOR,
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    expect(noPkce.code).toBeNull();
    expect(query(noPkce.location).error_description).toMatch(/PKCE is required/);
    const machine = await tokenRequest(srv, { grant_type: 'client_credentials', client_id: clientId });
    expect(machine.status).toBe(400);
    expect(machine.body.error).toBe('unauthorized_client');
    const wider = await register(srv.issuer, {
      redirect_uris: [CURSOR],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'client_credentials'],
    });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_client_metadata');
  });
});

describe('offline_access cannot widen anything', () => {
  it('a client without the refresh_token grant gets no refresh token by asking for it', async () => {
    const auth = await authorize(srv, { client_id: 'code-only', scope: 'offline_access' });
    const response = await redeem(srv, auth, { client_id: 'code-only' });
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toBeUndefined();
  });

  it('a client limited to todos.read gets nothing more by adding offline_access', async () => {
    const tokens = await obtainTokens(srv, {
      client_id: 'narrow',
      scope: 'todos.read todos.write offline_access',
    });
    expect(tokens.scope).toBe('todos.read');
    const refreshed = await refresh(srv, tokens.refresh_token!, {
      client_id: 'narrow',
      scope: 'todos.write offline_access',
    });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_scope');
  });

  it('client_credentials with offline_access issues no refresh token and no offline_access scope', async () => {
    const response = await tokenRequest(
      srv,
      { grant_type: 'client_credentials', scope: 'todos.read offline_access' },
      { authorization: MACHINE_AUTH },
    );
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toBeUndefined();
    expect(decodeJwt(response.body.access_token).payload.scope).toBe('todos.read');
  });

  it('a configured resource cannot take offline_access as one of its scopes', () => {
    expect(() =>
      resolveConfig({
        issuer: 'http://127.0.0.1:4000',
        secret: 'x'.repeat(32),
        resources: [{ resource: 'https://mcp.example/mcp', scopes: ['offline_access'] }],
      }),
    ).toThrow(/resources\[0\]\.scopes: "offline_access" is reserved/);
  });
});

describe('resource identifiers near a configured one', () => {
  it.each([
    ['two trailing slashes', `${RESOURCE}//`],
    ['another path ending in a slash', 'http://127.0.0.1:4100/mcpx/'],
    ['an unknown resource with a slash', 'https://unknown.example/api/'],
    ['the admin API with a slash', 'ADMIN/'],
  ])(
    '%s is invalid_target: the reason names no configured resource, the list only what this client may request',
    async (_name, value) => {
      const resource = value.replace('ADMIN', `${srv.issuer}/admin`);
      const auth = await authorize(srv, { resource });
      const q = query(auth.location);
      expect(auth.code).toBeNull();
      expect(q.error).toBe('invalid_target');
      // Issue 14: the description names what was asked and what this client may request (each of which
      // it could obtain tokens for anyway), never the admin API, and the reason itself names nothing.
      const [reason, named = ''] = q.error_description!.split(' (requested: ');
      expect(reason).not.toContain('configured resource');
      for (const configured of [RESOURCE, OTHER_RESOURCE, `${srv.issuer}/admin`]) {
        expect(reason).not.toContain(configured);
      }
      const offered = named.split('this client may request: ')[1] ?? '';
      expect(offered).not.toContain('/admin');
      expect(offered.replace(/\)$/, '').split(', ').sort()).toEqual([OTHER_RESOURCE, RESOURCE].sort());
    },
  );
});
