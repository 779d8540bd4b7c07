import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorize,
  authorizeUrl,
  baseOptions,
  get,
  introspect,
  obtainTokens,
  rawRequest,
  redeem,
  refresh,
  signedInAgent,
  USER,
  useServer,
  windowClock,
} from '../helpers/oauth.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { decodeEntities, UserAgent } from '../helpers/user-agent.js';

/**
 * Transport and protocol attacks (checklist §4 attacks 38, 41, 47, 48; §1.17.2; RFC 9700 §4.13;
 * OAuth 2.1 §7.11, §7.14).
 */

const SPOOF = {
  host: 'evil.test',
  'x-forwarded-host': 'evil.test',
  'x-forwarded-proto': 'https',
  forwarded: 'host=evil.test',
};

async function loginAttempt(srv: TestServer, headers: Record<string, string>, email = USER.email) {
  const agent = new UserAgent(srv.origin);
  const page = await agent.request(`${srv.issuer}/login`);
  const html = await page.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
  const body = new URLSearchParams({
    csrf: decodeEntities(csrf),
    email,
    password: 'wrong password',
  }).toString();
  return rawRequest(`${srv.issuer}/login`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      ...headers,
    },
  });
}

describe('Host and X-Forwarded-* spoofing', () => {
  const srv = useServer();

  it('Host/X-Forwarded-* spoofing changes neither the metadata nor the JWKS', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/jwks.json']) {
      const honest = await rawRequest(`${srv().origin}${path}`);
      const spoofed = await rawRequest(`${srv().origin}${path}`, { headers: SPOOF });
      expect(spoofed.status).toBe(200);
      expect(spoofed.body).toBe(honest.body);
    }
  });

  it('Host/X-Forwarded-* spoofing changes neither the sign-in redirect nor the links and form actions of the pages', async () => {
    const start = await rawRequest(authorizeUrl(srv()).url, { headers: SPOOF });
    expect(start.status).toBe(302);
    const location = String(start.headers.location);
    expect(location).not.toContain('evil.test');
    expect(location.startsWith('/login?') || location.startsWith(`${srv().origin}/login?`)).toBe(true);
    const page = await rawRequest(new URL(location, srv().origin).href, { headers: SPOOF });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('evil.test');
  });

  it('Host/X-Forwarded-* spoofing changes neither the code redirect nor its iss', async () => {
    const agent = await signedInAgent(srv());
    await authorize(srv(), {}, { agent }); // consent once for this redirect URI
    const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const spoofed = await rawRequest(authorizeUrl(srv()).url, { headers: { ...SPOOF, cookie } });
    expect(spoofed.status).toBe(302);
    const location = new URL(String(spoofed.headers.location));
    expect(location.origin).toBe('http://127.0.0.1:5555');
    expect(location.searchParams.get('iss')).toBe(srv().issuer);
  });

  it('a spoofed Origin matching the spoofed Host does not pass the same-origin check of the sign-in form', async () => {
    const response = await loginAttempt(srv(), { ...SPOOF, origin: 'https://evil.test' });
    expect(response.status).toBe(403);
  });
});

describe('X-Forwarded-For spoofing does not change the rate-limit identity', () => {
  const clock = windowClock();
  const srv = useServer(() => ({
    ...baseOptions(),
    loginThrottle: { maxAttemptsPerIp: 3, maxFailuresPerAccount: 1000 },
    clock: clock.now,
  }));

  it('without a trusted proxy, rotating X-Forwarded-For values still hits one per-address limit', async () => {
    clock.startWindow();
    for (let i = 0; i < 3; i++) {
      const r = await loginAttempt(srv(), { 'x-forwarded-for': `203.0.113.${i}` }, `u${i}@example.com`);
      expect(r.status).toBe(401);
    }
    const blocked = await loginAttempt(srv(), { 'x-forwarded-for': '198.51.100.77' }, 'fresh@example.com');
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeTruthy();
  });
});

describe('X-Forwarded-For from a configured trusted proxy', () => {
  const clock = windowClock();
  const srv = useServer(() => ({
    ...baseOptions(),
    trustedProxies: ['127.0.0.1'],
    loginThrottle: { maxAttemptsPerIp: 2, maxFailuresPerAccount: 1000 },
    clock: clock.now,
  }));

  it('X-Forwarded-For from a trusted proxy is believed (control): distinct client addresses have distinct limits, one address is limited', async () => {
    clock.startWindow();
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      expect((await loginAttempt(srv(), { 'x-forwarded-for': ip }, `${ip}@example.com`)).status).toBe(401);
    }
    expect((await loginAttempt(srv(), { 'x-forwarded-for': '203.0.113.9' }, 'a@example.com')).status).toBe(
      401,
    );
    expect((await loginAttempt(srv(), { 'x-forwarded-for': '203.0.113.9' }, 'b@example.com')).status).toBe(
      401,
    );
    expect((await loginAttempt(srv(), { 'x-forwarded-for': '203.0.113.9' }, 'c@example.com')).status).toBe(
      429,
    );
  });
});

