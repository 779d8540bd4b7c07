import { describe, expect, it } from 'vitest';
import type { GatehouseOptions } from '../../src/config/options.js';
import { ConfigError, resolveConfig } from '../../src/config/resolve.js';
import { samlConnectionSchema } from '../../src/config/saml-connection.js';

/** `type: "saml"` connections in the configuration (issue 16, DESIGN §4, docs/sign-in.md "SAML"). */
const BASE = {
  issuer: 'http://127.0.0.1:4000',
  secret: 'a-secret-of-at-least-thirty-two-characters',
  logger: false,
};
const ACME = { id: 'acme', type: 'saml', name: 'Acme', metadata_url: 'https://idp.acme.example/metadata' };

function resolve(connection: Record<string, unknown>) {
  return resolveConfig({ ...BASE, connections: [connection] } as unknown as GatehouseOptions);
}

function problem(connection: Record<string, unknown>): string {
  try {
    resolve(connection);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  return expect.fail(`accepted: ${JSON.stringify(connection)}`);
}

describe('SAML connections in the configuration', () => {
  it('accepts the contract and fills every default', () => {
    const [c] = resolve(ACME).connections;
    expect(c).toEqual({
      id: 'acme',
      type: 'saml',
      name: 'Acme',
      metadataUrl: 'https://idp.acme.example/metadata',
      metadataXml: undefined,
      emailAttributes: ['email', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'],
      domains: [],
      trustEmailVerified: false,
      signup: true,
      enabled: true,
      allowLoopback: false,
      clockSkewS: 60,
      stateTtlMs: 600_000,
      maxStartsPerIp: 30,
    });
  });

  it('takes inline metadata instead of a URL, but not both and not neither', () => {
    const { metadata_url: _, ...bare } = ACME;
    expect(resolve({ ...bare, metadata_xml: '<md:EntityDescriptor/>' }).connections[0]).toMatchObject({
      metadataXml: '<md:EntityDescriptor/>',
    });
    expect(problem({ ...ACME, metadata_xml: '<x/>' })).toMatch(/metadata_url: give exactly one/);
    expect(problem(bare)).toMatch(/metadata_url: give exactly one/);
  });

  it.each([
    ['http on a public host', 'http://idp.acme.example/metadata', /metadata_url: must use https/],
    ['http on loopback without allowLoopback', 'http://127.0.0.1:9000/metadata', /allowLoopback/],
    ['userinfo', 'https://u:p@idp.acme.example/metadata', /userinfo/],
    ['a fragment', 'https://idp.acme.example/metadata#x', /fragment/],
  ])('refuses a metadata URL with %s', (_label, url, message) => {
    expect(problem({ ...ACME, metadata_url: url })).toMatch(message);
  });

  it('bounds the clock skew at 300 s and refuses unknown fields and OIDC fields', () => {
    expect(resolve({ ...ACME, clockSkew: 300 }).connections[0]).toMatchObject({ clockSkewS: 300 });
    expect(problem({ ...ACME, clockSkew: 301 })).toMatch(/clockSkew/);
    expect(problem({ ...ACME, client_secret: 'x' })).toMatch(/client_secret|Unrecognized/i);
  });

  it('is exported on its own for stored connections (the admin API validates with it)', () => {
    expect(samlConnectionSchema.safeParse(ACME).success).toBe(true);
    expect(samlConnectionSchema.safeParse({ ...ACME, type: 'oidc' }).success).toBe(false);
  });
});
