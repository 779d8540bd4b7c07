import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * ChatGPT (connectors) through DCR: it asks for the resource's scopes plus `offline_access`
 * **without** `prompt=consent`, and expects a refresh token (logto-io/logto#9627); its redirect is
 * https://chatgpt.com/connector_platform_oauth_redirect. The redirect is observed in Chromium and goes
 * nowhere (chatgpt.com cannot be reached from a test).
 */

useChromium();

const REDIRECT = 'https://chatgpt.com/connector_platform_oauth_redirect';

describe('ChatGPT, dynamic client registration', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

  it('ChatGPT registered by DCR and asking for offline_access without prompt=consent gets a refresh token, and refreshes', async () => {
    const { as, prm } = await discover(stack);
    expect(as.scopes_supported).toContain('offline_access');
    const client = await register(as, {
      client_name: 'ChatGPT',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const params = {
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      scope: [...prm.scopes_supported, 'offline_access'].join(' '),
      resource: stack.resource,
    };
    const { code, verifier, url } = await authorizeInBrowser(
      as.authorization_endpoint,
      params,
      stack.user,
      stack.issuer,
    );
    expect(url.searchParams.has('prompt')).toBe(false);
    const tokens = expectTokens(
      await tokenRequest(as, { grant_type: 'authorization_code', code, code_verifier: verifier, ...params }),
    );
    await callResource(stack, tokens.access_token, client.client_id);
    const refreshed = expectTokens(
      await tokenRequest(as, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: client.client_id,
        resource: stack.resource,
      }),
    );
    await callResource(stack, refreshed.access_token, client.client_id);
  });
});
