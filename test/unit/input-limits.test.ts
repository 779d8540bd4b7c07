import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import {
  assertFieldLengths,
  assertHeaderLengths,
  assertJsonFieldLengths,
  boundedUserAgent,
  checkFieldLength,
  DEFAULT_FIELD_LIMIT,
  FIELD_LIMITS,
  MAX_AUTHORIZATION_HEADER,
  MAX_FIELD_NAME_LENGTH,
} from '../../src/http/limits.js';
import { Params } from '../../src/http/params.js';
import { MAX_CLIENT_ID_LENGTH } from '../../src/lanes/cimd/url.js';
import { checkRedirectUri } from '../../src/lanes/redirect-uri.js';
import { sealState } from '../../src/tokens/crypto.js';
import { isValidCodeVerifier } from '../../src/tokens/pkce.js';

/** The field length limits table (src/http/limits.ts) and the boundaries that apply it. */
const refusal = (fn: () => void): OAuthError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('the field limits table', () => {
  it('accepts every field at its limit and refuses it one character over, naming the field and the limit', () => {
    for (const [name, { max }] of Object.entries(FIELD_LIMITS)) {
      expect(checkFieldLength(name, 'a'.repeat(max)), name).toBeUndefined();
      expect(checkFieldLength(name, 'a'.repeat(max + 1))).toBe(`"${name}" is longer than ${max} characters`);
    }
  });

  it('caps any other parameter at the default, including names that exist on Object.prototype', () => {
    for (const name of ['unknown', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(checkFieldLength(name, 'a'.repeat(DEFAULT_FIELD_LIMIT)), name).toBeUndefined();
      expect(checkFieldLength(name, 'a'.repeat(DEFAULT_FIELD_LIMIT + 1)), name).toMatch(/longer than 4096/);
    }
  });

  it('refuses a code_verifier outside 43-128 characters, as RFC 7636 §4.1 and the PKCE check do', () => {
    for (const length of [1, 42, 43, 128, 129]) {
      const verifier = 'a'.repeat(length);
      expect(checkFieldLength('code_verifier', verifier) === undefined, String(length)).toBe(
        isValidCodeVerifier(verifier),
      );
    }
    expect(checkFieldLength('code_verifier', '')).toBeUndefined(); // empty = omitted (OAuth 2.1 §3.1)
  });

  it('agrees with the rules behind it: e-mail 254, redirect URIs as registration, client IDs as CIMD', () => {
    expect(FIELD_LIMITS.email.max).toBe(254);
    expect(FIELD_LIMITS.client_id.max).toBe(MAX_CLIENT_ID_LENGTH);
    const uri = (length: number) =>
      `https://app.example/${'a'.repeat(length - 'https://app.example/'.length)}`;
    expect(
      checkRedirectUri(uri(FIELD_LIMITS.redirect_uri.max), { allowCustomSchemes: false }),
    ).toBeUndefined();
    expect(checkRedirectUri(uri(FIELD_LIMITS.redirect_uri.max + 1), { allowCustomSchemes: false })).toMatch(
      /longer/,
    );
  });

  it('lets a sealed interaction carrying every authorization field at its limit through', () => {
    // JSON escaping doubles `"` and `\`, the worst a visible-ASCII value can do.
    const worst = (max: number) => '"\\'.repeat(max / 2);
    const sealed = sealState(randomBytes(32), {
      v: 1,
      r: {
        client_id: `https://c.example/${'a'.repeat(FIELD_LIMITS.client_id.max - 18)}`,
        redirect_uri: 'r'.repeat(FIELD_LIMITS.redirect_uri.max),
        redirect_uri_explicit: true,
        state: worst(FIELD_LIMITS.state.max),
        scope: 's'.repeat(FIELD_LIMITS.scope.max).match(/.{1,40}/g),
        resource: 'x'.repeat(FIELD_LIMITS.resource.max),
        code_challenge: 'c'.repeat(43),
        code_challenge_method: 'S256',
        nonce: worst(FIELD_LIMITS.nonce.max),
        prompt: ['login', 'consent'],
      },
      exp: Date.now(),
      la: Date.now(),
      err: { error: 'invalid_request', description: 'd'.repeat(300) },
    });
    expect(sealed.length).toBeLessThanOrEqual(FIELD_LIMITS.interaction.max);
  });
});

describe('the boundaries that apply it', () => {
  it('Params refuses an over-long form or query value with invalid_request naming the field', () => {
    const error = refusal(() => new Params(new URLSearchParams({ state: 's'.repeat(2049) })));
    expect([error.error, error.status]).toEqual(['invalid_request', 400]);
    // The description may carry the name in either quote (RFC 6749 §5.2 excludes '"' on the wire).
    expect(error.description).toMatch(/^["']state["'] is longer than 2048 characters$/);
    expect(() => new Params(new URLSearchParams({ state: 's'.repeat(2048) }))).not.toThrow();
  });

  it('refuses a parameter whose name alone is longer than 128 characters, without echoing it', () => {
    const name = 'n'.repeat(MAX_FIELD_NAME_LENGTH + 1);
    const error = refusal(() => assertFieldLengths([[name, 'v']]));
    expect(error.description).not.toContain(name);
    expect(() => assertFieldLengths([['n'.repeat(MAX_FIELD_NAME_LENGTH), 'v']])).not.toThrow();
  });

  it('checks JSON array items against the singular field and names the item', () => {
    const body = { redirect_uris: ['https://a.example/cb', `https://a.example/${'a'.repeat(2000)}`] };
    const error = refusal(() =>
      assertJsonFieldLengths(body, (f) =>
        f === 'redirect_uri' ? 'invalid_redirect_uri' : 'invalid_client_metadata',
      ),
    );
    expect(error.error).toBe('invalid_redirect_uri');
    expect(error.description).toMatch(/^["']redirect_uris\[1\]["'] is longer than 2000 characters$/);
  });

  it('checks nested JSON members by their names and refuses nesting deeper than 8', () => {
    expect(refusal(() => assertJsonFieldLengths({ lanes: { x: 'a'.repeat(4097) } })).description).toMatch(
      /^["']lanes\.x["'] is longer than 4096 characters$/,
    );
    const deep = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(refusal(() => assertJsonFieldLengths({ a: deep })).description).toMatch(/nested too deeply/);
  });

  it('never lets a string longer than its limit through, whatever the JSON shape (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.nat(DEFAULT_FIELD_LIMIT), (value, pad) => {
        const body = { scope: value, password: 'p'.repeat(1000 + pad) };
        let threw = false;
        try {
          assertJsonFieldLengths(body);
        } catch (error) {
          expect(error).toBeInstanceOf(OAuthError);
          threw = true;
        }
        if (1000 + pad > FIELD_LIMITS.password.max) expect(threw).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an Authorization header over 8 KB and a Cookie header over 16 KB before parsing them', () => {
    const auth = (length: number) => new Headers({ authorization: `Bearer ${'a'.repeat(length - 7)}` });
    expect(() => assertHeaderLengths(auth(MAX_AUTHORIZATION_HEADER))).not.toThrow();
    expect(refusal(() => assertHeaderLengths(auth(MAX_AUTHORIZATION_HEADER + 1))).error).toBe(
      'invalid_request',
    );
    const cookie = refusal(() => assertHeaderLengths(new Headers({ cookie: `a=${'b'.repeat(16_384)}` })));
    expect(cookie.status).toBe(431);
  });

  it('keeps at most 512 characters of a User-Agent and never refuses one', () => {
    expect(boundedUserAgent(new Headers({ 'user-agent': 'u'.repeat(5000) }))).toBe('u'.repeat(512));
    expect(boundedUserAgent(new Headers({ 'user-agent': 'curl/8' }))).toBe('curl/8');
    expect(boundedUserAgent(new Headers())).toBeNull();
  });
});
