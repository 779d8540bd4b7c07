import { createPublicKey, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { base64url, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { BearerError, createProtectedResource, type ProtectedResource } from '../../src/resource/index.js';
import { verifyJwt } from '../../src/tokens/jwt.js';

/**
 * JWT access-token verification as properties (RFC 9068 §4; RFC 8725 §2.1, §3.1, §3.11): from one valid
 * token, every mutation is refused — any byte of header, payload or signature changed, `alg: none`,
 * HS256 keyed with the public key, a swapped or unknown `kid`, a key carried in the header, another
 * `typ`, and other `aud`/`iss`/`exp` re-signed with a key the issuer never published. Checked for
 * `gatehouse/resource` (jose) and for Gatehouse's own verifier (admin API, introspection).
 */

const ISSUER = 'https://as.example';
const RESOURCE = 'https://mcp.example/mcp';
const NOW = 1_800_000_000;

interface Keys {
  es: { privateKey: CryptoKey; publicKey: CryptoKey; kid: string; node: KeyObject };
  rs: { privateKey: CryptoKey; publicKey: CryptoKey; kid: string };
  attacker: { privateKey: CryptoKey; publicKey: CryptoKey };
}
let keys: Keys;
let rs: ProtectedResource;
let valid: string;

const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER,
  sub: 'usr_1',
  aud: RESOURCE,
  client_id: 'app',
  scope: 'todos.read',
  iat: NOW - 10,
  exp: NOW + 300,
  jti: 'jti-1',
  ...overrides,
});

const sign = (payload: JWTPayload, header: Record<string, unknown>, key: CryptoKey | Uint8Array) =>
  new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: keys.es.kid, ...header } as never)
    .sign(key);

