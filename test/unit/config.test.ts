import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { GatehouseOptions } from '../../src/config/options.js';
import { ConfigError, resolveConfig } from '../../src/config/resolve.js';

/**
 * Configuration resolution (DESIGN §4): every bad field fails at start-up with a ConfigError naming the
 * field; every default is filled so handlers never need one.
 */

const SECRET = 'a-secret-of-at-least-thirty-two-characters';
const ISSUER = 'http://127.0.0.1:4000';

function options(overrides: Partial<GatehouseOptions> = {}): GatehouseOptions {
  return { issuer: ISSUER, secret: SECRET, logger: false, ...overrides };
}

/** The ConfigError message for these options (fails the test if they are accepted). */
function problem(overrides: Partial<GatehouseOptions> | Record<string, unknown>): string {
  try {
    resolveConfig(options(overrides as Partial<GatehouseOptions>));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return expect.fail(`accepted: ${JSON.stringify(overrides)}`);
}

const web = (extra: Record<string, unknown> = {}) => ({
  client_id: 'web',
  client_secret: 'x'.repeat(32),
  redirect_uris: ['https://app.example/cb'],
  ...extra,
});

describe('issuer (RFC 8414 §2)', () => {
  it.each([
    ['a trailing slash', 'https://as.example/', /issuer: must not end with "\/"/],
    ['a query', 'https://as.example?x=1', /issuer: must not have a query/],
    ['a fragment', 'https://as.example#f', /issuer: must not have a fragment/],
    ['http on a public host', 'http://as.example', /issuer: must use https/],
    ['userinfo', 'https://u:p@as.example', /issuer: must not contain userinfo/],
    ['an upper-case scheme', 'HTTPS://as.example', /issuer: must use a lower-case scheme/],
    ['no URL at all', 'as.example', /issuer: must be an absolute URL/],
  ])('refuses an issuer with %s', (_label, issuer, message) => {
    expect(problem({ issuer })).toMatch(message);
  });

  it('accepts http on loopback and https with a path', () => {
    expect(resolveConfig(options({ issuer: 'http://localhost:4000' })).issuer).toBe('http://localhost:4000');
    expect(resolveConfig(options({ issuer: 'http://[::1]:4000' })).issuer).toBe('http://[::1]:4000');
    const withPath = resolveConfig(options({ issuer: 'https://as.example/t1' }));
    expect(withPath.issuerPath).toBe('/t1');
    expect(withPath.endpoints.token).toBe('https://as.example/t1/token');
  });
});

describe('fields are named in the error', () => {
  it('names clients[1].redirect_uris[0] for a bad redirect URI of the second client', () => {
    const message = problem({
      clients: [web(), web({ client_id: 'web2', redirect_uris: ['http://evil.example/cb'] })],
    });
    expect(message).toContain('clients[1].redirect_uris[0]');
  });

  it.each([
    ['a short secret', { secret: 'short' }, 'secret'],
    ['a bad database URL', { database: 'mysql://x' }, 'database'],
    ['an unknown signing algorithm', { signingAlgorithm: 'HS256' }, 'signingAlgorithm'],
    ['an access-token lifetime out of range', { tokens: { accessTokenTtl: 10 } }, 'tokens.accessTokenTtl'],
    [
      'a code lifetime over 10 minutes',
      { tokens: { authorizationCodeTtl: 601 } },
      'tokens.authorizationCodeTtl',
    ],
    ['a negative throttle', { loginThrottle: { maxAttemptsPerIp: -1 } }, 'loginThrottle.maxAttemptsPerIp'],
    [
      'a resource with a fragment',
      { resources: [{ resource: 'https://api.example/#f' }] },
      'resources[0].resource',
    ],
    [
      'an http resource on a public host',
      { resources: [{ resource: 'http://api.example/mcp' }] },
      'resources[0].resource',
    ],
    [
      'a bad scope token',
      { resources: [{ resource: 'https://api.example', scopes: ['a b'] }] },
      'resources[0].scopes[0]',
    ],
    [
      'a default scope missing from scopes',
      { resources: [{ resource: 'https://api.example', scopes: ['a'], default_scopes: ['b'] }] },
      'resources[0].default_scopes[0]',
    ],
    [
      'a duplicate resource',
      { resources: [{ resource: 'https://api.example' }, { resource: 'https://api.example' }] },
      'resources[1].resource',
    ],
    [
      'an unknown defaultResource',
      { resources: [{ resource: 'https://api.example' }], defaultResource: 'https://x.example' },
      'defaultResource',
    ],
    [
      'a URL client_id',
      { clients: [web({ client_id: 'https://app.example/c.json' })] },
      'clients[0].client_id',
    ],
    ['a client_id with spaces', { clients: [web({ client_id: 'a b' })] }, 'clients[0].client_id'],
    ['a short client secret', { clients: [web({ client_secret: 'short' })] }, 'clients[0].client_secret'],
    [
      'a secret on a public client',
      { clients: [web({ token_endpoint_auth_method: 'none' })] },
      'clients[0].client_secret',
    ],
    [
      'a confidential method without a secret',
      { clients: [web({ client_secret: undefined, token_endpoint_auth_method: 'client_secret_post' })] },
      'clients[0].client_secret',
    ],
    [
      'authorization_code without redirect URIs',
      { clients: [web({ redirect_uris: [], grant_types: ['authorization_code'] })] },
      'clients[0].redirect_uris',
    ],
    [
      'client_credentials on a public client',
      { clients: [{ client_id: 'm', grant_types: ['client_credentials'] }] },
      'clients[0].grant_types',
    ],
    ['a removed grant type', { clients: [web({ grant_types: ['password'] })] }, 'clients[0].grant_types[0]'],
    [
      'a native app with a secret',
      { clients: [web({ application_type: 'native' })] },
      'clients[0].client_secret',
    ],
    ['an unknown client field', { clients: [web({ colour: 'red' })] }, 'clients[0]'],
    [
      'a fragment in a post-logout URI',
      { clients: [web({ post_logout_redirect_uris: ['https://a.example/#x'] })] },
      'clients[0].post_logout_redirect_uris[0]',
    ],
    ['a duplicate client_id', { clients: [web(), web()] }, 'clients[1].client_id'],
    [
      'a client resource that is not configured',
      {
        resources: [{ resource: 'https://api.example' }],
        clients: [web({ resources: ['https://other.example'] })],
      },
      'clients[0].resources[0]',
    ],
    [
      'a configured resource that would shadow the built-in admin API',
      { resources: [{ resource: 'HTTP://127.0.0.1:4000/admin', scopes: ['gatehouse.admin'] }] },
      'resources[0].resource',
    ],
  ])('refuses %s, naming the field', (_label, overrides, field) => {
    expect(problem(overrides)).toContain(`${field}:`);
  });

  it('names an unknown top-level option', () => {
    expect(problem({ isuer: 'typo' })).toContain('isuer');
  });

  it('reports every problem at once', () => {
    const message = problem({
      secret: 'short',
      clients: [web({ redirect_uris: ['http://evil.example/cb'] })],
    });
    expect(message).toContain('secret:');
    expect(message).toContain('clients[0].redirect_uris[0]:');
  });
});

describe('defaults', () => {
  it('fills every default for a minimal configuration', () => {
    const config = resolveConfig(
      options({ resources: [{ resource: 'https://api.example/mcp', scopes: ['a', 'b'] }] }),
    );
    expect(config).toMatchObject({
      issuer: ISSUER,
      issuerPath: '',
      origin: ISSUER,
      secureCookies: false,
      host: '127.0.0.1',
      port: 4000,
      database: 'sqlite:.gatehouse/gatehouse.db',
      signup: false,
      defaultResource: 'https://api.example/mcp',
      cimd: { enabled: false, trustedHosts: [], allowLoopback: false },
      dcr: { enabled: false, maxRegistrationsPerWindow: 25 },
      tokens: {
        accessTokenTtl: 3600,
        refreshTokenIdleTtl: 14 * 86400,
        refreshTokenGracePeriod: 600,
        authorizationCodeTtl: 60,
      },
      sessions: { ttl: 7 * 86400 },
      loginThrottle: {
        maxFailuresPerAccountNetwork: 10,
        maxFailuresPerIp: 100,
        accountSlowdownAfter: 50,
        accountSlowdownMs: 1000,
        windowSeconds: 900,
      },
      signingAlgorithm: 'ES256',
      trustedProxies: [],
      migrate: true,
    });
    expect(config.resources[0]).toMatchObject({
      resource: 'https://api.example/mcp',
      name: 'https://api.example/mcp',
      scopes: ['a', 'b'],
      defaultScopes: ['a', 'b'],
      lanes: { preregistered: true, cimd: true, dcr: true },
    });
    expect(config.endpoints).toEqual({
      authorization: `${ISSUER}/authorize`,
      token: `${ISSUER}/token`,
      revocation: `${ISSUER}/revoke`,
      introspection: `${ISSUER}/introspect`,
      jwks: `${ISSUER}/jwks.json`,
      endSession: `${ISSUER}/logout`,
      registration: `${ISSUER}/register`,
    });
    expect(typeof config.clock()).toBe('number');
  });

  it('derives https settings from an https issuer: Secure cookies and port 443', () => {
    const config = resolveConfig(options({ issuer: 'https://as.example' }));
    expect(config.secureCookies).toBe(true);
    expect(config.port).toBe(443);
  });

  it('has no default resource when several are configured and none is named', () => {
    const config = resolveConfig(
      options({ resources: [{ resource: 'https://a.example' }, { resource: 'https://b.example' }] }),
    );
    expect(config.defaultResource).toBeNull();
  });

  it('fills client defaults: Basic with a secret, none without; grants from redirect URIs', () => {
    const config = resolveConfig(
      options({
        clients: [
          web(),
          { client_id: 'cli', redirect_uris: ['http://127.0.0.1/cb'] },
          { client_id: 'm', client_secret: 'y'.repeat(32), grant_types: ['client_credentials'] },
        ],
      }),
    );
    const [w, cli, m] = config.clients;
    expect(w).toMatchObject({
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      application_type: 'web',
      first_party: false,
      scope: null,
      resources: [],
      introspect: [],
      post_logout_redirect_uris: [],
    });
    expect(cli).toMatchObject({ token_endpoint_auth_method: 'none', client_secret: null });
    expect(m).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', redirect_uris: [] });
  });

  it('uses the given clock', () => {
    expect(resolveConfig(options({ clock: () => 42 })).clock()).toBe(42);
  });
});

describe('throttle settings', () => {
  it('fills the CIMD budgets, the in-flight caps and the stale-if-error bound', () => {
    expect(resolveConfig(options()).cimd).toMatchObject({
      maxConcurrentFetches: 16,
      maxConcurrentFetchesPerIp: 4,
      fetchesPerHostPerMinute: 30,
      refreshesPerHostPerMinute: 60,
      fetchesPerIpPerMinute: 20,
      staleIfErrorMs: 86_400_000,
    });
  });

  it('reads the older sign-in throttle names as the new ones', () => {
    const config = resolveConfig(
      options({ loginThrottle: { maxFailuresPerAccount: 3, maxAttemptsPerIp: 7 } }),
    );
    expect(config.loginThrottle).toMatchObject({ maxFailuresPerAccountNetwork: 3, maxFailuresPerIp: 7 });
  });

  it('keeps the per-network DCR limit at most a quarter of the global quota, so one network cannot spend it', () => {
    expect(resolveConfig(options()).dcr).toMatchObject({
      maxRegistrationsPerWindow: 25,
      maxRegistrationsGlobal: 1000,
    });
    expect(
      resolveConfig(options({ dcr: { maxRegistrationsGlobal: 40 } })).dcr.maxRegistrationsPerWindow,
    ).toBe(10);
    expect(problem({ dcr: { maxRegistrationsPerWindow: 30, maxRegistrationsGlobal: 100 } })).toContain(
      'dcr.maxRegistrationsPerWindow',
    );
  });
});

describe('policy numbers are options with defaults', () => {
  it('fills the sign-up, password-reset, cache, housekeeping and interaction defaults', () => {
    const config = resolveConfig(options());
    expect(config.signupThrottle).toEqual({ maxSignupsPerIp: 20, windowMs: 3_600_000 });
    expect(config.passwordReset).toEqual({
      ttlMs: 1_800_000,
      maxRequestsPerIp: 20,
      maxRequestsPerAccount: 3,
      windowMs: 3_600_000,
    });
    expect(config).toMatchObject({
      resourceCacheTtlMs: 5000,
      signingKeyCacheTtlMs: 30_000,
      housekeepingIntervalMs: 600_000,
      sessions: { interactionTtlMs: 1_800_000 },
      cimd: { defaultTtlMs: 300_000, jwksCooldownMs: 60_000 },
      tokens: { signingKeyGracePeriod: 300 },
    });
  });

  it('reads each one from its option, in seconds', () => {
    const config = resolveConfig(
      options({
        signupThrottle: { maxSignupsPerIp: 2, windowSeconds: 60 },
        passwordReset: { maxRequestsPerIp: 5, maxRequestsPerAccount: 1, windowSeconds: 600 },
        resourceCacheTtl: 0,
        signingKeyCacheTtl: 1,
        housekeepingInterval: 60,
        sessions: { interactionTtl: 600 },
        cimd: { defaultTtl: 60, jwksCooldown: 5 },
        tokens: { signingKeyGracePeriod: 0 },
      }),
    );
    expect(config.signupThrottle).toEqual({ maxSignupsPerIp: 2, windowMs: 60_000 });
    expect(config.passwordReset).toMatchObject({
      maxRequestsPerIp: 5,
      maxRequestsPerAccount: 1,
      windowMs: 600_000,
    });
    expect(config).toMatchObject({
      resourceCacheTtlMs: 0,
      signingKeyCacheTtlMs: 1000,
      housekeepingIntervalMs: 60_000,
      sessions: { interactionTtlMs: 600_000 },
      cimd: { defaultTtlMs: 60_000, jwksCooldownMs: 5000 },
      tokens: { signingKeyGracePeriod: 0 },
    });
  });

  it.each([
    [{ signupThrottle: { maxSignupsPerIp: 0 } }, 'signupThrottle.maxSignupsPerIp'],
    [{ signupThrottle: { perIp: 3 } }, 'signupThrottle'],
    [{ passwordReset: { maxRequestsPerAccount: -1 } }, 'passwordReset.maxRequestsPerAccount'],
    [{ passwordReset: { windowSeconds: 86_401 } }, 'passwordReset.windowSeconds'],
    [{ resourceCacheTtl: 301 }, 'resourceCacheTtl'],
    [{ signingKeyCacheTtl: -1 }, 'signingKeyCacheTtl'],
    [{ housekeepingInterval: 1 }, 'housekeepingInterval'],
    [{ sessions: { interactionTtl: 10 } }, 'sessions.interactionTtl'],
    [{ cimd: { defaultTtl: 1.5 } }, 'cimd.defaultTtl'],
    [{ cimd: { jwksCooldown: 0 } }, 'cimd.jwksCooldown'],
    [{ tokens: { signingKeyGracePeriod: 86_401 } }, 'tokens.signingKeyGracePeriod'],
  ])('refuses %j, naming %s', (overrides, field) => {
    expect(problem(overrides)).toContain(`${field}:`);
  });
});

describe('the resolved configuration is immutable', () => {
  const config = () =>
    resolveConfig(
      options({
        resources: [{ resource: 'https://api.example/mcp', scopes: ['a'] }],
        clients: [web()],
      }),
    );

  it('throws on a write at any depth: a field, a nested object, an array, a resource, a client', () => {
    // The types say readonly where they can; this is the run-time guarantee underneath.
    const c = config() as unknown as {
      signup: boolean;
      tokens: { accessTokenTtl: number };
      trustedProxies: string[];
      resources: { scopes: string[] }[];
      clients: { redirect_uris: string[] }[];
    };
    expect(() => {
      c.signup = true;
    }).toThrow(TypeError);
    expect(() => {
      c.tokens.accessTokenTtl = 1;
    }).toThrow(TypeError);
    expect(() => c.trustedProxies.push('10.0.0.1')).toThrow(TypeError);
    expect(() => c.resources.splice(0, 1)).toThrow(TypeError);
    expect(() => {
      c.resources[0]!.scopes[0] = 'admin';
    }).toThrow(TypeError);
    expect(() => {
      c.clients[0]!.redirect_uris[0] = 'https://evil.example/cb';
    }).toThrow(TypeError);
    expect(c.clients[0]!.redirect_uris[0]).toBe('https://app.example/cb');
  });

  it('leaves the caller’s options and the logger unfrozen', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const jwks = { keys: [jwk as Record<string, unknown>] };
    const input = options({
      clients: [
        {
          client_id: 'k',
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks,
        },
      ],
    });
    const resolved = resolveConfig(input);
    expect(Object.isFrozen(resolved.clients[0]!.clientKeys!.jwks)).toBe(true);
    expect(Object.isFrozen(jwks)).toBe(false);
    expect(Object.isFrozen(jwks.keys[0])).toBe(false);
    expect(Object.isFrozen(input)).toBe(false);
    expect(Object.isFrozen(resolved.logger)).toBe(false);
  });
});

describe('a missing or short secret says what to do', () => {
  it('a missing secret names the option, GATEHOUSE_SECRET and how to make one', () => {
    expect(() => resolveConfig({ issuer: 'http://127.0.0.1:4000' } as GatehouseOptions)).toThrow(
      /secret: is required: .*"secret".*GATEHOUSE_SECRET.*openssl rand -base64 32/,
    );
  });

  it('a short secret says how long and how to make one', () => {
    expect(() => resolveConfig({ issuer: 'http://127.0.0.1:4000', secret: 'short' })).toThrow(
      /secret: must be at least 32 characters \(e\.g\. `openssl rand -base64 32`\)/,
    );
  });
});
