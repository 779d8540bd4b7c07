import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htuMatches, normaliseHtu } from '../../src/resource/dpop.js';

/**
 * RFC 9449 §4.3 step 9: a proof's `htu` names the request URI without query and fragment, compared
 * after RFC 3986 §6.2.2/§6.2.3 normalisation. Properties: spelling differences that normalisation
 * removes never matter; a different scheme, host, port or path always does.
 */

const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
const host = fc.constantFrom('as.example', 'mcp.example.com', '127.0.0.1', 'xn--bcher-kva.example');
const path = fc.array(segment, { minLength: 0, maxLength: 4 }).map((s) => `/${s.join('/')}`);
const query = fc.stringMatching(/^[A-Za-z0-9=&%._-]{0,12}$/);
const base = fc.record({ scheme: fc.constantFrom('https', 'http'), host, path });

describe('DPoP htu normalisation and comparison', () => {
  it('query and fragment never matter', () => {
    fc.assert(
      fc.property(base, query, query, ({ scheme, host, path }, q, f) => {
        const url = `${scheme}://${host}${path}`;
        expect(htuMatches(`${url}?${q}#${f}`, url)).toBe(true);
        expect(htuMatches(url, `${url}?${q}`)).toBe(true);
      }),
    );
  });

  it('scheme and host case, the default port and percent-encoded unreserved characters never matter', () => {
    fc.assert(
      fc.property(base, ({ scheme, host, path }) => {
        const url = `${scheme}://${host}${path}`;
        const port = scheme === 'https' ? ':443' : ':80';
        const encoded = path.replace(/[A-Za-z]/, (c) => `%${c.charCodeAt(0).toString(16).toLowerCase()}`);
        const spelled = `${scheme.toUpperCase()}://${host.toUpperCase()}${port}${encoded}`;
        expect(htuMatches(spelled, url)).toBe(true);
      }),
    );
  });

  it('normalisation is idempotent', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const once = normaliseHtu(url);
        if (once !== undefined) expect(normaliseHtu(once)).toBe(once);
      }),
    );
  });

  it('a different path, host, scheme or port never matches', () => {
    fc.assert(
      fc.property(base, segment, ({ scheme, host, path }, extra) => {
        const url = `${scheme}://${host}${path}`;
        expect(htuMatches(`${url === `${scheme}://${host}/` ? url : `${url}/`}${extra}`, url)).toBe(false);
        expect(htuMatches(`${scheme}://other.${host}${path}`, url)).toBe(false);
        expect(htuMatches(`${scheme === 'https' ? 'http' : 'https'}://${host}${path}`, url)).toBe(false);
        expect(htuMatches(`${scheme}://${host}:8443${path}`, url)).toBe(false);
      }),
    );
  });

  it('nothing that is not an http(s) URL without credentials ever matches', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (junk) => {
        expect(htuMatches(junk, junk)).toBe(normaliseHtu(junk) !== undefined);
      }),
    );
    for (const bad of ['ftp://as.example/token', 'https://u:p@as.example/token', 'not a url', '']) {
      expect(htuMatches(bad, bad)).toBe(false);
    }
  });
});
