import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { metricsPathProblem, parseAddressRange, tokenDigest } from '../../src/config/observability.js';
import { metricsAccess } from '../../src/metrics/access.js';
import {
  bounded,
  CIMD_RESULTS,
  DCR_RESULTS,
  ERROR_CODES,
  LIMITERS,
  methodLabel,
  statusClass,
} from '../../src/metrics/recorder.js';
import { routeResolver } from '../../src/metrics/routes.js';
import { PATHS } from '../../src/paths.js';

/**
 * What becomes a label, and who may scrape, as properties: whatever a request carries, a label is one
 * of a fixed, small set (docs/operations.md, "Metrics and alerts"), and the address and token rules
 * (src/metrics/access.ts) decide exactly as written.
 */

const hostile = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.webUrl(),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'other', '', 'hasOwnProperty'),
);
const pathname = fc.oneof(
  fc.webPath(),
  fc.constantFrom(...Object.values(PATHS)).chain((p) => fc.webPath().map((rest) => p + rest)),
  fc.constantFrom(...Object.values(PATHS)),
);

describe('metric labels are bounded whatever the request carries', () => {
  it('bounded() returns the value only when it is listed, otherwise "other" (own members only, no prototype names)', () => {
    for (const list of [ERROR_CODES, CIMD_RESULTS, DCR_RESULTS, LIMITERS]) {
      fc.assert(
        fc.property(hostile, (value) => {
          const label = bounded(value, list);
          const listed = Array.isArray(list) ? list.includes(value) : (list as Set<string>).has(value);
          expect(label).toBe(listed ? value : 'other');
        }),
      );
    }
  });

  it('a route label comes from the route table: any path maps into a fixed set, whatever the issuer path', () => {
    const labels = new Set<string>();
    fc.assert(
      fc.property(fc.constantFrom('', '/auth', '/t/x'), pathname, (issuerPath, path) => {
        const route = routeResolver(issuerPath, '/metrics')(path);
        labels.add(route.label);
        expect(route.label).toMatch(/^[a-z_]+$/);
        if (route.template !== undefined)
          expect(route.template.startsWith(path) || route.template.endsWith('*')).toBe(true);
      }),
    );
    // PATHS names, metadata, metrics, admin, admin_api and unmatched: nothing else exists.
    expect(labels.size).toBeLessThanOrEqual(Object.keys(PATHS).length + 4);
  });

  it('methods and status codes map into fixed sets', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.integer(), (method, status) => {
        expect(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'other']).toContain(
          methodLabel(method),
        );
        expect(['1xx', '2xx', '3xx', '4xx', '5xx', 'other']).toContain(statusClass(status));
      }),
    );
  });
});

describe('who may scrape (src/metrics/access.ts)', () => {
  const noHeaders = new Headers();
  const v4 = fc.ipV4();

  it('by default only loopback addresses are let in (127.0.0.0/8, ::1, and ::ffff:127.x.y.z), and no address at all is refused', () => {
    const allow = metricsAccess({ tokenDigest: null, allowFrom: null });
    fc.assert(
      fc.property(v4, (ip) => {
        const loopback = ip.startsWith('127.');
        expect(allow(ip, noHeaders)).toBe(loopback ? undefined : 'address');
        expect(allow(`::ffff:${ip}`, noHeaders)).toBe(loopback ? undefined : 'address');
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        // Loopback in IPv6: ::1, or an IPv4-mapped 127.x.y.z (::ffff:7fxx:xxxx).
        const full = ipaddr.IPv6.parse(ip).toNormalizedString();
        const loopback = full === '0:0:0:0:0:0:0:1' || full.startsWith('0:0:0:0:0:ffff:7f');
        expect(allow(ip, noHeaders)).toBe(loopback ? undefined : 'address');
      }),
    );
    expect(allow('::1', noHeaders)).toBeUndefined();
    expect(allow(null, noHeaders)).toBe('address');
    expect(allow('unknown', noHeaders)).toBe('address');
  });

  it('allowFrom ranges match exactly the addresses inside them', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, (base, bits, ip) => {
        const allow = metricsAccess({ tokenDigest: null, allowFrom: [`${base}/${bits}`] });
        const [range] = parseAddressRange(`${base}/${bits}`)!;
        const inside = (parseAddressRange(ip)![0] as typeof range).match(range, bits);
        expect(allow(ip, noHeaders)).toBe(inside ? undefined : 'address');
      }),
    );
  });

  it('a token is accepted only when it is exactly the configured one, in the Bearer scheme', () => {
    const token = 'a-long-enough-metrics-token-0123456789';
    for (const configured of [token, `sha256:${tokenDigest(token)}`]) {
      const allow = metricsAccess({ tokenDigest: tokenDigest(configured), allowFrom: null });
      expect(allow('203.0.113.1', new Headers({ authorization: `Bearer ${token}` }))).toBeUndefined();
      fc.assert(
        fc.property(fc.string({ maxLength: 50 }), (presented) => {
          fc.pre(presented !== token);
          const headers = new Headers({ authorization: `Bearer ${presented.replace(/[\r\n\0]/g, '')}` });
          expect(allow('203.0.113.1', headers)).toBe('token');
        }),
      );
    }
  });

  it('the metrics path may not be one of Gatehouse’s own paths, under /.well-known/ or under the dashboard', () => {
    for (const issuerPath of ['', '/auth']) {
      for (const p of Object.values(PATHS))
        expect(metricsPathProblem(issuerPath + p, issuerPath)).toBeDefined();
      expect(metricsPathProblem('/.well-known/metrics', issuerPath)).toBeDefined();
      expect(metricsPathProblem(`${issuerPath}/admin/metrics`, issuerPath)).toBeDefined();
      expect(metricsPathProblem('/metrics', issuerPath)).toBeUndefined();
    }
  });
});
