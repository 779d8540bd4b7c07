import { describe, expect, it } from 'vitest';
import { demoOptions } from '../../src/cli/demo.js';
import { KNOWN_CLIENT_SCHEMES, withCompatibility } from '../../src/config/compatibility.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { register } from '../helpers/dcr.js';
import {
  authorize,
  baseOptions,
  decodeJwt,
  MACHINE_AUTH,
  NATIVE_REDIRECT,
  obtainTokens,
  query,
  RESOURCE,
  redeem,
  refresh,
  tokenRequest,
  useServer,
} from '../helpers/oauth.js';

/**
 * The request shapes the MCP clients people use send (/work/shared/reference/clients.md), each with
 * its public source, against the rules Gatehouse applies to every client: `offline_access` (OIDC Core
 * §11, MCP SEP-2207), requests without `scope` or `resource` (RFC 6749 §3.3, RFC 8707 §2), DCR's
 * answer to a request for a shared secret (RFC 7591 §3.2.1), private-use redirect schemes (RFC 8252
 * §7.1) and the `compatibility` preset.
 */

const CURSOR_REDIRECTS = [
  'cursor://anysphere.cursor-mcp/oauth/callback',
  'https://www.cursor.com/agents/mcp/oauth/callback',
  'http://localhost:8787/callback',
];

function options() {
  const base = baseOptions();
  return {
    ...base,
    compatibility: true,
    clients: [
      ...(base.clients ?? []),
      // A client whose metadata declares only offline_access (a CIMD document may).
      {
        client_id: 'offline-only',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none' as const,
        scope: 'offline_access',
      },
      // A public client registered without the refresh_token grant.
      {
        client_id: 'code-only',
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: 'none' as const,
        grant_types: ['authorization_code' as const],
      },
    ],
  };
}