describe('CRLF and HTML injection', () => {
  const srv = useServer();
  const HTML = '"><script>alert(1)</script>';
  const HOSTILE = `${HTML}\r\nSet-Cookie: injected=1`;

  it('a state with HTML comes back URL-encoded in Location, byte-equal once decoded', async () => {
    const result = await authorize(srv(), { state: HTML });
    expect(result.location.searchParams.get('state')).toBe(HTML);
    const raw = result.location.href;
    expect(raw).not.toMatch(/[\r\n<>"]/);
  });

  // Control characters are refused where parameters are parsed (issue 15; RFC 6749 Appendix A: state is
  // VSCHAR), so a CRLF never reaches a header: a 400 page, no redirect, nothing reflected raw.
  it('a state with CRLF is refused with a 400 page: no redirect, no injected header', async () => {
    for (const prompt of [undefined, 'none']) {
      const response = await get(authorizeUrl(srv(), { state: HOSTILE, ...(prompt ? { prompt } : {}) }).url);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('set-cookie') ?? '').not.toContain('injected');
      const html = await response.text();
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('control character');
    }
  });

  it('a hostile value reflected in an error description is URL-encoded in Location', async () => {
    const result = await authorize(srv(), { prompt: HTML.replaceAll(' ', '') });
    expect(result.location.searchParams.get('error')).toBe('invalid_request');
    expect(result.location.href).not.toMatch(/[\r\n<>"]/);
  });

  it('HTML in a submitted email is escaped when the sign-in page shows it again', async () => {
    const agent = new UserAgent(srv().origin);
    const page = await agent.request(`${srv().issuer}/login`);
    const response = await agent.submit(await page.text(), { email: HTML, password: 'wrong password' });
    const html = await response.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('HTML in the interaction parameter is escaped in the sign-in page', async () => {
    for (const value of [HTML, HOSTILE]) {
      const response = await get(`${srv().issuer}/login?interaction=${encodeURIComponent(value)}`);
      const html = await response.text();
      expect(html).not.toContain('<script>alert(1)</script>');
    }
  });
});

describe('credentials from another Gatehouse instance (another secret) are refused', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startServer(baseOptions());
    const options = baseOptions();
    options.clients = [
      ...(options.clients ?? []),
      {
        client_id: 'b-only',
        redirect_uris: ['https://b-only.example/cb'],
        token_endpoint_auth_method: 'none',
      },
    ];
    b = await startServer({ ...options, secret: 'another-secret-another-secret-another-secret-01' });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a code issued by B is invalid_grant at A, and still works at B', async () => {
    const auth = await authorize(b);
    const r = await redeem(a, auth);
    expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    expect((await redeem(b, auth)).status).toBe(200);
  });

  it('a refresh token issued by B is invalid_grant at A', async () => {
    const t = await obtainTokens(b);
    const r = await refresh(a, t.refresh_token!);
    expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
  });

  it('an access token issued by B introspects as {"active":false} at A', async () => {
    const t = await obtainTokens(b);
    expect((await introspect(a, t.access_token)).body).toStrictEqual({ active: false });
    expect((await introspect(b, t.access_token)).body.active).toBe(true);
  });

  it('a client registered only at B is unknown at A: an error page, never a redirect', async () => {
    const response = await get(
      authorizeUrl(a, { client_id: 'b-only', redirect_uri: 'https://b-only.example/cb' }).url,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    const atB = await get(
      authorizeUrl(b, { client_id: 'b-only', redirect_uri: 'https://b-only.example/cb' }).url,
    );
    expect(atB.status).toBe(302); // to B's sign-in page: the client exists there
  });

  it('a sign-in session and a sealed interaction from B are not accepted by A', async () => {
    const agent = await signedInAgent(b);
    const start = await agent.request(authorizeUrl(b).url);
    const interaction = new URL(start.headers.get('location')!, b.origin).searchParams.get('interaction')!;
    const resume = await get(`${a.issuer}/authorize/resume?interaction=${encodeURIComponent(interaction)}`);
    expect(resume.status).toBe(400);
    expect(resume.headers.get('location')).toBeNull();
    const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const atA = await get(authorizeUrl(a, { prompt: 'none' }).url, { cookie });
    expect(new URL(atA.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });
});
