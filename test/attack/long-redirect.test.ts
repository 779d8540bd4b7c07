import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LOCATION_LENGTH } from '../../src/interaction/return-to.js';
import { baseOptions } from '../helpers/fixtures.js';
import { authorizeUrl } from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Long redirects (issue 15). A long request must never come back as a longer `Location` (a 15 KB query
 * string on /admin used to become a 25 KB sign-in redirect): proxies and browsers cut or refuse URLs
 * past RFC 9110 §4.1's 8000 octets, and reflecting attacker-sized input into a header is an
 * amplification. No Location is longer than MAX_LOCATION_LENGTH; a dashboard return-to that would
 * exceed what sign-in accepts is dropped to the plain page (no query), never reflected.
 * docs/security.md, "Long redirects".
 */

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer(baseOptions());
});
afterAll(() => srv.close());

const MARKER = 'zq7longpayload';

/** `bytes` of query string in 1 KiB parameters (each within its field limit), carrying MARKER. */
function longQuery(bytes: number): string {
  const value = `${MARKER}${'a'.repeat(1000)}`;
  const parts: string[] = [];
  for (let i = 0; parts.join('&').length < bytes; i++) parts.push(`p${i}=${value}`);
  return parts.join('&');
}

const SIZES = [
  ['15 KB', 15 * 1024],
  ['100 KB', 100 * 1024],
] as const;

/** Straight into the handler (no Node header limit in the way), as any adapter or runtime could. */
function direct(url: string): Promise<Response> {
  return srv.gh.fetch(new Request(url, { redirect: 'manual' }), { remoteAddress: '127.0.0.1' });
}

function expectBounded(response: Response): string | null {
  const location = response.headers.get('location');
  if (location !== null) {
    expect(location.length).toBeLessThanOrEqual(MAX_LOCATION_LENGTH);
    expect(location).not.toContain(MARKER);
  }
  return location;
}

describe.each(SIZES)('a %s query string', (_label, bytes) => {
  it.each(['/admin', '/admin/clients', '/admin/users'])(
    'on %s redirects to sign-in returning to the plain page, without the query',
    async (page) => {
      const response = await direct(`${srv.issuer}${page}?${longQuery(bytes)}`);
      expect(response.status).toBe(302);
      expect(expectBounded(response)).toBe(`/login?return_to=${encodeURIComponent(page)}`);
    },
  );

  it('on the sign-in page is a page, never a redirect', async () => {
    const response = await direct(`${srv.issuer}/login?return_to=%2Fadmin&${longQuery(bytes)}`);
    expect(response.status).toBe(200);
    expect(expectBounded(response)).toBeNull();
    expect(await response.text()).not.toContain(MARKER);
  });

  it('on an authorization request never becomes a longer Location', async () => {
    const { url } = authorizeUrl(srv);
    const response = await direct(`${url}&${longQuery(bytes)}`);
    expect(response.status).toBeLessThan(500);
    expectBounded(response);
  });

  it('over real HTTP (Node refuses or Gatehouse bounds it), no Location is longer than the bound', async () => {
    for (const path of ['/admin', '/admin/clients', '/login']) {
      const response = await fetch(`${srv.issuer}${path}?${longQuery(bytes)}`, { redirect: 'manual' });
      expect(response.status).not.toBe(500);
      expectBounded(response);
    }
  });
});

describe('return-to within the bound', () => {
  it('a dashboard page with a short query comes back with its query after sign-in', async () => {
    const response = await direct(`${srv.issuer}/admin/clients?q=abc&source=dcr`);
    expect(response.headers.get('location')).toBe(
      `/login?return_to=${encodeURIComponent('/admin/clients?q=abc&source=dcr')}`,
    );
  });

  it('an authorization request whose sign-in redirect would pass the bound is refused with a page, not sent', async () => {
    // Every field within its own limit, but a state of 2048 three-byte characters makes the sealed
    // request the sign-in redirect carries (base64url of UTF-8) longer than MAX_LOCATION_LENGTH.
    const { url } = authorizeUrl(srv, { state: '€'.repeat(2048) });
    const response = await direct(url);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('too long to continue');
  });

  it('the same request with a state of two-byte characters still fits, and goes to sign-in', async () => {
    const { url } = authorizeUrl(srv, { state: 'é'.repeat(2048) });
    const response = await direct(url);
    expect(response.status).toBe(302);
    expect(expectBounded(response)).toMatch(/^\/login\?interaction=/);
  });
});
