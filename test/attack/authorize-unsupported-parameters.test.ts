import { describe, expect, it } from 'vitest';
import { authorize, get, query, useServer } from '../helpers/oauth.js';

/**
 * Authorization request parameters that change what the client asked for must be honoured or refused,
 * never silently ignored: a request object (OIDC Core §6.1, §6.2) whose contents would be dropped, and
 * `max_age` (OIDC Core §3.1.2.1), which asks for a recent sign-in.
 */
const srv = useServer();

describe('request objects are refused, not ignored (OIDC Core §6.1, §6.2)', () => {
  it('a request parameter is redirected as request_not_supported, with state and iss', async () => {
    const result = await authorize(srv(), {
      request: 'eyJhbGciOiJub25lIn0.eyJzY29wZSI6InRvZG9zLndyaXRlIn0.',
    });
    const answer = query(result.location);
    expect(answer.error).toBe('request_not_supported');
    expect(answer.code).toBeUndefined();
    expect(answer.state).toBe(result.state);
    expect(answer.iss).toBe(srv().issuer);
  });

  it('a request_uri parameter is redirected as request_uri_not_supported', async () => {
    const result = await authorize(srv(), { request_uri: 'urn:ietf:params:oauth:request_uri:abc' });
    expect(query(result.location).error).toBe('request_uri_not_supported');
    expect(query(result.location).code).toBeUndefined();
  });

  it('the metadata says neither is supported (OIDC Discovery §3: request_uri_parameter_supported defaults to true)', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const metadata = (await (await get(`${srv().origin}${path}`)).json()) as Record<string, unknown>;
      expect(metadata.request_parameter_supported).toBe(false);
      expect(metadata.request_uri_parameter_supported).toBe(false);
    }
  });
});

describe('max_age asks for a recent sign-in (OIDC Core §3.1.2.1)', () => {
  it('a user who signed in longer ago than max_age signs in again before a code is issued', async () => {
    const first = await authorize(srv());
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await authorize(srv(), { max_age: '1' }, { agent: first.agent });
    expect(again.pages.some((p) => p.includes('name="password"'))).toBe(true);
    expect(again.code).toBeTruthy();
  });

  it('within max_age the session is used as it is', async () => {
    const first = await authorize(srv());
    const again = await authorize(srv(), { max_age: '3600' }, { agent: first.agent });
    expect(again.pages.some((p) => p.includes('name="password"'))).toBe(false);
    expect(again.code).toBeTruthy();
  });

  it('with prompt=none past max_age the answer is login_required, not a code', async () => {
    const first = await authorize(srv());
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await authorize(srv(), { max_age: '1', prompt: 'none' }, { agent: first.agent });
    expect(query(again.location).error).toBe('login_required');
  });

  it('a max_age that is not a number of seconds is redirected as invalid_request', async () => {
    for (const max_age of ['abc', '-1', '1.5']) {
      const result = await authorize(srv(), { max_age });
      expect(query(result.location).error).toBe('invalid_request');
    }
  });
});
