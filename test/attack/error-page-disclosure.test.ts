import { describe, expect, it } from 'vitest';
import { dcrOptions, register } from '../helpers/dcr.js';
import { CONFIDENTIAL_SECRET } from '../helpers/fixtures.js';
import { authorizeUrl, expectErrorPage, get, query, signedInAgent, useServer } from '../helpers/oauth.js';

/**
 * What a stranger learns from authorization error pages (docs/security.md, "What an authorization
 * error page shows"). Anyone who knows a client_id can open /authorize with any redirect_uri; the page
 * names the refused address and what would be accepted, but never a preregistered or DCR client's
 * registered addresses on another site than the one the request named (loopback ones excepted: they
 * reach only the user's own machine), never the admin API's resource, and never unescaped input.
 */

const PARTNER = 'https://partner.example/oauth/cb';
const APP = 'https://app.example/cb';

describe('authorization error pages disclose no more than the registration already shows', () => {
  const srv = useServer(() => {
    const options = dcrOptions();
    options.clients = [
      ...(options.clients ?? []),
      {
        client_id: 'partner-app',
        client_name: 'Partner App',
        client_secret: CONFIDENTIAL_SECRET,
        redirect_uris: [APP, PARTNER, 'http://127.0.0.1/callback'],
      },
    ];
    return options;
  });

  const probes = [
    ['an attacker’s origin', 'https://attacker.example/cb'],
    ['a look-alike of a registered origin', 'https://partner.example.attacker.example/oauth/cb'],
    ['a custom scheme', 'com.attacker.app:/cb'],
    ['a loopback address', 'http://localhost:9999/cb'],
  ] as const;

  it.each(probes)('probing with %s lists no registered address on another site', async (_label, uri) => {
    for (const agent of [undefined, await signedInAgent(srv())]) {
      const url = authorizeUrl(srv(), { client_id: 'partner-app', redirect_uri: uri }).url;
      const html = await expectErrorPage(await (agent ? agent.request(url) : get(url)));
      expect(html).not.toContain('app.example/cb');
      expect(html).not.toContain('partner.example/oauth');
      expect(html).toContain('http://127.0.0.1/callback');
      expect(html).toContain('not listed here, because anyone can open this page');
    }
  });

  it('without redirect_uri, only the loopback address is listed', async () => {
    const html = await expectErrorPage(
      await get(authorizeUrl(srv(), { client_id: 'partner-app', redirect_uri: undefined }).url),
    );
    expect(html).not.toContain(APP);
    expect(html).not.toContain(PARTNER);
    expect(html).toContain('http://127.0.0.1/callback');
  });

  it('naming a registered origin reveals only the paths on that origin', async () => {
    const html = await expectErrorPage(
      await get(authorizeUrl(srv(), { client_id: 'partner-app', redirect_uri: 'https://app.example/x' }).url),
    );
    expect(html).toContain(APP);
    expect(html).not.toContain(PARTNER);
  });

  it('a DCR client’s https addresses stay hidden from a request on another origin', async () => {
    const registered = await register(srv().issuer, {
      client_name: 'Self-registered',
      redirect_uris: ['https://dcr-app.example/callback'],
      token_endpoint_auth_method: 'none',
    });
    expect(registered.status).toBe(201);
    const clientId = registered.body.client_id as string;
    const html = await expectErrorPage(
      await get(
        authorizeUrl(srv(), { client_id: clientId, redirect_uri: 'https://attacker.example/cb' }).url,
      ),
    );
    expect(html).not.toContain('dcr-app.example');
    expect(html).toContain('The registered addresses are not listed here');
  });

  it('the refused address is escaped and cut, never markup', async () => {
    const hostile = `https://attacker.example/"><script>alert(1)</script>${'a'.repeat(1000)}`;
    const html = await expectErrorPage(
      await get(authorizeUrl(srv(), { client_id: 'partner-app', redirect_uri: hostile }).url),
    );
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('a'.repeat(400));
  });

  it('an unknown client_id is echoed escaped, and nothing about other clients is listed', async () => {
    const html = await expectErrorPage(
      await get(authorizeUrl(srv(), { client_id: '<img src=x onerror=alert(1)>' }).url),
    );
    expect(html).not.toContain('<img src=x');
    for (const known of ['web-app', 'native-app', 'partner-app', 'machine'])
      expect(html).not.toContain(known);
  });

  it('the admin API resource is never named in an invalid_target, even when asked for', async () => {
    const agent = await signedInAgent(srv());
    const admin = `${srv().issuer}/admin`;
    for (const resource of [admin, `${admin}/`, 'https://unknown.example/']) {
      const response = await agent.request(authorizeUrl(srv(), { resource }).url);
      const error = query(response.headers.get('location')!);
      expect(error.error).toBe('invalid_target');
      const offered = error.error_description!.split('this client may request: ')[1]!;
      expect(offered).not.toContain('/admin');
    }
  });
});