describe('offline_access (OIDC Core §11; MCP SEP-2207)', () => {
  const srv = useServer(options);

  it('is listed in scopes_supported of the authorization server metadata', async () => {
    const metadata = (await (
      await fetch(`${srv().origin}/.well-known/oauth-authorization-server`)
    ).json()) as { scopes_supported: string[] };
    expect(metadata.scopes_supported).toContain('offline_access');
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['todos.read', 'todos.write']));
  });

  // ChatGPT asks for offline_access without prompt=consent and expects a refresh token (logto-io/logto#9627).
  it('asked for without prompt=consent, is no error, and the client allowed refresh_token gets a refresh token', async () => {
    const tokens = await obtainTokens(srv(), { scope: 'todos.read offline_access' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.scope).toBe('todos.read');
    expect(decodeJwt(tokens.access_token).payload.scope).toBe('todos.read');
  });

  // Claude Code sometimes appends offline_access to nothing else (anthropics/claude-code#41610).
  it('alone, grants the resource default scopes and a refresh token', async () => {
    const tokens = await obtainTokens(srv(), { scope: 'offline_access' });
    expect(tokens.scope).toBe('todos.read todos.write');
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('is never an access token scope: offline_access is dropped from the grant, the token and the response', async () => {
    const tokens = await obtainTokens(srv(), { scope: 'offline_access todos.write offline_access' });
    expect(tokens.scope).toBe('todos.write');
    expect(String(decodeJwt(tokens.access_token).payload.scope).split(' ')).not.toContain('offline_access');
    const refreshed = await refresh(srv(), tokens.refresh_token!, { scope: 'offline_access' });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('todos.write');
  });

  it('a client whose own scope is only offline_access is not limited by it', async () => {
    const tokens = await obtainTokens(srv(), {
      client_id: 'offline-only',
      scope: 'todos.write offline_access',
    });
    expect(tokens.scope).toBe('todos.write');
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('a refresh token is issued without offline_access too, to a client allowed refresh_token', async () => {
    const tokens = await obtainTokens(srv(), { scope: 'todos.read' });
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('a client not allowed refresh_token gets no refresh token, and no error, when it asks for offline_access', async () => {
    const auth = await authorize(srv(), { client_id: 'code-only', scope: 'todos.read offline_access' });
    expect(auth.code).toBeTruthy();
    const response = await redeem(srv(), auth, { client_id: 'code-only' });
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toBeUndefined();
    expect(response.body.scope).toBe('todos.read');
  });
});

describe('requests without scope or resource (RFC 6749 §3.3; RFC 8707 §2)', () => {
  const srv = useServer(options);

  // Claude Code and Copilot CLI send no scope (anthropics/claude-code#41610; dozigden/boardoil#11).
  it('an authorization request without scope gets the resource default scopes', async () => {
    const tokens = await obtainTokens(srv(), { scope: undefined });
    expect(tokens.scope).toBe('todos.read todos.write');
    expect(decodeJwt(tokens.access_token).payload.aud).toBe(RESOURCE);
  });

  // Codex refreshes without resource and without scope (openai/codex#33403).
  it('a refresh without resource or scope keeps the grant scope and audience', async () => {
    const tokens = await obtainTokens(srv(), { scope: 'todos.read', resource: undefined });
    const refreshed = await refresh(srv(), tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.scope).toBe('todos.read');
    expect(decodeJwt(refreshed.body.access_token).payload.aud).toBe(RESOURCE);
  });
});

describe('a resource differing from a configured one by a trailing slash (RFC 8707 §2)', () => {
  const srv = useServer(options);

  // Claude Code has sent the server URL with a slash appended (checklist §5 E10: claude-code#90497).
  it('is invalid_target, and the error names the configured resource', async () => {
    const auth = await authorize(srv(), { resource: `${RESOURCE}/` });
    const q = query(auth.location);
    expect(q.error).toBe('invalid_target');
    expect(q.error_description).toContain(`the configured resource is ${RESOURCE}`);
    expect(auth.code).toBeNull();
  });

  it('is invalid_target at the token endpoint too: client_credentials names the configured resource', async () => {
    const auth = await authorize(srv());
    const response = await redeem(srv(), auth, { resource: `${RESOURCE}/` });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_target');
    const machine = await tokenRequest(
      srv(),
      { grant_type: 'client_credentials', resource: `${RESOURCE}/` },
      { authorization: MACHINE_AUTH },
    );
    expect(machine.status).toBe(400);
    expect(machine.body.error).toBe('invalid_target');
    expect(machine.body.error_description).toContain(`the configured resource is ${RESOURCE}`);
  });
});

describe('DCR as real clients send it (RFC 7591 §3.2.1; RFC 8252 §7.1)', () => {
  const srv = useServer(options);

  // claude.ai asks for client_secret_post (anthropics/claude-ai-mcp#1043) and reads the method from the
  // answer (anthropics/claude-ai-mcp#82).
  it.each(['client_secret_post', 'client_secret_basic'])(
    'a registration asking for %s is registered as a public client: 201, "none" echoed, no secret',
    async (method) => {
      const result = await register(srv().issuer, {
        client_name: 'Claude',
        redirect_uris: [
          'https://claude.ai/api/mcp/auth_callback',
          'https://claude.com/api/mcp/auth_callback',
        ],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: method,
      });
      expect(result.status).toBe(201);
      expect(result.body.token_endpoint_auth_method).toBe('none');
      expect(result.body).not.toHaveProperty('client_secret');
      expect(result.body).not.toHaveProperty('client_secret_expires_at');
      // The same metadata registers once; a repeat is dcr.reused. Either event records what was asked.
      const events = await srv().gh.store.listAuditEvents({ clientId: String(result.body.client_id) });
      const asked = events.map((e) => e.detail.requested_token_endpoint_auth_method);
      expect(asked).toContain(method);
    },
  );

  it('a client registered that way completes the code flow with PKCE and client_id only, and gets a refresh token', async () => {
    const registered = await register(srv().issuer, {
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const clientId = String(registered.body.client_id);
    const auth = await authorize(srv(), { client_id: clientId, scope: undefined });
    const response = await redeem(srv(), auth, { client_id: clientId });
    expect(response.status).toBe(200);
    expect(response.body.refresh_token).toEqual(expect.any(String));
  });

  // Cursor registers these three together (soflyy/agent-connector-for-wp#111; erp-mafia/accounted#2225).
  it("accepts Cursor's three redirect URIs together with the compatibility preset, and returns to cursor://", async () => {
    const registered = await register(srv().issuer, {
      client_name: 'Cursor',
      redirect_uris: CURSOR_REDIRECTS,
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
    });
    expect(registered.status).toBe(201);
    expect(registered.body.redirect_uris).toEqual(CURSOR_REDIRECTS);
    const clientId = String(registered.body.client_id);
    const auth = await authorize(srv(), { client_id: clientId, redirect_uri: CURSOR_REDIRECTS[0] });
    expect(auth.location.href.startsWith(`${CURSOR_REDIRECTS[0]}?`)).toBe(true);
    const response = await redeem(srv(), auth, { client_id: clientId, redirect_uri: CURSOR_REDIRECTS[0] });
    expect(response.status).toBe(200);
  });

  // VS Code (microsoft/vscode#278512) also works on the default loopback port rule.
  it('accepts vscode:// and windsurf:// redirects with the compatibility preset', async () => {
    for (const uri of ['vscode://vscode.mcp/callback', 'windsurf://codeium.windsurf/oauth']) {
      const result = await register(srv().issuer, { redirect_uris: [uri, NATIVE_REDIRECT] });
      expect(result.status, JSON.stringify(result.body)).toBe(201);
    }
  });
});

describe('DCR private-use schemes in the default configuration', () => {
  const srv = useServer(() => ({ ...baseOptions(), dcr: { enabled: true } }));

  it("refuses Cursor's registration with invalid_redirect_uri naming the cursor:// URI, not the acceptable ones", async () => {
    const result = await register(srv().issuer, { redirect_uris: CURSOR_REDIRECTS });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_redirect_uri');
    const description = String(result.body.error_description);
    expect(description).toContain(CURSOR_REDIRECTS[0]);
    expect(description).not.toContain(CURSOR_REDIRECTS[1]);
    expect(description).toContain('not allowed by this server');
  });
});

describe('the compatibility preset', () => {
  it('turns on CIMD, DCR and the well-known client schemes; explicit values win', () => {
    const base = { issuer: 'http://127.0.0.1:4000', secret: 'x'.repeat(32) };
    const on = resolveConfig({ ...base, compatibility: true });
    expect(on.compatibility).toBe(true);
    expect(on.cimd.enabled).toBe(true);
    expect(on.dcr.enabled).toBe(true);
    expect(on.dcr.allowedCustomSchemes).toEqual(['cursor', 'vscode', 'vscode-insiders', 'windsurf']);
    expect(resolveConfig(withCompatibility(base)).dcr.allowedCustomSchemes).toEqual(KNOWN_CLIENT_SCHEMES);
    const off = resolveConfig(base);
    expect([off.cimd.enabled, off.dcr.enabled, off.dcr.allowedCustomSchemes]).toEqual([false, false, []]);
    const narrowed = resolveConfig({
      ...base,
      compatibility: true,
      dcr: { enabled: false, allowedCustomSchemes: ['cursor'] },
    });
    expect([narrowed.dcr.enabled, narrowed.dcr.allowedCustomSchemes]).toEqual([false, ['cursor']]);
  });

  it('is what the demo (npm start) runs with', () => {
    const demo = resolveConfig(
      demoOptions(
        { secret: 'x'.repeat(32), email: 'demo@example.com', password: 'demo-password' },
        4000,
        '.',
      ),
    );
    expect(demo.compatibility).toBe(true);
    expect(demo.dcr.enabled && demo.cimd.enabled).toBe(true);
    expect(demo.dcr.allowedCustomSchemes).toContain('cursor');
  });
});
