import { describe, expect, it } from 'vitest';
import { displayNameProblem, sanitiseDisplayName } from '../../src/display-name.js';
import { canonicalResource, splitScope } from '../../src/grants/audience.js';
import { clientIp, rateLimitKey } from '../../src/http/client-ip.js';
import { parseCookies } from '../../src/http/cookies.js';
import { checkClientIdUrl } from '../../src/lanes/cimd/url.js';
import { clientIdProblem } from '../../src/lanes/client-id.js';
import { isUrlClientId } from '../../src/lanes/index.js';
import { checkRedirectUri, matchRedirectUri } from '../../src/lanes/redirect-uri.js';
import { parseAuditQuery, parseClientQuery } from '../../src/operations/queries.js';
import { extractBearerToken } from '../../src/resource/bearer.js';
import { parseOpaque } from '../../src/tokens/opaque.js';
import { isValidCodeVerifier, isValidS256Challenge } from '../../src/tokens/pkce.js';
import { isEmailAddress } from '../../src/users.js';

/**
 * Issue 11 part 1: every pattern Gatehouse applies to request input is linear-time, so it stays cheap
 * even where no length cap stood in front of it. Each matcher gets every pathological shape at 60 KB
 * (well over any field limit) and must answer in well under the time a quadratic pattern would take
 * (the e-mail pattern this replaced took seconds); the bound is a margin, not a benchmark.
 */
const SIZE = 60_000;
const fill = (unit: string, prefix = '', suffix = '') =>
  `${prefix}${unit.repeat(Math.ceil((SIZE - prefix.length - suffix.length) / unit.length))}${suffix}`;

const SHAPES: Record<string, string> = {
  'a domain of dots': fill('.', 'a@', ' x'),
  'repeated "a@a."': fill('a@a.'),
  '"a"s then "!"': fill('a', '', '!'),
  'many dots': fill('.'),
  'many spaces then a letter': fill(' ', '', 'x'),
  'nested %-encodings': fill('%25'),
  'URL-ish repetition': fill('https://a.example/', '', '#'),
  'loopback with a long path': fill('/a', 'http://127.0.0.1:8080', '#'),
  'scope tokens with a double space': fill('a ', '', '  '),
  'colons and digits': fill(':1', '', 'x'),
  'dotted quads': fill(':1.1.1.1%', '', '\n'),
  'base64 then junk': fill('A', 'Bearer ', '=!'),
  'combining marks': fill('\u0301', 'a'),
  'cookie pairs': fill('a=b; '),
};

const MATCHERS: Record<string, (value: string) => unknown> = {
  isEmailAddress,
  checkRedirectUri: (v) => checkRedirectUri(v, { allowCustomSchemes: true }),
  matchRedirectUri: (v) => matchRedirectUri(['http://127.0.0.1/cb', 'https://a.example/cb'], v),
  checkClientIdUrl: (v) => checkClientIdUrl(v, { allowLoopback: false }),
  clientIdProblem,
  isUrlClientId,
  parseOpaque: (v) => parseOpaque('ghr', v),
  isValidCodeVerifier,
  isValidS256Challenge,
  extractBearerToken: (v) => {
    try {
      return extractBearerToken({ authorization: v, url: `/mcp?${v}` });
    } catch {
      return undefined;
    }
  },
  clientIp: (v) => clientIp('127.0.0.1', v, ['127.0.0.1']),
  rateLimitKey,
  parseCookies,
  canonicalResource,
  splitScope,
  sanitiseDisplayName,
  displayNameProblem,
  parseClientQuery: (v) => {
    try {
      return parseClientQuery(new URLSearchParams({ q: v, after: v, source: v }));
    } catch {
      return undefined;
    }
  },
  parseAuditQuery: (v) => {
    try {
      return parseAuditQuery(new URLSearchParams({ since: v, until: v, before: v, type: v }));
    } catch {
      return undefined;
    }
  },
};

describe('matchers applied to request input', () => {
  for (const [name, matcher] of Object.entries(MATCHERS)) {
    it(`${name} answers every 60 KB pathological shape within 100 ms`, () => {
      for (const [shape, value] of Object.entries(SHAPES)) {
        const started = performance.now();
        matcher(value);
        expect(performance.now() - started, `${name} on ${shape}`).toBeLessThan(100);
      }
    });
  }
});
