import fc from 'fast-check';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwksProblem } from '../../src/lanes/client-keys.js';
import {
  AssertionRefused,
  MAX_ASSERTION_LIFETIME_S,
  verifyClientAssertion,
} from '../../src/tokens/client-assertion.js';

/** RFC 7523 §3 / OIDC Core §9 assertion rules, on the pure verifier (no HTTP). */

const CLIENT = 'https://app.example.com/client.json';
const ISSUER = 'https://as.example.com';
const TOKEN_ENDPOINT = 'https://as.example.com/token';
const NOW = Date.parse('2026-11-27T10:00:00Z');
const now = Math.floor(NOW / 1000);

let privateKey: CryptoKey;
let publicJwk: JWK;
let otherPrivate: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  otherPrivate = (await generateKeyPair('RS256')).privateKey;
});

const baseClaims = (): JWTPayload => ({
  iss: CLIENT,
  sub: CLIENT,
  aud: ISSUER,
  exp: now + 60,
  iat: now,
  jti: 'jti-1',
});

async function sign(claims: JWTPayload, header: Record<string, unknown> = {}, key = privateKey) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header }).sign(key);
}

const verify = (assertion: string, extra: { algorithm?: string } = {}) =>
  verifyClientAssertion(assertion, {
    clientId: CLIENT,
    audiences: [ISSUER, TOKEN_ENDPOINT],
    keys: { keys: [publicJwk] },
    nowMs: NOW,
    ...extra,
  });

describe('private_key_jwt assertion verification (RFC 7523 §3, OIDC Core §9)', () => {
  it('accepts a valid assertion whose aud is the issuer, and one whose aud is the token endpoint', async () => {
    await expect(verify(await sign(baseClaims()))).resolves.toEqual({
      jti: 'jti-1',
      expiresAt: (now + 60) * 1000,
    });
    await expect(verify(await sign({ ...baseClaims(), aud: [TOKEN_ENDPOINT, 'x'] }))).resolves.toBeDefined();
  });

  it('refuses every single-field mutation of a valid assertion', async () => {
    const mutations: [string, (c: JWTPayload) => JWTPayload, Record<string, unknown>?][] = [
      ['iss', (c) => ({ ...c, iss: 'https://evil.example/client.json' })],
      ['sub', (c) => ({ ...c, sub: 'https://evil.example/client.json' })],
      ['aud', (c) => ({ ...c, aud: 'https://other.example' })],
      ['aud = revocation endpoint', (c) => ({ ...c, aud: `${ISSUER}/revoke` })],
      ['no exp', ({ exp: _e, ...c }) => c],
      ['expired', (c) => ({ ...c, exp: now - 120 })],
      ['exp too far', (c) => ({ ...c, exp: now + MAX_ASSERTION_LIFETIME_S + 120 })],
      ['iat in the future', (c) => ({ ...c, iat: now + 600, exp: now + 700 })],
      ['nbf in the future', (c) => ({ ...c, nbf: now + 600 })],
      ['no jti', ({ jti: _j, ...c }) => c],
      ['empty jti', (c) => ({ ...c, jti: '' })],
      ['typ at+jwt', (c) => c, { typ: 'at+jwt' }],
      ['unknown kid', (c) => c, { kid: 'k2' }],
    ];
    for (const [name, mutate, header] of mutations) {
      const assertion = await sign(mutate(baseClaims()), header);
      await expect(verify(assertion), name).rejects.toBeInstanceOf(AssertionRefused);
    }
  });

  it('refuses an assertion signed by another key', async () => {
    await expect(verify(await sign(baseClaims(), {}, otherPrivate))).rejects.toBeInstanceOf(AssertionRefused);
  });

  it('refuses alg none and HS256 keyed with the public key (algorithm confusion)', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64(baseClaims())}.`;
    await expect(verify(none)).rejects.toThrow(/alg none/);
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const hs = await new SignJWT(baseClaims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret);
    await expect(verify(hs)).rejects.toThrow(/alg HS256/);
  });

  it('honours the registered token_endpoint_auth_signing_alg', async () => {
    await expect(verify(await sign(baseClaims()), { algorithm: 'ES256' })).rejects.toThrow(/alg RS256/);
    await expect(verify(await sign(baseClaims()), { algorithm: 'RS256' })).resolves.toBeDefined();
  });

  it('refuses any byte flipped anywhere in a valid assertion (property)', async () => {
    const valid = await sign(baseClaims());
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: valid.length - 1 }),
        fc.integer({ min: 1, max: 63 }),
        async (at, delta) => {
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          const i = alphabet.indexOf(valid[at]!);
          if (i < 0) return; // a dot: removing structure is covered by the parser
          const mutated = valid.slice(0, at) + alphabet[(i + delta) % 64] + valid.slice(at + 1);
          // Base64url's last character may carry unused bits: a flip there can decode to the same bytes.
          if (
            Buffer.from(mutated.split('.')[2] ?? '', 'base64url').equals(
              Buffer.from(valid.split('.')[2]!, 'base64url'),
            ) &&
            mutated.split('.').slice(0, 2).join('.') === valid.split('.').slice(0, 2).join('.')
          )
            return;
          await expect(verify(mutated)).rejects.toBeInstanceOf(AssertionRefused);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses any claim set with a wrong iss, sub or aud (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('iss', 'sub', 'aud'),
        fc.string({ minLength: 1, maxLength: 40 }),
        async (claim, value) => {
          fc.pre(value !== CLIENT && value !== ISSUER && value !== TOKEN_ENDPOINT);
          const assertion = await sign({ ...baseClaims(), [claim]: value });
          await expect(verify(assertion)).rejects.toBeInstanceOf(AssertionRefused);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('client key sets (RFC 7517, RFC 7591 §2)', () => {
  it('accepts public asymmetric keys and refuses private members, symmetric keys and empty sets', () => {
    expect(jwksProblem({ keys: [publicJwk] })).toBeUndefined();
    expect(jwksProblem({ keys: [{ ...publicJwk, d: 'x' }] })).toMatch(/public keys only/);
    expect(jwksProblem({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })).toMatch(/public keys only/);
    expect(jwksProblem({ keys: [{ kty: 'oct' }] })).toMatch(/RSA, EC or OKP/);
    expect(jwksProblem({ keys: [] })).toMatch(/non-empty/);
    expect(jwksProblem({ keys: [{ ...publicJwk, use: 'enc' }] })).toMatch(/signature/);
  });
});
