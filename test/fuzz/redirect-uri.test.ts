import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRedirectUri, matchRedirectUri, stripLoopbackPort } from '../../src/lanes/redirect-uri.js';
import { oneEditOf as mutation } from './support/strings.js';

/**
 * Redirect-URI matching as properties (OAuth 2.1 §4.1.1, RFC 9700 §4.1.3: exact string comparison;
 * RFC 8252 §7.3, OAuth 2.1 §8.4.2: a loopback redirect may use any port, nothing else may differ).
 * The example-based cases are in test/unit/redirect-uri.test.ts.
 */

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const host = fc.tuple(label, fc.constantFrom('example', 'test', 'co.uk')).map(([a, b]) => `${a}.${b}`);
const segment = fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,8}$/);
const path = fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`);
const query = fc.option(
  fc.stringMatching(/^[A-Za-z0-9=&%._~-]{0,12}$/).map((q) => `?${q}`),
  { nil: '' },
);
const webUri = fc.tuple(host, path, query).map(([h, p, q]) => `https://${h}${p}${q}`);
const loopbackHost = fc.constantFrom('127.0.0.1', '[::1]', 'localhost');
const loopbackUri = fc.tuple(loopbackHost, path, query).map(([h, p, q]) => `http://${h}${p}${q}`);

describe('redirect-URI matching (properties)', () => {
  it('a registered URI always matches itself exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(webUri, loopbackUri), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        (registered, i) => {
          const uri = registered[i % registered.length]!;
          expect(matchRedirectUri(registered, uri)).toBe(uri);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any single-character change to a registered non-loopback URI is refused', () => {
    fc.assert(
      fc.property(
        webUri.chain((uri) => fc.tuple(fc.constant(uri), mutation(uri))),
        ([registered, requested]) => {
          expect(matchRedirectUri([registered], requested)).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a loopback URI matches on any port, but only with the registered host, path and query', () => {
    fc.assert(
      fc.property(loopbackUri, fc.integer({ min: 1, max: 65_535 }), (registered, port) => {
        const url = registered.replace(/^(http:\/\/(?:127\.0\.0\.1|\[::1\]|localhost))/, `$1:${port}`);
        expect(matchRedirectUri([registered], url)).toBe(registered);
        expect(matchRedirectUri([registered], url.replace('http:', 'https:'))).toBeUndefined();
        expect(matchRedirectUri([registered], `${url}x`)).toBeUndefined();
        expect(matchRedirectUri([registered], url.replace(/:\d+/, `:${port}99999`))).toBeUndefined();
        expect(matchRedirectUri([registered], url.replace('//', '//user@'))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('a loopback URI changed anywhere but its port is refused', () => {
    const edited = loopbackUri.chain((uri) => fc.tuple(fc.constant(uri), mutation(uri)));
    fc.assert(
      fc.property(edited, ([registered, requested]) => {
        const same = stripLoopbackPort(requested) === stripLoopbackPort(registered);
        expect(matchRedirectUri([registered], requested) !== undefined).toBe(same);
        // Removing or changing a port digit is the only one-character edit that may still match.
        if (same) expect(requested.replace(/:\d+/, '')).toBe(registered.replace(/:\d+/, ''));
      }),
      { numRuns: 1000 },
    );
  });

  it('whatever is requested, a match has the registered scheme, host, userinfo, path and query', () => {
    const requested = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      loopbackUri.chain((u) => mutation(u)),
      fc.string({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(webUri, loopbackUri), { maxLength: 4 }), requested, (registered, uri) => {
        const match = matchRedirectUri(registered, uri);
        if (match === undefined) return;
        expect(registered).toContain(match);
        const a = new URL(uri);
        const b = new URL(match);
        for (const part of [
          'protocol',
          'hostname',
          'username',
          'password',
          'pathname',
          'search',
          'hash',
        ] as const)
          expect(a[part], part).toBe(b[part]);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('redirect-URI registration rules (properties)', () => {
  it('every accepted URI is absolute, lower-case scheme, without fragment, whitespace or userinfo, https or loopback http', () => {
    const candidate = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.webUrl().map((u) => u.replace('https:', 'http:')),
      fc
        .tuple(
          fc.constantFrom('javascript:', 'data:', 'file://', 'HTTPS://', 'com.example.app:/', 'myapp:/'),
          fc.string(),
        )
        .map(([a, b]) => a + b),
      loopbackUri.chain((u) => mutation(u)),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(candidate, fc.boolean(), (uri, allowCustomSchemes) => {
        if (checkRedirectUri(uri, { allowCustomSchemes }) !== undefined) return;
        const url = new URL(uri);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be absent
        expect(uri).not.toMatch(/[#\s\u0000-\u001f\u007f]/);
        expect(uri.startsWith(url.protocol)).toBe(true);
        expect(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:']).not.toContain(url.protocol);
        if (url.protocol === 'https:') {
          expect(url.hostname).not.toBe('');
          expect(url.username + url.password).toBe('');
        } else if (url.protocol === 'http:') {
          expect(stripLoopbackPort(uri)).toBeDefined();
          expect(['127.0.0.1', '[::1]', 'localhost']).toContain(url.hostname);
        } else {
          expect(allowCustomSchemes).toBe(true);
          expect(url.protocol).toContain('.');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
