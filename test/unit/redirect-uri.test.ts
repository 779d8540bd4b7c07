import { describe, expect, it } from 'vitest';
import {
  checkRedirectUri,
  isLoopbackRedirectUri,
  matchRedirectUri,
  stripLoopbackPort,
} from '../../src/lanes/redirect-uri.js';

/**
 * Redirect-URI rules (OAuth 2.1 §2.3, §4.1.1, §8.4.2; RFC 8252 §7.3; RFC 9700 §4.1.3): exact string
 * matching, except that a loopback redirect may use any port.
 */

const WEB = ['https://app.example/cb', 'https://app.example/cb?x=1'];
const LOOPBACK = ['http://127.0.0.1/callback', 'http://[::1]/callback', 'http://localhost/callback'];

describe('stripLoopbackPort / isLoopbackRedirectUri', () => {
  it('removes the port of http loopback URIs (127.0.0.1, [::1], localhost)', () => {
    expect(stripLoopbackPort('http://127.0.0.1:8080/cb')).toBe('http://127.0.0.1/cb');
    expect(stripLoopbackPort('http://[::1]:8080/cb?a=1')).toBe('http://[::1]/cb?a=1');
    expect(stripLoopbackPort('http://localhost:1/cb')).toBe('http://localhost/cb');
    expect(stripLoopbackPort('http://127.0.0.1/cb')).toBe('http://127.0.0.1/cb');
    expect(stripLoopbackPort('http://127.0.0.1:65535')).toBe('http://127.0.0.1');
  });

  it('is undefined for anything that is not loopback http with a valid port', () => {
    for (const uri of [
      'https://127.0.0.1:8080/cb',
      'http://127.0.0.2:8080/cb',
      'http://127.0.0.1.evil.test:8080/cb',
      'http://localhost.evil.test/cb',
      'http://localhost@evil.test/cb',
      'http://[::ffff:7f00:1]:5/cb',
      'http://127.0.0.1:0/cb',
      'http://127.0.0.1:65536/cb',
      'http://127.0.0.1:123456/cb',
      'http://127.0.0.1:/cb',
      'http://127.0.0.1:80/cb#frag',
      'HTTP://127.0.0.1/cb',
    ]) {
      expect(stripLoopbackPort(uri), uri).toBeUndefined();
      expect(isLoopbackRedirectUri(uri), uri).toBe(false);
    }
  });
});

describe('matchRedirectUri', () => {
  it('matches a registered URI exactly', () => {
    expect(matchRedirectUri(WEB, 'https://app.example/cb')).toBe('https://app.example/cb');
    expect(matchRedirectUri(WEB, 'https://app.example/cb?x=1')).toBe('https://app.example/cb?x=1');
  });

  it('refuses every non-identical variant of a non-loopback URI', () => {
    for (const uri of [
      'https://app.example/cb/',
      'https://app.example/CB',
      'https://APP.EXAMPLE/cb',
      'HTTPS://app.example/cb',
      'https://app.example%2Fcb',
      'https://app.example/cb?x=1&y=2',
      'https://app.example/cb?x=2',
      'https://app.example:443/cb',
      'http://app.example/cb',
      'https://app.example/cb/../cb',
      'https://app.example@evil.test/cb',
      'https://app.example/cb#',
      ' https://app.example/cb',
      'https://app.example/cb ',
    ]) {
      expect(matchRedirectUri(WEB, uri), uri).toBeUndefined();
    }
  });

  it('matches a loopback URI on any port, for each loopback host', () => {
    for (const registered of LOOPBACK) {
      const host = new URL(registered).host;
      for (const port of [1, 8080, 49152, 65535]) {
        expect(matchRedirectUri([registered], `http://${host}:${port}/callback`), `${host}:${port}`).toBe(
          registered,
        );
      }
    }
  });

  it('also ignores the port of a loopback URI registered with one', () => {
    expect(matchRedirectUri(['http://127.0.0.1:3000/cb'], 'http://127.0.0.1:4000/cb')).toBe(
      'http://127.0.0.1:3000/cb',
    );
  });

  it('still needs the same loopback host, path and query', () => {
    const registered = ['http://127.0.0.1/cb?a=1'];
    expect(matchRedirectUri(registered, 'http://127.0.0.1:5/cb?a=1')).toBeDefined();
    for (const uri of [
      'http://127.0.0.1:5/cb?a=2',
      'http://127.0.0.1:5/cb',
      'http://127.0.0.1:5/cb2?a=1',
      'http://localhost:5/cb?a=1',
      'http://[::1]:5/cb?a=1',
    ]) {
      expect(matchRedirectUri(registered, uri), uri).toBeUndefined();
    }
  });

  it('never extends the port exception to non-loopback hosts', () => {
    expect(matchRedirectUri(['https://app.example/cb'], 'https://app.example:8443/cb')).toBeUndefined();
    expect(matchRedirectUri(['http://192.168.1.1/cb'], 'http://192.168.1.1:8080/cb')).toBeUndefined();
  });

  it('matches nothing against an empty registration', () => {
    expect(matchRedirectUri([], 'http://127.0.0.1:5/cb')).toBeUndefined();
  });
});

describe('checkRedirectUri (registration rules)', () => {
  const strict = { allowCustomSchemes: false };
  const native = { allowCustomSchemes: true };

  it('accepts https URIs and loopback http URIs', () => {
    for (const uri of [
      'https://app.example/cb',
      'https://app.example/cb?x=1',
      ...LOOPBACK,
      'http://127.0.0.1:8080/cb',
    ]) {
      expect(checkRedirectUri(uri, strict), uri).toBeUndefined();
    }
  });

  it('refuses http on non-loopback hosts', () => {
    expect(checkRedirectUri('http://app.example/cb', strict)).toMatch(/https/);
    expect(checkRedirectUri('http://127.0.0.1.evil.test/cb', strict)).toMatch(/https/);
  });

  it('refuses fragments, relative URIs, empty and overlong values', () => {
    expect(checkRedirectUri('https://app.example/cb#x', strict)).toMatch(/fragment/);
    expect(checkRedirectUri('/cb', strict)).toMatch(/absolute/);
    expect(checkRedirectUri('', strict)).toMatch(/empty/);
    expect(checkRedirectUri(`https://app.example/${'a'.repeat(2000)}`, strict)).toMatch(/longer/);
  });

  it('refuses javascript:, data:, file: and vbscript: even when custom schemes are allowed', () => {
    for (const uri of ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'vbscript:x']) {
      expect(checkRedirectUri(uri, native), uri).toMatch(/scheme/);
    }
  });

  it('refuses userinfo, whitespace, control characters and an upper-case scheme', () => {
    expect(checkRedirectUri('https://user@app.example/cb', strict)).toMatch(/userinfo/);
    expect(checkRedirectUri('https://app.example/c b', strict)).toBeDefined();
    expect(checkRedirectUri('https://app.example/cb\r\n', strict)).toBeDefined();
    expect(checkRedirectUri('https://app.example/<cb>', strict)).toBeDefined();
    expect(checkRedirectUri('HTTPS://app.example/cb', strict)).toMatch(/lower-case/);
  });

  it('allows private-use schemes only in reverse-DNS form, and only when enabled', () => {
    expect(checkRedirectUri('com.example.app:/cb', native)).toBeUndefined();
    expect(checkRedirectUri('myapp:/cb', native)).toMatch(/reverse-DNS/);
    expect(checkRedirectUri('com.example.app:/cb', strict)).toBeDefined();
  });
});