beforeAll(async () => {
  const es = await generateKeyPair('ES256', { extractable: true });
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const attacker = await generateKeyPair('ES256', { extractable: true });
  const esJwk = { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' };
  const rsJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' };
  keys = {
    es: { ...es, kid: 'es-1', node: createPublicKey({ key: esJwk as never, format: 'jwk' }) },
    rs: { ...rsa, kid: 'rs-1' },
    attacker,
  };
  const jwks = JSON.stringify({ keys: [esJwk, rsJwk] });
  rs = createProtectedResource({
    issuer: ISSUER,
    resource: RESOURCE,
    jwksUri: `${ISSUER}/jwks.json`,
    clock: () => NOW * 1000,
    fetch: (async () =>
      new Response(jwks, { headers: { 'content-type': 'application/json' } })) as typeof fetch,
  });
  valid = await sign(claims(), {}, keys.es.privateKey);
  await rs.verifyToken(valid); // the starting point is accepted
});

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A one-character edit of the token, anywhere, with any character (or a base64url one). */
const byteMutation = () =>
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom('insert', 'delete', 'replace'),
      fc.oneof(fc.constantFrom(...B64URL), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    )
    .map(
      ([at, op, c]): Forgery => ({
        issuerSigned: false,
        make: async () => {
          const i = at % (valid.length + 1);
          return valid.slice(0, i) + (op === 'delete' ? '' : c) + valid.slice(op === 'insert' ? i : i + 1);
        },
      }),
    );

const encode = (value: object) => base64url.encode(JSON.stringify(value));

/** How to build the token, and whether the issuer's own key signed it (only claims are wrong then). */
interface Forgery {
  make: () => Promise<string>;
  issuerSigned: boolean;
}

/** Structural attacks, each a way to make a token the issuer never signed look acceptable. */
const forgery = fc.oneof(
  byteMutation(),
  fc
    .constantFrom(
      async (): Promise<string> =>
        `${encode({ alg: 'none', typ: 'at+jwt', kid: keys.es.kid })}.${encode(claims())}.`,
      async (): Promise<string> =>
        `${encode({ alg: 'none', typ: 'at+jwt' })}.${valid.split('.')[1]}.${valid.split('.')[2]}`,
      async (): Promise<string> =>
        `${encode({ alg: 'ES256', typ: 'at+jwt', kid: keys.es.kid })}.${encode(claims())}.${valid.split('.')[2]}`,
      async (): Promise<string> => {
        const jwk = new TextEncoder().encode(JSON.stringify(await exportJWK(keys.es.publicKey)));
        return sign(claims(), { alg: 'HS256' }, jwk);
      },
      async (): Promise<string> =>
        sign(
          claims(),
          { alg: 'HS256' },
          new Uint8Array(keys.es.node.export({ format: 'der', type: 'spki' })),
        ),
      async (): Promise<string> =>
        sign(
          claims(),
          { alg: 'HS256' },
          new TextEncoder().encode(keys.es.node.export({ format: 'pem', type: 'spki' }) as string),
        ),
      async (): Promise<string> => sign(claims(), { kid: keys.rs.kid }, keys.es.privateKey),
      async (): Promise<string> => sign(claims(), { kid: 'unknown' }, keys.attacker.privateKey),
      async (): Promise<string> => sign(claims(), {}, keys.attacker.privateKey),
      async (): Promise<string> =>
        sign(claims(), { jwk: await exportJWK(keys.attacker.publicKey) }, keys.attacker.privateKey),
      async (): Promise<string> =>
        sign(claims(), { jku: 'https://evil.example/jwks.json', kid: 'evil' }, keys.attacker.privateKey),
    )
    .map((make): Forgery => ({ make, issuerSigned: false })),
  fc.constantFrom('JWT', 'jwt', 'application/jwt', 'id_token+jwt', 'at+jwt; x=1', undefined).map(
    (typ): Forgery => ({
      issuerSigned: true,
      make: async () => sign(claims(), { typ }, keys.es.privateKey),
    }),
  ),
  fc
    .record(
      {
        aud: fc.constantFrom('https://other.example/api', `${RESOURCE}/`, RESOURCE.toUpperCase(), [
          'https://other.example',
        ]),
        iss: fc.constantFrom('https://evil.example', `${ISSUER}/`, 'https://AS.example'),
        exp: fc.integer({ min: NOW - 10_000, max: NOW - 31 }),
        nbf: fc.integer({ min: NOW + 31, max: NOW + 10_000 }),
      },
      { requiredKeys: [] },
    )
    .filter((o) => Object.keys(o).length > 0)
    .chain((changed) =>
      // With the issuer's own key only the claim check stands in the way; with another key, both do.
      fc.boolean().map(
        (issuerSigned): Forgery => ({
          issuerSigned,
          make: async () =>
            sign(
              claims(changed as JWTPayload),
              {},
              issuerSigned ? keys.es.privateKey : keys.attacker.privateKey,
            ),
        }),
      ),
    ),
);

describe('JWT access tokens in gatehouse/resource (properties)', () => {
  it('every mutation or forgery of a valid token is refused with invalid_token', async () => {
    await fc.assert(
      fc.asyncProperty(forgery, async ({ make }) => {
        const token = await make();
        if (token === valid) return;
        const outcome = await rs.verifyToken(token).then(
          () => 'accepted',
          (error: unknown) => (error instanceof BearerError ? error.error : String(error)),
        );
        expect(outcome, token).toBe('invalid_token');
      }),
      { numRuns: 600 },
    );
  });
});

describe("JWT verification in Gatehouse's own verifier (properties)", () => {
  const findKey = (kid: string) =>
    kid === keys.es.kid ? { alg: 'ES256' as const, publicKey: keys.es.node } : undefined;

  it('every mutation or forgery of a valid token fails signature verification', async () => {
    expect(verifyJwt(valid, findKey)).toBeDefined();
    await fc.assert(
      fc.asyncProperty(forgery, async ({ make, issuerSigned }) => {
        const token = await make();
        if (token === valid) return;
        // Gatehouse's verifier checks the signature only (its callers check typ and claims), so a token
        // the issuer's key really signed passes it, and nothing else does.
        expect(verifyJwt(token, findKey) !== undefined, token).toBe(issuerSigned);
      }),
      { numRuns: 600 },
    );
  });
});
