import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateClient } from '../../src/client-auth/authenticate.js';
import type { Context } from '../../src/context.js';
import { OAuthError } from '../../src/errors.js';
import { Params } from '../../src/http/params.js';
import type { ClientRecord } from '../../src/store/types.js';
import { JWT_BEARER_ASSERTION_TYPE } from '../../src/tokens/client-assertion.js';
import { type AssertionSigner, createSigner } from '../helpers/client-assertion.js';

/**
 * private_key_jwt client authentication as a property: whatever `client_assertion`, its type and the
 * other credentials hold — random text, JWT-shaped junk with any header and claims (ids with control
 * characters, 6 KB subjects, alg none), or a real signature over mutated claims — the outcome is the
 * keyed client (only for a valid, unused assertion) or an invalid_client (401 with a Basic
 * challenge) / invalid_request OAuthError; never another error, never another client.
 */

const ISSUER = 'https://as.example';
const KEYED = 'keyed-app';
let signer: AssertionSigner;
let ctx: Context;
const used = new Set<string>();

beforeAll(async () => {
  signer = await createSigner('ES256');
  const client = {
    client_id: KEYED,
    source: 'preregistered',
    client_name: null,
    redirect_uris: [],
    post_logout_redirect_uris: [],
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'private_key_jwt',
    application_type: 'web',
    scope: null,
    resources: [],
    introspect: [],
    first_party: false,
    secretHash: null,
    metadata: { clientKeys: { jwks: { keys: [signer.jwk] } } },
    createdAt: 0,
    updatedAt: 0,
    lastUsedAt: null,
    disabledAt: null,
    disabledReason: null,
  } as unknown as ClientRecord;
  ctx = {
    config: { issuer: ISSUER, endpoints: { token: `${ISSUER}/token` } },
    now: () => Date.now(),
    store: {
      getClient: async (id: string) => (id === KEYED ? client : undefined),
      useClientAssertion: async (clientId: string, jti: string) => {
        const key = `${clientId} ${jti}`;
        if (used.has(key)) return false;
        used.add(key);
        return true;
      },
    },
  } as unknown as Context;
});

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const claimValue = fc.oneof(
  text,
  fc.integer(),
  fc.constant(KEYED),
  fc.constant(`${KEYED}\u0000`),
  fc.constant('x'.repeat(6000)),
  fc.constant([ISSUER, 'https://other.example']),
);
const claims = fc.dictionary(
  fc.constantFrom('iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'x'),
  claimValue,
  {
    maxKeys: 7,
  },
);
const header = fc.dictionary(
  fc.constantFrom('alg', 'kid', 'typ', 'crit', 'jku', 'b64'),
  fc.oneof(text, fc.constantFrom('none', 'HS256', 'ES256', 'RS256', 'at+jwt'), fc.boolean()),
  { maxKeys: 4 },
);

describe('private_key_jwt client authentication outcomes (properties)', () => {
  const assertion = fc.oneof(
    text,
    fc.tuple(header, claims, text).map(([h, c, sig]) => `${b64(h)}.${b64(c)}.${b64(sig)}`),
    // A real signature over claims a mutation may have spoiled.
    fc.tuple(claims, fc.boolean()).map(([c, complete]) => ({ c, complete })),
  );

  it('any assertion, type and extra credentials end in the keyed client or in invalid_client / invalid_request', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        assertion,
        fc.constantFrom(
          JWT_BEARER_ASSERTION_TYPE,
          '',
          'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
        ),
        fc.constantFrom(undefined, KEYED, 'nobody', ''),
        fc.boolean(),
        async (a, type, clientId, withSecret) => {
          let value: string;
          if (typeof a === 'string') value = a;
          else {
            const base = a.complete
              ? {
                  iss: KEYED,
                  sub: KEYED,
                  aud: ISSUER,
                  exp: Math.floor(Date.now() / 1000) + 60,
                  jti: crypto.randomUUID(),
                }
              : {};
            value = await signer.sign(KEYED, ISSUER, { ...base, ...a.c });
          }
          const pairs: [string, string][] = [
            ['client_assertion_type', type],
            ['client_assertion', value],
          ];
          if (clientId !== undefined) pairs.push(['client_id', clientId]);
          if (withSecret) pairs.push(['client_secret', 'x'.repeat(40)]);
          const request = new Request('http://127.0.0.1/token', { method: 'POST' });
          try {
            const result = await authenticateClient(ctx, request, new Params(new URLSearchParams(pairs)), {
              allowPublic: true,
              ip: null,
            });
            expect(result).toMatchObject({ method: 'private_key_jwt', client: { client_id: KEYED } });
            accepted++;
            expect(withSecret).toBe(false);
            expect(type).toBe(JWT_BEARER_ASSERTION_TYPE);
          } catch (error) {
            expect(error, String(error)).toBeInstanceOf(OAuthError);
            const e = error as OAuthError;
            expect(['invalid_client', 'invalid_request']).toContain(e.error);
            if (e.error === 'invalid_client') {
              expect(e.status).toBe(401);
              expect(e.headers['www-authenticate']).toMatch(/^Basic /);
            } else expect(e.status).toBe(400);
          }
        },
      ),
      { numRuns: 600 },
    );
    // The property reached the success path too (valid signatures over unspoiled claims).
    expect(accepted).toBeGreaterThan(0);
  });
});
