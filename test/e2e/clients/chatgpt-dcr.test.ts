import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * ChatGPT (connectors) through DCR: it asks for the resource's scopes plus `offline_access`
 * **without** `prompt=consent`, and expects a refresh token (logto-io/logto#9627); its redirect is
 * https://chatgpt.com/connector_platform_oauth_redirect. The redirect is observed in Chromium and goes
 * nowhere (chatgpt.com cannot be reached from a test).
 */

const REDIRECT = 'https://chatgpt.com/connector_platform_oauth_redirect';

describe('ChatGPT, dynamic client registration', () => {
  const stack = useClientStack();

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
    const { url } = await runCodeFlow(stack, as, {
      authorize: params,
      token: params,
      refresh: { client_id: client.client_id, resource: stack.resource },
    });
    expect(url.searchParams.has('prompt')).toBe(false);
  });
});
