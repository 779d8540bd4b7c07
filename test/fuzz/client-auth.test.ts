import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authenticateClient, parseBasic } from '../../src/client-auth/authenticate.js';
import type { Context } from '../../src/context.js';
import { OAuthError } from '../../src/errors.js';
import { Params } from '../../src/http/params.js';
import type { ClientRecord } from '../../src/store/types.js';
import { hashSecret } from '../../src/tokens/crypto.js';
import { toWellFormed } from './support/strings.js';

/**
 * Client authentication at the token endpoint as properties: Basic credentials are the
 * form-urlencoded client_id and secret (RFC 6749 §2.3.1), so any pair round-trips; whatever the
 * Authorization header and body hold, the outcome is the client or an invalid_client (401 with a
 * Basic challenge, RFC 9110 §15.5.2) / invalid_request OAuthError (OAuth 2.1 §3.2.4), nothing else.
 */

const SECRET = 'confidential-secret-0123456789-abcdefghij';
const base = {
  source: 'preregistered',
  client_name: null,
  redirect_uris: ['https://app.example/cb'],
  post_logout_redirect_uris: [],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  application_type: 'web',
  scope: null,
  resources: [],
  introspect: [],
  first_party: false,
  metadata: {},
  createdAt: 0,
  updatedAt: 0,
  lastUsedAt: null,
  disabledAt: null,
  disabledReason: null,
} as const;
const CLIENTS = new Map<string, ClientRecord>(
  (
    [
      ['basic-app', 'client_secret_basic', hashSecret(SECRET)],
      ['post-app', 'client_secret_post', hashSecret(SECRET)],
      ['public-app', 'none', null],
      ['odd id:+%', 'client_secret_basic', hashSecret(SECRET)],
    ] as const
  ).map(([id, method, secretHash]) => [
    id,
    { ...base, client_id: id, token_endpoint_auth_method: method, secretHash } as unknown as ClientRecord,
  ]),
);
const ctx = { store: { getClient: async (id: string) => CLIENTS.get(id) } } as unknown as Context;

/** RFC 6749 §2.3.1 / Appendix B: application/x-www-form-urlencoded, spaces as `+`. */
const formEncode = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
const basic = (id: string, secret: string, encode = formEncode, scheme = 'Basic') =>
  `${scheme} ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what credentials may not hold
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

describe('Basic client credentials (properties)', () => {
  it('any client_id and secret round-trip through form-urlencoding and Basic, whatever the scheme case and spacing', () => {
    fc.assert(
      fc.property(
        anyText.filter((id) => id !== '' && !CONTROL.test(id)),
        anyText.filter((secret) => !CONTROL.test(secret)),
        fc.constantFrom('Basic', 'basic', 'BASIC', 'Basic  '),
        fc.boolean(),
        (id, secret, scheme, percentOnly) => {
          const encode = percentOnly ? (s: string) => encodeURIComponent(toWellFormed(s)) : formEncode;
          expect(parseBasic(basic(id, secret, encode, scheme))).toEqual({
            id: toWellFormed(id),
            secret: toWellFormed(secret),
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a client_id or secret with a control character, or an empty client_id, is malformed', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom('\u0000', '\t', '\n', '\u001f', '\u007f', '\u0085', '\u009f'),
        anyText,
        (a, c, b) => {
          expect(parseBasic(basic(`${a}${c}${b}`, 'x'))).toBeUndefined();
          // RFC 6749 Appendix A.2: client-secret = *VSCHAR.
          expect(parseBasic(basic('id', `${a}${c}${b}`))).toBeUndefined();
          expect(parseBasic(basic('', b))).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a Basic scheme that is not well-formed', () => {
  it('is refused as malformed credentials, not ignored as if no header had been sent', async () => {
    const good = basic('basic-app', SECRET).slice('Basic '.length);
    for (const authorization of [`Basic\t${good}`, 'Basic', `basic\t\t${good}`]) {
      const request = new Request('http://127.0.0.1/token', { method: 'POST', headers: { authorization } });
      // A public client named in the body must not be authenticated beside a Basic header it ignored.
      const attempt = authenticateClient(
        ctx,
        request,
        new Params(new URLSearchParams({ client_id: 'public-app' })),
        { allowPublic: true, ip: null },
      );
      await expect(attempt, JSON.stringify(authorization)).rejects.toMatchObject({
        error: 'invalid_client',
        status: 401,
      });
      const alone = authenticateClient(ctx, request, new Params(new URLSearchParams()), {
        allowPublic: true,
        ip: null,
      });
      await expect(alone, JSON.stringify(authorization)).rejects.toMatchObject({
        error: 'invalid_client',
        status: 401,
      });
    }
  });
});

describe('client authentication outcomes (properties)', () => {
  const header = fc.oneof(
    fc.constant(null),
    fc
      .constantFrom('basic-app', 'post-app', 'public-app', 'odd id:+%', 'nobody', 'https://x.example/c')
      .chain((id) => fc.constantFrom(SECRET, '', 'wrong').map((secret) => basic(id, secret))),
    fc
      .tuple(
        fc.constantFrom('Basic ', 'basic ', 'Basic  ', 'Basic', 'Bearer ', ''),
        fc.string({ maxLength: 60 }),
      )
      .map(([s, r]) => s + r),
    fc
      .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))
      .map(([i, s]) => `Basic ${Buffer.from(`${i}:${s}`).toString('base64')}`),
  );
  const body = fc.array(
    fc.tuple(
      fc.constantFrom('client_id', 'client_secret', 'grant_type'),
      fc.oneof(
        fc.constantFrom('basic-app', 'post-app', 'public-app', SECRET, ''),
        fc.string({ maxLength: 20 }),
      ),
    ),
    { maxLength: 4 },
  );

  it('any header and body end in the client, or in invalid_client (401 with a Basic challenge) or invalid_request', async () => {
    await fc.assert(
      fc.asyncProperty(header, body, fc.boolean(), async (authorization, pairs, allowPublic) => {
        const request = new Request('http://127.0.0.1/token', {
          method: 'POST',
          headers: authorization === null ? {} : { authorization },
        });
        try {
          const result = await authenticateClient(ctx, request, new Params(new URLSearchParams(pairs)), {
            allowPublic,
            ip: null,
          });
          expect(CLIENTS.get(result.client.client_id)).toBe(result.client);
          if (result.method === 'none') expect(allowPublic).toBe(true);
          else expect(result.method).toBe(result.client.token_endpoint_auth_method);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(OAuthError);
          const e = error as OAuthError;
          expect(['invalid_client', 'invalid_request']).toContain(e.error);
          if (e.error === 'invalid_client') {
            expect(e.status).toBe(401);
            expect(e.headers['www-authenticate']).toMatch(/^Basic /);
          } else expect(e.status).toBe(400);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
