import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headlessSchema, resolveHeadless } from '../../src/config/headless.js';
import type { Context, RequestInfo } from '../../src/context.js';
import { OAuthError } from '../../src/errors.js';
import { assertAllowedOrigin, readJsonBody } from '../../src/interaction/headless-http.js';

/**
 * The headless API's matchers as properties (docs/headless.md, "Security rules"): the Origin check
 * accepts exactly the configured origins, the configuration accepts exactly bare https (or loopback
 * http) origins, and the JSON reader answers any body with an object or invalid_request, never another
 * exception.
 */

const ALLOWED = ['https://signin.app.example', 'http://127.0.0.1:4321'];
const ctx = {
  config: { origin: 'https://auth.app.example', headless: { origins: ALLOWED } },
} as unknown as Context;

function request(method: string, headers: Record<string, string>, body?: string): RequestInfo {
  const url = new URL('https://auth.app.example/interaction/api/state');
  return { request: new Request(url, { method, headers, body }), url, ip: '127.0.0.1', userAgent: null };
}

const originLike = fc.oneof(
  fc.constantFrom(...ALLOWED),
  fc.webUrl().map((u) => new URL(u).origin),
  fc.webUrl(),
  fc.constantFrom(
    'null',
    '*',
    '',
    'https://signin.app.example.',
    'https://SIGNIN.app.example',
    'https://signin.app.example:443',
  ),
  fc.string({ maxLength: 40 }),
  fc.constantFrom(...ALLOWED).map((o) => `${o}/`),
  fc.constantFrom(...ALLOWED).map((o) => `${o}.evil.example`),
);

describe('headless Origin check', () => {
  it('accepts an Origin exactly when it is one of the configured origins', () => {
    fc.assert(
      fc.property(originLike, fc.constantFrom('GET', 'POST'), (origin, method) => {
        let accepted: string | undefined;
        try {
          accepted = assertAllowedOrigin(
            ctx,
            request(method, { origin }, method === 'POST' ? '{}' : undefined),
          );
        } catch (error) {
          expect(error).toBeInstanceOf(OAuthError);
          expect((error as OAuthError).status).toBe(403);
        }
        expect(accepted !== undefined).toBe(ALLOWED.includes(origin));
        if (accepted !== undefined) expect(accepted).toBe(origin);
      }),
    );
  });

  it('refuses a request without Origin unless it is a same-origin GET and the issuer is listed', () => {
    fc.assert(
      fc.property(fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none'), (site) => {
        expect(() => assertAllowedOrigin(ctx, request('GET', { 'sec-fetch-site': site }))).toThrow(
          OAuthError,
        );
      }),
    );
  });
});

describe('headless configuration', () => {
  it('accepts exactly the origins a browser sends, https or loopback http', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string()),
        (value) => {
          const parsed = headlessSchema.safeParse({
            enabled: true,
            loginUrl: 'https://a.example/l',
            origins: [value],
          });
          let bare = false;
          try {
            const url = new URL(value);
            const loopbackHttp =
              url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(url.hostname);
            bare = url.origin === value && (url.protocol === 'https:' || loopbackHttp);
          } catch {
            bare = false;
          }
          expect(parsed.success).toBe(bare);
          if (parsed.success) expect(resolveHeadless({ headless: parsed.data }).origins).toContain(value);
        },
      ),
    );
  });
});

describe('headless JSON bodies', () => {
  it('any body is an object or a 400 invalid_request (or 413), never another exception', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.constantFrom('{"__proto__":{"x":1}}', '[]', 'null', '{"interaction":1}'),
        ),
        async (body) => {
          try {
            const parsed = await readJsonBody(request('POST', { 'content-type': 'application/json' }, body));
            expect(typeof parsed).toBe('object');
            expect(Array.isArray(parsed)).toBe(false);
          } catch (error) {
            expect(error).toBeInstanceOf(OAuthError);
            expect([400, 413]).toContain((error as OAuthError).status);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
