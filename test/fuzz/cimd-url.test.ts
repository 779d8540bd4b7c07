import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { checkClientIdUrl, MAX_CLIENT_ID_LENGTH } from '../../src/lanes/cimd/url.js';

/**
 * CIMD client_id URL rules as properties (CIMD-01 §3: https, a path, no fragment, no dot segments, no
 * user info; -02: no default-port folding; MCP security best practices "SSRF": a host name, never an
 * IP literal). The example-based cases are in test/unit/cimd-rules.test.ts.
 */

const strict = { allowLoopback: false };

/** Every spelling of an IPv4 address that a WHATWG URL parser (or a resolver) reads as that address. */
function ipv4Spellings([a, b, c, d]: number[]): string[] {
  const n = ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0;
  const fullwidth = (s: string) => s.replace(/\d/g, (x) => String.fromCharCode(0xff10 + Number(x)));
  const dotted = `${a}.${b}.${c}.${d}`;
  return [
    dotted,
    `${dotted}.`,
    String(n),
    `0x${n.toString(16)}`,
    `0X${n.toString(16).toUpperCase()}`,
    `0${n.toString(8)}`,
    [a, b, c, d].map((x) => `0${x!.toString(8)}`).join('.'),
    [a, b, c, d].map((x) => `0x${x!.toString(16)}`).join('.'),
    `${a}.${b}.${(c! << 8) | d!}`,
    `${a}.${((b! << 16) | (c! << 8) | d!) >>> 0}`,
    `0x${a!.toString(16)}.${((b! << 16) | (c! << 8) | d!) >>> 0}`,
    dotted.replaceAll('.', '%2e'),
    fullwidth(dotted),
    fullwidth(dotted).replaceAll('.', '\u3002'),
    `[::ffff:${dotted}]`,
    `[::${dotted}]`,
    `[64:ff9b::${dotted}]`,
  ];
}

const ipv6Spellings = (v6: string): string[] => {
  const parsed = ipaddr.IPv6.parse(v6);
  return [
    `[${v6}]`,
    `[${parsed.toNormalizedString()}]`,
    `[${parsed.parts
      .map((p) => p.toString(16).padStart(4, '0'))
      .join(':')
      .toUpperCase()}]`,
  ];
};

const ipLiteral = fc.oneof(
  fc
    .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
    .chain((parts) => fc.constantFrom(...ipv4Spellings(parts))),
  fc.ipV6().chain((v6) => fc.constantFrom(...ipv6Spellings(v6))),
);

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const hostName = fc
  .array(label, { minLength: 1, maxLength: 3 })
  .map((labels) => `${labels.join('.')}.example`);
const pathChars = fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=:@/-]{0,20}$/);

/** Candidate client_ids: mostly plausible, with every rule's violation mixed in. */
const candidate = fc.oneof(
  fc.tuple(hostName, pathChars).map(([h, p]) => `https://${h}/${p}`),
  fc.tuple(fc.constantFrom('user@', 'u:p@', '@', ':@'), hostName).map(([u, h]) => `https://${u}${h}/c.json`),
  fc
    .tuple(hostName, fc.integer({ min: 0, max: 70_000 }), pathChars)
    .map(([h, port, p]) => `https://${h}:${port}/${p}`),
  fc.tuple(ipLiteral, pathChars).map(([h, p]) => `https://${h}/c${p}`),
  fc.webUrl({
    withQueryParameters: true,
    withFragments: true,
    authoritySettings: { withPort: true, withIPv4: true, withIPv6: true, withIPv4Extended: true },
  }),
  fc
    .tuple(
      hostName,
      fc.constantFrom('/./', '/../', '/%2e/', '/%2E%2e/', '%2f', '%5C', '\\', '#x', '?q', '@', ' '),
      pathChars,
    )
    .map(([h, bad, p]) => `https://${h}/a${bad}${p}`),
  fc.string({ maxLength: 60 }).map((s) => `https://${s}`),
);

describe('CIMD client_id URL rules (properties)', () => {
  it('every accepted client_id is https, with a public host name, a real path, and nothing that could be rewritten', () => {
    let accepted = 0;
    fc.assert(
      fc.property(candidate, (clientId) => {
        const result = checkClientIdUrl(clientId, strict);
        if (!result.ok) return;
        accepted++;
        const url = new URL(clientId);
        expect(clientId.startsWith('https://')).toBe(true);
        expect(clientId.length).toBeLessThanOrEqual(MAX_CLIENT_ID_LENGTH);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must be absent
        expect(clientId).not.toMatch(/[#?\\\s\u0000-\u001f\u007f]/);
        expect(url.username + url.password).toBe('');
        expect(url.port).not.toBe('443');
        expect(url.pathname).not.toBe('/');
        const segments = new URL(clientId).pathname.split('/');
        expect(clientId.split('/').slice(3)).toEqual(segments.slice(1));
        expect(clientId.toLowerCase()).not.toMatch(/\/(\.|%2e){1,2}(\/|$)|%2f|%5c/);
        expect(ipaddr.isValid(url.hostname.replace(/^\[|\]$/g, ''))).toBe(false);
        expect(url.hostname).toMatch(/^[a-z0-9.-]+$/);
        expect(url.hostname).not.toMatch(/(^|\.)(localhost|local|internal)$/);
        expect(result.value.hostname).toBe(url.hostname);
      }),
      { numRuns: 1000 },
    );
    // The generator reaches the accepting branch often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('an IP literal in any spelling (decimal, hex, octal, short, fullwidth, encoded, IPv6, mapped) is refused', () => {
    fc.assert(
      fc.property(
        ipLiteral,
        fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
        (host, port) => {
          const clientId = `https://${host}${port === undefined ? '' : `:${port}`}/client.json`;
          expect(checkClientIdUrl(clientId, strict).ok, clientId).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('with allowLoopback, the only IP literals accepted are 127.0.0.1 and [::1] written exactly so', () => {
    fc.assert(
      fc.property(ipLiteral, (host) => {
        const result = checkClientIdUrl(`https://${host}:8443/client.json`, { allowLoopback: true });
        if (result.ok) expect(['127.0.0.1', '[::1]']).toContain(host);
      }),
      { numRuns: 1000 },
    );
  });
});
