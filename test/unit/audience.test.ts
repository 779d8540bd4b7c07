import { describe, expect, it } from 'vitest';
import type { ClientOptions } from '../../src/config/options.js';
import { type ResolvedResource, resolveClientSeed, resolveConfig } from '../../src/config/resolve.js';
import { OAuthError } from '../../src/errors.js';
import { canonicalResource, resolveResource, resolveScopes } from '../../src/grants/audience.js';
import { clientRecordFromSeed } from '../../src/lanes/preregistered.js';

/** Resource indicators (RFC 8707 §2) and scope resolution (RFC 6749 §3.3; OAuth 2.1 §3.2.2.1). */

const MCP = 'https://mcp.example/mcp';
const API = 'https://api.example';

const config = resolveConfig({
  issuer: 'https://as.example',
  secret: 'a-secret-of-at-least-thirty-two-characters',
  logger: false,
  resources: [
    { resource: MCP, scopes: ['files.read', 'files.write'], default_scopes: ['files.read'] },
    { resource: API, scopes: ['api'], lanes: { preregistered: false } },
  ],
  defaultResource: MCP,
});

const client = (options: Partial<ClientOptions> = {}) =>
  clientRecordFromSeed(
    resolveClientSeed({ client_id: 'c', redirect_uris: ['https://c.example/cb'], ...options }),
    0,
  );

const mcp = config.resources[0] as ResolvedResource;

function oauthError(fn: () => unknown): OAuthError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return error as OAuthError;
  }
  return expect.fail('no error thrown');
}

describe('canonicalResource', () => {
  it('lower-cases scheme and host and keeps the path exactly', () => {
    expect(canonicalResource('HTTPS://MCP.EXAMPLE/mcp')).toBe('https://mcp.example/mcp');
    expect(canonicalResource('https://mcp.example/MCP')).toBe('https://mcp.example/MCP');
    expect(canonicalResource('https://mcp.example/mcp/')).toBe('https://mcp.example/mcp/');
    expect(canonicalResource('https://mcp.example/mcp?tenant=1')).toBe('https://mcp.example/mcp?tenant=1');
  });

  it('treats an origin-only URI the same with or without "/"', () => {
    expect(canonicalResource('https://api.example/')).toBe('https://api.example');
    expect(canonicalResource('https://api.example')).toBe('https://api.example');
  });

  it('keeps non-default ports and drops the scheme default port', () => {
    expect(canonicalResource('https://api.example:8443/x')).toBe('https://api.example:8443/x');
    expect(canonicalResource('https://api.example:443/x')).toBe('https://api.example/x');
  });

  it('is undefined for something that is not an absolute URI', () => {
    expect(canonicalResource('mcp.example/mcp')).toBeUndefined();
    expect(canonicalResource('')).toBeUndefined();
  });
});

describe('resolveResource', () => {
  it('returns the configured resource, matched canonically', () => {
    expect(resolveResource(config, client(), ['HTTPS://MCP.example/mcp'], false).resource).toBe(MCP);
  });

  it('uses the default resource when none is requested', () => {
    expect(resolveResource(config, client(), [], false).resource).toBe(MCP);
  });

  it.each([
    ['several resources', [MCP, API]],
    ['a relative URI', ['mcp.example/mcp']],
    ['a fragment', [`${MCP}#x`]],
    ['an unknown resource', ['https://unknown.example/mcp']],
    ['a different path', [`${MCP}/`]],
  ])('refuses %s with invalid_target', (_label, requested) => {
    const error = oauthError(() => resolveResource(config, client(), requested, true));
    expect(error.error).toBe('invalid_target');
    expect(error.redirectable).toBe(true);
  });

  it('refuses a resource outside the client’s allowed resources', () => {
    const restricted = client({ resources: [API] });
    expect(oauthError(() => resolveResource(config, restricted, [MCP], false)).error).toBe('invalid_target');
  });

  it('refuses a resource closed to the client’s lane', () => {
    expect(oauthError(() => resolveResource(config, client(), [API], false)).error).toBe('invalid_target');
  });

  it('refuses a missing resource when there is no default', () => {
    const noDefault = { ...config, defaultResource: null };
    expect(oauthError(() => resolveResource(noDefault, client(), [], false)).error).toBe('invalid_target');
  });
});

describe('resolveScopes', () => {
  const opts = { redirectable: false, identityScopes: false };

  it('grants the resource default scopes when none are requested', () => {
    expect(resolveScopes(mcp, client(), undefined, opts)).toEqual(['files.read']);
    expect(resolveScopes(mcp, client(), '', opts)).toEqual(['files.read']);
  });

  it('grants requested known scopes, de-duplicated', () => {
    expect(resolveScopes(mcp, client(), 'files.write files.read files.write', opts)).toEqual([
      'files.write',
      'files.read',
    ]);
  });

  it('refuses an unknown scope with invalid_scope, redirectable when asked', () => {
    const error = oauthError(() =>
      resolveScopes(mcp, client(), 'files.read admin', { ...opts, redirectable: true }),
    );
    expect(error.error).toBe('invalid_scope');
    expect(error.redirectable).toBe(true);
  });

  it('narrows to the scopes the client may have', () => {
    const narrow = client({ scope: 'files.read' });
    expect(resolveScopes(mcp, narrow, 'files.read files.write', opts)).toEqual(['files.read']);
  });

  it('refuses with invalid_scope when nothing requested is allowed for the client', () => {
    const narrow = client({ scope: 'files.read' });
    expect(oauthError(() => resolveScopes(mcp, narrow, 'files.write', opts)).error).toBe('invalid_scope');
  });

  it('a client record read again answers the same; an updated record (a new object) is ruled by its own scope', () => {
    // The allowed set is kept per record object (audience.ts clientScopes).
    const narrow = client({ scope: 'files.read' });
    for (let i = 0; i < 3; i++) {
      expect(resolveScopes(mcp, narrow, 'files.read files.write', opts)).toEqual(['files.read']);
    }
    const widened = { ...narrow, scope: 'files.read files.write' };
    expect(resolveScopes(mcp, widened, 'files.read files.write', opts)).toEqual([
      'files.read',
      'files.write',
    ]);
    const unrestricted = { ...narrow, scope: null };
    expect(resolveScopes(mcp, unrestricted, 'files.write', opts)).toEqual(['files.write']);
    expect(oauthError(() => resolveScopes(mcp, narrow, 'files.write', opts)).error).toBe('invalid_scope');
  });

  it('filters the defaults through the client’s allowed scopes', () => {
    const writer = client({ scope: 'files.write' });
    expect(resolveScopes(mcp, writer, undefined, opts)).toEqual([]);
  });

  it('accepts identity scopes only where identity scopes are allowed', () => {
    expect(resolveScopes(mcp, client(), 'openid files.read', { ...opts, identityScopes: true })).toEqual([
      'openid',
      'files.read',
    ]);
    expect(oauthError(() => resolveScopes(mcp, client(), 'openid', opts)).error).toBe('invalid_scope');
  });
});
