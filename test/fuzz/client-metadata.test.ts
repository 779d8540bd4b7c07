import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { OAuthError } from '../../src/errors.js';
import { validateDocument } from '../../src/lanes/cimd/document.js';
import { validateRegistration } from '../../src/lanes/dcr.js';
import { checkRedirectUri } from '../../src/lanes/redirect-uri.js';

/**
 * Self-asserted client metadata as properties: a DCR registration body (RFC 7591 §2, §3.2.2) and a CIMD
 * document (CIMD-01 §4.1). Whatever JSON arrives, registration answers metadata or an OAuthError with an
 * RFC 7591 code, and the document check answers metadata or a reason — never another exception — and
 * what is accepted is a public code-flow client with sound redirect URIs.
 */

const config = resolveConfig({
  issuer: 'https://as.example',
  secret: 'fuzz-secret-fuzz-secret-fuzz-secret-0123',
  database: 'sqlite::memory:',
  logger: false,
  dcr: { enabled: true, allowedCustomSchemes: ['cursor'] },
  resources: [{ resource: 'https://mcp.example/mcp', scopes: ['todos.read', 'todos.write'] }],
});
const KNOWN_SCOPES = new Set(['todos.read', 'todos.write']);
const REGISTRATION_CODES = [
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'unapproved_software_statement',
];

const uri = fc.oneof(
  fc.constantFrom(
    'http://127.0.0.1/callback',
    'http://localhost:1234/cb',
    'https://app.example/cb',
    'cursor://anysphere.cursor-retrieval/oauth/callback',
    'com.example.app:/cb',
    'javascript:alert(1)',
    'http://evil.example/cb',
    'https://app.example/cb#frag',
    'https://user@app.example/cb',
    'HTTPS://app.example/cb',
  ),
  fc.webUrl({ withFragments: true, withQueryParameters: true }),
  fc.string({ maxLength: 30 }),
);

/** A field with a value of its expected shape, a plausible wrong one, or any JSON at all. */
const fields: Record<string, fc.Arbitrary<unknown>> = {
  redirect_uris: fc.oneof(fc.array(uri, { maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })),
  client_name: fc.oneof(
    fc.string({ maxLength: 120 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.jsonValue({ maxDepth: 1 }),
  ),
  grant_types: fc.oneof(
    fc.subarray(['authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'password']),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  response_types: fc.oneof(fc.subarray(['code', 'token', 'id_token']), fc.jsonValue({ maxDepth: 2 })),
  token_endpoint_auth_method: fc.oneof(
    fc.constantFrom('none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'),
    fc.jsonValue({ maxDepth: 1 }),
  ),
  application_type: fc.oneof(fc.constantFrom('web', 'native', 'service'), fc.jsonValue({ maxDepth: 1 })),
  scope: fc.oneof(
    fc.constantFrom('todos.read', 'todos.read todos.write admin', 'openid'),
    fc.jsonValue({ maxDepth: 1 }),
  ),
  client_uri: fc.oneof(uri, fc.jsonValue({ maxDepth: 1 })),
  logo_uri: fc.oneof(uri, fc.jsonValue({ maxDepth: 1 })),
  jwks: fc.oneof(fc.constant({ keys: [{ kty: 'EC', d: 'private' }] }), fc.jsonValue({ maxDepth: 3 })),
  jwks_uri: uri,
  software_statement: fc.string(),
  client_secret: fc.string(),
  __proto__: fc.jsonValue({ maxDepth: 2 }),
  constructor: fc.jsonValue({ maxDepth: 1 }),
};

/**
 * A metadata object: a valid one with up to three fields replaced by any of their values (so the
 * accepting branch is reached), or any JSON value at all.
 */
const metadata = (base: Record<string, unknown>, extra: Record<string, fc.Arbitrary<unknown>> = {}) => {
  const all = { ...fields, ...extra };
  const edited = fc
    .subarray(Object.keys(all), { maxLength: 3 })
    .chain((keys) => fc.tuple(...keys.map((k) => all[k]!.map((v) => [k, v] as const))))
    .map((entries) => {
      const body: Record<string, unknown> = { ...base };
      for (const [k, v] of entries)
        Object.defineProperty(body, k, { value: v, enumerable: true, writable: true });
      return body;
    });
  return fc.oneof(
    { weight: 4, arbitrary: edited },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3, withNullPrototype: true }) },
  );
};

describe('DCR registration metadata (properties)', () => {
  it('any JSON either registers a public code-flow client with sound redirect URIs or fails with an RFC 7591 error', () => {
    let accepted = 0;
    fc.assert(
      fc.property(metadata({ redirect_uris: ['http://127.0.0.1/callback'], client_name: 'Tool' }), (body) => {
        let registered: ReturnType<typeof validateRegistration>;
        try {
          registered = validateRegistration(body, config, config.resources);
        } catch (error) {
          expect(error).toBeInstanceOf(OAuthError);
          expect(REGISTRATION_CODES).toContain((error as OAuthError).error);
          return;
        }
        accepted++;
        expect(registered.token_endpoint_auth_method).toBe('none');
        expect(registered.response_types).toEqual(['code']);
        expect(registered.grant_types).toContain('authorization_code');
        for (const g of registered.grant_types) expect(['authorization_code', 'refresh_token']).toContain(g);
        expect(registered.redirect_uris.length).toBeGreaterThan(0);
        expect(registered.redirect_uris.length).toBeLessThanOrEqual(10);
        for (const r of registered.redirect_uris)
          expect(checkRedirectUri(r, { allowCustomSchemes: true, requireReverseDns: false })).toBeUndefined();
        for (const s of registered.scope?.split(' ') ?? []) expect(KNOWN_SCOPES.has(s)).toBe(true);
        if (registered.client_name !== undefined)
          expect(registered.client_name.length).toBeLessThanOrEqual(100);
        const hosts = registered.redirect_uris.map((r) => new URL(r).host);
        for (const field of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const) {
          const value = registered[field];
          if (value !== undefined) expect(hosts).toContain(new URL(value).host);
        }
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});

describe('CIMD document validation (properties)', () => {
  const ID = 'https://tool.example/client.json';
  const document = metadata(
    { client_id: ID, client_name: 'Tool', redirect_uris: ['https://tool.example/cb'] },
    {
      client_id: fc.oneof(
        fc.constant(ID),
        fc.constantFrom(`${ID}/`, 'https://TOOL.example/client.json'),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    },
  );

  it('any JSON either yields a public code-flow client with https or loopback redirect URIs or a reason, never an exception', () => {
    let accepted = 0;
    fc.assert(
      fc.property(document, (doc) => {
        const result = validateDocument(ID, doc);
        if (!result.ok) {
          expect(typeof result.reason).toBe('string');
          return;
        }
        accepted++;
        const d = doc as Record<string, unknown>;
        expect(d.client_id).toBe(ID);
        expect(d.client_secret).toBeUndefined();
        expect(result.metadata.token_endpoint_auth_method).toBe('none');
        expect(result.metadata.grant_types).toContain('authorization_code');
        expect(result.metadata.client_name.length).toBeGreaterThan(0);
        expect(result.metadata.redirect_uris.length).toBeGreaterThan(0);
        expect(result.metadata.redirect_uris.length).toBeLessThanOrEqual(20);
        for (const r of result.metadata.redirect_uris)
          expect(checkRedirectUri(r, { allowCustomSchemes: false })).toBeUndefined();
        for (const field of ['client_uri', 'logo_uri', 'policy_uri', 'tos_uri'] as const) {
          const value = result.metadata[field];
          if (value !== undefined) expect(value.startsWith('https://')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});
