import { describe, expect, it } from 'vitest';
import { isAllowedAddress, isPublicAddress } from '../../src/lanes/cimd/address.js';
import { freshnessLifetime } from '../../src/lanes/cimd/cache.js';
import { validateDocument } from '../../src/lanes/cimd/document.js';
import { checkClientIdUrl } from '../../src/lanes/cimd/url.js';

const strict = { allowLoopback: false };

describe('CIMD client_id URL rules (checked before any fetch)', () => {
  it.each([
    'https://app.example.com/oauth/client.json',
    'https://app.example.com/c',
    'https://app.example.com:8443/c.json',
    'https://sub.app.example.co.uk/a/b/c',
  ])('accepts %s', (url) => {
    expect(checkClientIdUrl(url, strict).ok).toBe(true);
  });

  it.each([
    ['http://app.example.com/c.json', /https/],
    ['HTTPS://app.example.com/c.json', /https/],
    ['https://app.example.com/', /path/],
    ['https://app.example.com', /path/],
    ['https://app.example.com/c.json#frag', /fragment/],
    ['https://app.example.com/c.json?x=1', /query/],
    ['https://user:pass@app.example.com/c.json', /user name/],
    ['https://app.example.com@evil.test/c.json', /user name/],
    ['https://app.example.com/a/../c.json', /segments/],
    ['https://app.example.com/a/./c.json', /segments/],
    ['https://app.example.com/a/%2e%2e/c.json', /segments/],
    ['https://app.example.com/a/%2E/c.json', /segments/],
    ['https://app.example.com/a%2fb/c.json', /encoded slashes/],
    ['https://app.example.com:443/c.json', /default port/],
    ['https://App.Example.com/c.json', /canonical|lower case/],
    ['https://127.0.0.1/c.json', /IP address/],
    ['https://2130706433/c.json', /canonical|IP address/],
    ['https://0x7f.1/c.json', /canonical|IP address/],
    ['https://0177.0.0.1/c.json', /canonical|IP address/],
    ['https://[::ffff:127.0.0.1]/c.json', /canonical|IP address/],
    ['https://[::1]/c.json', /canonical|IP address/],
    ['https://localhost/c.json', /local|host name/],
    ['https://metadata.internal/c.json', /local/],
    ['https://intranet/c.json', /host name/],
    [`https://app.example.com/${'a'.repeat(2100)}`, /longer/],
    ['https://app.example.com/c .json', /spaces/],
  ])('refuses %s', (url, reason) => {
    const result = checkClientIdUrl(url, strict);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('accepts localhost and 127.0.0.1 only when loopback is allowed (development)', () => {
    expect(checkClientIdUrl('https://localhost:8443/c.json', { allowLoopback: true }).ok).toBe(true);
    expect(checkClientIdUrl('https://127.0.0.1:8443/c.json', { allowLoopback: true }).ok).toBe(true);
    expect(checkClientIdUrl('https://10.0.0.1/c.json', { allowLoopback: true }).ok).toBe(false);
  });

  it('gives internationalised hosts in punycode', () => {
    const result = checkClientIdUrl('https://аpp.example/c.json', strict);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.hostname).toMatch(/^xn--/);
  });
});

describe('addresses the fetcher may connect to', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b::808:808',
    '2002:7f00:1::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    'ff02::1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
    expect(isAllowedAddress(address, false)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'accepts the public address %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it('allows loopback, and only loopback, when allowLoopback is on', () => {
    expect(isAllowedAddress('127.0.0.1', true)).toBe(true);
    expect(isAllowedAddress('::1', true)).toBe(true);
    expect(isAllowedAddress('10.0.0.1', true)).toBe(false);
    expect(isAllowedAddress('169.254.169.254', true)).toBe(false);
  });
});

const ID = 'https://app.example.com/client.json';
const doc = (extra: Record<string, unknown> = {}) => ({
  client_id: ID,
  client_name: 'App',
  redirect_uris: ['https://app.example.com/cb'],
  ...extra,
});

