import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corsHeaders as asCorsHeaders, RESPONSE_CORS_HEADERS } from '../../src/http/cors.js';
import {
  ALLOW_HEADERS,
  allowedRequestHeaders,
  MCP_REQUEST_HEADERS,
  preflightHeaders,
} from '../../src/resource/cors.js';

/**
 * The preflight rules as properties. A browser lets a cross-origin request through only if every
 * non-safelisted header it carries is named in Access-Control-Allow-Headers (Fetch standard, CORS
 * protocol, case-insensitively); Gatehouse names the MCP transport headers of every revision
 * (MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID; SEP-2243 Mcp-Method, Mcp-Name) on both the
 * authorization server and gatehouse/resource, and echoes SEP-2243 Mcp-Param-{name} headers on the
 * resource, and nothing else.
 */

const names = (value: string) => value.split(',').map((name) => name.trim());

const TCHAR = "!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-";
const paramName = fc
  .string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 40 })
  .map((name) => `Mcp-Param-${name}`);
const anyHeaderName = fc.oneof(
  paramName,
  fc.constantFrom(
    'Mcp-Method',
    'MCP-NAME',
    'cookie',
    'x-forwarded-for',
    'dpop',
    'mcp-param-',
    'mcp-paramx',
    'mcp-param-a b',
    'mcp-param-é',
  ),
  fc.string({ maxLength: 30 }),
);

describe('CORS preflight answers', () => {
  it('allow the MCP headers of every protocol revision, and Authorization, Content-Type and DPoP, each named once', () => {
    // DPoP: RFC 9449 §4.1, sent by browser clients to the token endpoint and to the resource.
    const wanted = ['authorization', 'content-type', 'dpop', ...MCP_REQUEST_HEADERS];
    for (const list of [ALLOW_HEADERS, asCorsHeaders('POST')['access-control-allow-headers']!]) {
      expect(new Set(names(list))).toEqual(new Set(wanted));
      expect(names(list)).toHaveLength(wanted.length);
    }
    expect(MCP_REQUEST_HEADERS).toEqual([
      'mcp-protocol-version',
      'mcp-session-id',
      'mcp-method',
      'mcp-name',
      'last-event-id',
    ]);
  });

  it('expose WWW-Authenticate on both sides and Mcp-Session-Id on the resource, never with credentials', () => {
    expect(names(RESPONSE_CORS_HEADERS['access-control-expose-headers']!)).toContain('www-authenticate');
    const resource = preflightHeaders();
    expect(names(resource['access-control-expose-headers']!)).toEqual(
      expect.arrayContaining(['www-authenticate', 'mcp-session-id']),
    );
    for (const headers of [resource, asCorsHeaders('GET'), RESPONSE_CORS_HEADERS]) {
      expect(headers['access-control-allow-origin']).toBe('*');
      expect(Object.keys(headers)).not.toContain('access-control-allow-credentials');
    }
  });

  it('echo every requested Mcp-Param-{name} header (SEP-2243), lower-cased, once, and no other header', () => {
    fc.assert(
      fc.property(fc.array(anyHeaderName, { maxLength: 12 }), (requested) => {
        const allowed = names(allowedRequestHeaders(requested.join(', ')));
        expect(allowed.slice(0, names(ALLOW_HEADERS).length)).toEqual(names(ALLOW_HEADERS));
        expect(new Set(allowed).size).toBe(allowed.length);
        const fixed = new Set(names(ALLOW_HEADERS));
        for (const name of allowed.filter((n) => !fixed.has(n))) {
          expect(name).toMatch(/^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]+$/);
          expect(requested.map((r) => r.trim().toLowerCase())).toContain(name);
        }
        for (const name of requested) {
          const lower = name.trim().toLowerCase();
          if (/^mcp-param-[!#$%&'*+.^_`|~0-9a-z-]{1,100}$/.test(lower)) expect(allowed).toContain(lower);
        }
      }),
    );
  });

  it('never echo more than 32 Mcp-Param headers, however many are asked for', () => {
    const many = Array.from({ length: 500 }, (_, i) => `mcp-param-p${i}`).join(',');
    expect(names(allowedRequestHeaders(many))).toHaveLength(names(ALLOW_HEADERS).length + 32);
  });

  it('say that the answer varies with Access-Control-Request-Headers', () => {
    expect(preflightHeaders(undefined, 'mcp-param-region').vary).toBe('access-control-request-headers');
  });
});
