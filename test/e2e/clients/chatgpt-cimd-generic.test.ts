import { describe, expect, it } from 'vitest';
import { refreshAndCall, runCodeFlow, useClientStack } from './support/flow.js';
import { clientAssertion, clientKey, discover, tokenRequest } from './support/oauth.js';

/**
 * ChatGPT (connectors), generic CIMD document (https://chatgpt.com/oauth/client.json): it prefers
 * `token_endpoint_auth_method: "private_key_jwt"` but lists both methods in
 * `token_endpoint_auth_methods_supported: ["none", "private_key_jwt"]`
 * (cloudflare/workers-oauth-provider 0.10.2 changelog and #254; gamedevpl/www.gamedev.pl#641), redirects
 * to https://chatgpt.com/connector_platform_oauth_redirect and asks for `offline_access` without
 * `prompt=consent` (logto-io/logto#9627). It authenticates with the strongest method it holds, a
 * private_key_jwt assertion; Gatehouse's rule for a document that also offers `none` is in docs/cimd.md.
 * chatgpt.com cannot be reached from a test: the document and JWKS are
 * served with the same shape at https://localhost:PORT/oauth/… (test CA).
 */

const REDIRECT = 'https://chatgpt.com/connector_platform_oauth_redirect';

describe('ChatGPT, generic CIMD document', () => {
  const stack = useClientStack();

  it("ChatGPT's generic CIMD document listing none and private_key_jwt completes sign-in with offline_access, then token and refresh with a client assertion", async () => {
    const { as, prm } = await discover(stack);
    expect(as.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['none', 'private_key_jwt']),
    );
    const key = await clientKey();
    const jwksUri = stack.host.publish('/oauth/jwks.json', { keys: [key.jwk] });
    const clientId = stack.host.publish('/oauth/client.json', {
      client_id: `${stack.host.origin}/oauth/client.json`,
      client_name: 'ChatGPT',
      client_uri: 'https://chatgpt.com/',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      token_endpoint_auth_signing_alg: 'RS256',
      jwks_uri: jwksUri,
    });
    const params = {
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope: [...prm.scopes_supported, 'offline_access'].join(' '),
      resource: stack.resource,
    };
    const { refreshed } = await runCodeFlow(stack, as, {
      authorize: params,
      token: async () => ({
        client_id: clientId,
        redirect_uri: REDIRECT,
        resource: stack.resource,
        ...(await clientAssertion(key, clientId, as.token_endpoint)),
      }),
      refresh: async () => ({
        client_id: clientId,
        resource: stack.resource,
        ...(await clientAssertion(key, clientId, as.token_endpoint)),
      }),
    });
    // docs/cimd.md "Documents that offer several methods": an assertion presented is checked and a bad
    // one refused, never retried as a public client. Without one the document's `none` applies to a new
    // authorization, but not to refreshing this grant: it was created with the key, so its refresh
    // token alone is not enough (401 invalid_client), and nothing is revoked.
    const stranger = await clientKey();
    const forged = await tokenRequest(as, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.refresh_token,
      client_id: clientId,
      ...(await clientAssertion(stranger, clientId, as.token_endpoint)),
    });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe('invalid_client');
    const publicRefresh = await tokenRequest(as, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.refresh_token,
      client_id: clientId,
    });
    expect(publicRefresh.status).toBe(401);
    expect(publicRefresh.body.error).toBe('invalid_client');
    await refreshAndCall(
      stack,
      as,
      {
        authorize: params,
        refresh: async () => ({
          client_id: clientId,
          ...(await clientAssertion(key, clientId, as.token_endpoint)),
        }),
      },
      refreshed.refresh_token,
    );
  });
});