describe('client metadata document validation', () => {
  it('accepts a minimal document and defaults to a public client', () => {
    const result = validateDocument(ID, doc());
    expect(result).toMatchObject({
      ok: true,
      metadata: { token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] },
    });
  });

  it.each([
    ['client_id with a different case', { client_id: 'https://APP.example.com/client.json' }, /client_id/],
    ['client_id with a trailing slash', { client_id: `${ID}/` }, /client_id/],
    [
      'client_id with an explicit port',
      { client_id: 'https://app.example.com:443/client.json' },
      /client_id/,
    ],
    ['no client_name', { client_name: undefined }, /client_name/],
    ['no redirect_uris', { redirect_uris: [] }, /redirect_uris/],
    ['an http redirect URI', { redirect_uris: ['http://app.example.com/cb'] }, /https/],
    ['a client_secret', { client_secret: 's3cret' }, /client_secret/],
    ['client_secret_basic', { token_endpoint_auth_method: 'client_secret_basic' }, /shared secret/],
    ['client_secret_post', { token_endpoint_auth_method: 'client_secret_post' }, /shared secret/],
    ['jwks and jwks_uri', { jwks: { keys: [] }, jwks_uri: 'https://app.example.com/jwks' }, /jwks/],
    [
      'a private JWK',
      { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] } },
      /private key/,
    ],
    ['no authorization_code grant', { grant_types: ['client_credentials'] }, /authorization_code/],
  ])('refuses a document with %s', (_name, extra, reason) => {
    const result = validateDocument(ID, { ...doc(), ...extra });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("accepts a ChatGPT-shaped document (several auth-method choices are extra members; 'none' declared)", () => {
    const result = validateDocument(ID, {
      ...doc(),
      token_endpoint_auth_method: 'none',
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid email',
    });
    expect(result.ok).toBe(true);
  });

  it('accepts a Claude-shaped document with grant types this server does not use', () => {
    const result = validateDocument(ID, {
      ...doc(),
      grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      application_type: 'web',
      client_uri: 'https://app.example.com',
      logo_uri: 'https://app.example.com/logo.png',
    });
    expect(result).toMatchObject({
      ok: true,
      metadata: { grant_types: ['authorization_code', 'refresh_token'] },
    });
  });

  it('accepts a Claude Code-shaped document: http://localhost/callback used with any port', () => {
    const result = validateDocument(ID, {
      ...doc(),
      redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
      application_type: 'native',
    });
    expect(result).toMatchObject({ ok: true, metadata: { application_type: 'native' } });
  });
});

describe('CIMD cache lifetime from HTTP headers (clamped to 30 s – 24 h)', () => {
  const policy = { minTtlMs: 30_000, maxTtlMs: 86_400_000, defaultTtlMs: 300_000 };
  const now = Date.parse('2026-11-22T00:00:00Z');
  const ttl = (headers: Record<string, string>) => freshnessLifetime(new Headers(headers), now, policy);

  it('uses max-age, clamped', () => {
    expect(ttl({ 'cache-control': 'max-age=600' })).toBe(600_000);
    expect(ttl({ 'cache-control': 'public, max-age=315360000' })).toBe(86_400_000);
    expect(ttl({ 'cache-control': 'max-age=1' })).toBe(30_000);
  });
  it('treats no-store, no-cache and max-age=0 as the minimum', () => {
    expect(ttl({ 'cache-control': 'no-store' })).toBe(30_000);
    expect(ttl({ 'cache-control': 'no-cache, max-age=600' })).toBe(30_000);
    expect(ttl({ 'cache-control': 'max-age=0' })).toBe(30_000);
  });
  it('uses Expires against Date', () => {
    expect(ttl({ date: 'Sun, 22 Nov 2026 00:00:00 GMT', expires: 'Sun, 22 Nov 2026 01:00:00 GMT' })).toBe(
      3_600_000,
    );
    expect(ttl({ expires: 'garbage' })).toBe(30_000);
  });
  it('falls back to the default without caching headers', () => {
    expect(ttl({})).toBe(300_000);
  });
});
