import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackServer } from '../../helpers/browser.js';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * GitHub Copilot CLI. Over DCR it registers without `scope` and authorizes without one
 * (dozigden/boardoil#11; sassoftware/sas-mcp-server#58); its CIMD document lists loopback redirects
 * with fixed ports, but the authorization request carries whatever port its listener got
 * (github/copilot-cli#4901), which RFC 8252 §7.3 lets a loopback redirect do. The CIMD document is
 * served with that shape at https://localhost:PORT/… (test CA).
 */

useChromium();

describe('GitHub Copilot CLI', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

  it('Copilot CLI registering by DCR without scope completes sign-in, token and refresh without ever sending scope', async () => {
    const { as } = await discover(stack);
    const listener = await startCallbackServer();
    try {
      const client = await register(as, {
        client_name: 'GitHub Copilot CLI',
        redirect_uris: [listener.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
      expect(client.client_id).toBeTruthy();
      const params = {
        client_id: client.client_id,
        redirect_uri: listener.redirectUri,
        resource: stack.resource,
      };
      const { code, verifier } = await authorizeInBrowser(
        as.authorization_endpoint,
        params,
        stack.user,
        stack.issuer,
      );
      const tokens = expectTokens(
        await tokenRequest(as, {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          ...params,
        }),
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
    } finally {
      await listener.close();
    }
  });

  it("Copilot CLI's CIMD document with fixed loopback ports completes sign-in on the dynamic port it actually listens on", async () => {
    const { as } = await discover(stack);
    const path = '/copilot-cli/oauth-client.json';
    const clientId = stack.host.publish(path, {
      client_id: `${stack.host.origin}${path}`,
      client_name: 'GitHub Copilot CLI',
      redirect_uris: ['http://127.0.0.1:8080/callback', 'http://localhost:8080/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const listener = await startCallbackServer();
    try {
      const params = { client_id: clientId, redirect_uri: listener.redirectUri, resource: stack.resource };
      const { code, verifier } = await authorizeInBrowser(
        as.authorization_endpoint,
        params,
        stack.user,
        stack.issuer,
      );
      const tokens = expectTokens(
        await tokenRequest(as, {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          ...params,
        }),
      );
      await callResource(stack, tokens.access_token, clientId);
      const refreshed = expectTokens(
        await tokenRequest(as, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          client_id: clientId,
        }),
      );
      await callResource(stack, refreshed.access_token, clientId);
    } finally {
      await listener.close();
    }
  });
});
