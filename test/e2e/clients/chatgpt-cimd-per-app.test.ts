import { describe, expect, it } from 'vitest';
import { authorizeAndExchange, refreshAndCall, useClientStack } from './support/flow.js';
import { callResource, clientAssertion, clientKey, discover, tokenRequest } from './support/oauth.js';

/**
 * ChatGPT (connectors), per-app CIMD. Its client_id is a URL like
 * https://chatgpt.com/oauth/<id>/client.json whose document declares
 * `token_endpoint_auth_method: "private_key_jwt"`, `token_endpoint_auth_signing_alg: "RS256"` and a
 * `jwks_uri` on chatgpt.com, with a redirect on chatgpt.com (`/connector/oauth/<id>`)
 * (Altinity/altinity-mcp#118, cloudflare/workers-oauth-provider#293, engram #1633/#1637,
 * django-oauth-toolkit #1845). At /token it authenticates with an RFC 7523 §2.2 client assertion.
 * chatgpt.com cannot be reached from a test: the document and the JWKS are served with the same shape
 * at https://localhost:PORT/oauth/… (test CA); the redirect to https://chatgpt.com/… is observed in
 * Chromium and goes nowhere.
 */

describe('ChatGPT, per-app CIMD document', () => {
  const stack = useClientStack();

  it("ChatGPT's per-app CIMD document with private_key_jwt and a jwks_uri completes sign-in, token and refresh", async () => {
    const { as } = await discover(stack);
    expect(as.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(as.token_endpoint_auth_signing_alg_values_supported).toContain('RS256');
    const key = await clientKey();
    const jwksUri = stack.host.publish('/oauth/jwks.json', { keys: [key.jwk] });
    const path = '/oauth/tU1UVEq8rRTK/client.json';
    const redirectUri = 'https://chatgpt.com/connector/oauth/tU1UVEq8rRTK';
    const clientId = stack.host.publish(path, {
      client_id: `${stack.host.origin}${path}`,
      client_uri: 'https://chatgpt.com/',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'ChatGPT',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks_uri: jwksUri,
    });
    const params = { client_id: clientId, redirect_uri: redirectUri, resource: stack.resource };
    const shapes = {
      authorize: params,
      token: async () => ({ ...params, ...(await clientAssertion(key, clientId, as.token_endpoint)) }),
      refresh: async () => ({
        client_id: clientId,
        resource: stack.resource,
        ...(await clientAssertion(key, clientId, as.token_endpoint)),
      }),
    };
    const { tokens } = await authorizeAndExchange(stack, as, shapes);
    await callResource(stack, tokens.access_token, clientId);
    expect(stack.host.count('/oauth/jwks.json')).toBeGreaterThan(0);
    const refreshed = await refreshAndCall(stack, as, shapes, tokens.refresh_token);
    // Without its assertion the same client is refused: the key, not the URL, authenticates it.
    const bare = await tokenRequest(as, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.refresh_token,
      client_id: clientId,
    });
    expect(bare.status).toBe(401);
    expect(bare.body.error).toBe('invalid_client');
  });
});
