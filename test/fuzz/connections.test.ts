import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectionIssuerProblem, type ResolvedConnection } from '../../src/config/connections.js';
import { assertDomainAllowed } from '../../src/connections/accounts.js';
import { OAuthError } from '../../src/errors.js';

/**
 * Issue 16's matchers as properties: which issuer URLs a connection accepts (https; http only on a
 * loopback host with allowLoopback) and which e-mail addresses `domains` lets through (exactly the
 * listed domains, after the last "@"; never a suffix, prefix or sibling).
 */

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => `${l.join('.')}.example`);
const loopback = fc.oneof(
  fc.constantFrom('localhost', '[::1]'),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`),
);
const path = fc.stringMatching(/^(\/[a-z0-9]{1,8}){0,3}$/);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const withPort = (host: string, p: number | undefined) => (p ? `${host}:${p}` : host);

describe('connection issuer rule', () => {
  it('accepts every https issuer, with or without allowLoopback', () => {
    fc.assert(
      fc.property(fc.oneof(hostname, loopback), port, path, fc.boolean(), (host, p, rest, allow) => {
        expect(connectionIssuerProblem(`https://${withPort(host, p)}${rest}`, allow)).toBeUndefined();
      }),
    );
  });

  it('accepts http only on a loopback host and only with allowLoopback', () => {
    fc.assert(
      fc.property(loopback, port, path, fc.boolean(), (host, p, rest, allow) => {
        const problem = connectionIssuerProblem(`http://${withPort(host, p)}${rest}`, allow);
        expect(problem === undefined).toBe(allow);
      }),
    );
    fc.assert(
      fc.property(hostname, port, path, fc.boolean(), (host, p, rest, allow) => {
        expect(connectionIssuerProblem(`http://${withPort(host, p)}${rest}`, allow)).toBeDefined();
        // A public name that merely starts like a loopback address is not one.
        expect(connectionIssuerProblem(`http://127.0.0.1.${host}${rest}`, allow)).toBeDefined();
        expect(connectionIssuerProblem(`http://localhost.${host}${rest}`, allow)).toBeDefined();
      }),
    );
  });

  it('refuses a query, a fragment, user info and other schemes whatever else holds', () => {
    fc.assert(
      fc.property(
        fc.oneof(hostname, loopback),
        fc.boolean(),
        fc.constantFrom('?a=1', '#f', '?', '#'),
        (host, allow, tail) => {
          expect(connectionIssuerProblem(`https://${host}/x${tail}`, allow)).toBeDefined();
          expect(connectionIssuerProblem(`https://user:pw@${host}`, allow)).toBeDefined();
          expect(connectionIssuerProblem(`ftp://${host}`, allow)).toBeDefined();
        },
      ),
    );
  });
});

describe('connection domains', () => {
  const connection = (domains: string[]) =>
    ({ id: 'c', name: 'C', domains }) as unknown as ResolvedConnection;
  const allowed = (domains: string[], email: string | undefined) => {
    try {
      assertDomainAllowed(connection(domains), email);
      return true;
    } catch (error) {
      expect(error).toBeInstanceOf(OAuthError);
      return false;
    }
  };
  const local = fc.stringMatching(/^[a-z0-9._+-]{1,12}$/);

  it('lets through exactly the listed domains', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(hostname, { minLength: 1, maxLength: 4 }),
        hostname,
        local,
        (domains, other, user) => {
          for (const d of domains) expect(allowed(domains, `${user}@${d}`)).toBe(true);
          const outside = !domains.includes(other);
          expect(allowed(domains, `${user}@${other}`)).toBe(!outside);
          // Suffixes, prefixes, siblings and a second "@" never pass.
          for (const d of domains) {
            expect(allowed(domains, `${user}@evil.${d}`)).toBe(domains.includes(`evil.${d}`));
            expect(allowed(domains, `${user}@${d}.evil`)).toBe(false);
            expect(allowed(domains, `${user}@x${d}`)).toBe(domains.includes(`x${d}`));
            expect(allowed(domains, `${d}@${other}`)).toBe(!outside);
          }
        },
      ),
    );
  });

  it('refuses a missing address when domains are set, and allows anything when none are', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), (email) => {
        expect(allowed(['corp.example'], undefined)).toBe(false);
        expect(allowed([], email)).toBe(true);
      }),
    );
  });
});
