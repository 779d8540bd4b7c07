import { describe, expect, it } from 'vitest';
import { authorizeUrl, expectErrorPage, get, signedInAgent, useServer } from '../helpers/oauth.js';
import type { UserAgent } from '../helpers/user-agent.js';

/**
 * Redirect-URI tampering (checklist §4 attacks 1–2; OAuth 2.1 §4.1.2.1, §2.3; RFC 9700 §4.1.3).
 * Every variant must end on an error page with no Location header — for an anonymous visitor and for a
 * signed-in user alike, so the server is never an open redirector.
 */

const WEB_VARIANTS = [
  ['trailing slash', 'https://app.example/cb/'],
  ['path case', 'https://app.example/CB'],
  ['host case', 'https://APP.example/cb'],
  ['encoded slash', 'https://app.example%2Fcb'],
  ['encoded path', 'https://app.example/c%62'],
  ['extra query parameter', 'https://app.example/cb?x=1&y=2'],
  ['query on a URI registered without one', 'https://app.example/cb?'],
  ['explicit :443', 'https://app.example:443/cb'],
  ['http instead of https', 'http://app.example/cb'],
  ['dot segments', 'https://app.example/cb/../cb'],
  ['encoded dot segments', 'https://app.example/x/%2e%2e/cb'],
  ['userinfo pointing elsewhere', 'https://app.example@evil.test/cb'],
  ['suffix domain', 'https://app.example.evil.test/cb'],
  ['subdomain', 'https://evil.app.example/cb'],
  ['path suffix', 'https://app.example/cb/evil'],
  ['fragment', 'https://app.example/cb#evil'],
  ['backslash', 'https://app.example\\@evil.test/cb'],
  ['leading whitespace', ' https://app.example/cb'],
] as const;

const LOOPBACK_VARIANTS = [
  ['a look-alike host starting with 127.0.0.1', 'http://127.0.0.1.evil.test:5/callback'],
  ['userinfo localhost', 'http://localhost@evil.test/callback'],
  ['userinfo 127.0.0.1', 'http://127.0.0.1@evil.test/callback'],
  ['IPv4-mapped IPv6 loopback', 'http://[::ffff:7f00:1]:5/callback'],
  ['IPv4-mapped IPv6 dotted', 'http://[::ffff:127.0.0.1]:5/callback'],
  ['decimal IP', 'http://2130706433:5/callback'],
  ['other loopback address', 'http://127.0.0.2:5/callback'],
  ['https on loopback', 'https://127.0.0.1:5/callback'],
  ['other path on loopback', 'http://127.0.0.1:5/callback/evil'],
  ['port 0', 'http://127.0.0.1:0/callback'],
  ['port out of range', 'http://127.0.0.1:70000/callback'],
  ['empty port', 'http://127.0.0.1:/callback'],
  ['localhost look-alike', 'http://localhost.evil.test:5/callback'],
  ['trailing dot host', 'http://127.0.0.1.:5/callback'],
] as const;

describe('redirect-URI tampering is answered with an error page and never a redirect', () => {
  const srv = useServer();
  let agent: UserAgent;

  it.each(WEB_VARIANTS)(
    'tampered https://app.example/cb, %s (%s), is an error page with no Location',
    async (_label, uri) => {
      const { url } = authorizeUrl(srv(), { client_id: 'web-app', redirect_uri: uri });
      await expectErrorPage(await get(url));
      agent ??= await signedInAgent(srv());
      await expectErrorPage(await agent.request(url));
    },
  );

  it.each(LOOPBACK_VARIANTS)(
    'tampered http://127.0.0.1/callback, %s (%s), is an error page with no Location',
    async (_label, uri) => {
      const { url } = authorizeUrl(srv(), { client_id: 'native-app', redirect_uri: uri });
      await expectErrorPage(await get(url));
      agent ??= await signedInAgent(srv());
      await expectErrorPage(await agent.request(url));
    },
  );

  it('another client’s registered redirect URI is refused', async () => {
    const { url } = authorizeUrl(srv(), { client_id: 'native-app', redirect_uri: 'https://app.example/cb' });
    await expectErrorPage(await get(url));
  });

  it('a javascript:, data:, file: or vbscript: redirect_uri is an error page that does not echo it', async () => {
    for (const uri of [
      'javascript:alert(1)//',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'vbscript:x',
    ]) {
      const { url } = authorizeUrl(srv(), { client_id: 'web-app', redirect_uri: uri });
      const html = await expectErrorPage(await get(url));
      expect(html).not.toContain('<script>alert');
    }
  });

  it('the exact registered URI still works for the same signed-in user (control)', async () => {
    agent ??= await signedInAgent(srv());
    const response = await agent.request(
      authorizeUrl(srv(), { client_id: 'web-app', redirect_uri: 'https://app.example/cb' }).url,
    );
    // Consent is needed for this client, so the answer is the consent page, not an error.
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('name="decision"');
  });
});
