import { afterAll, beforeAll, describe, it } from 'vitest';
import { startCallbackServer } from '../../helpers/browser.js';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * Codex (OpenAI's CLI). Whatever lane it registers through, its refresh requests carry neither
 * `resource` nor `scope`, only grant_type, refresh_token and client_id (openai/codex#33403). The token
 * refreshed that way must still be bound to the resource of the original grant (RFC 8707 §2.2).
 */

useChromium();

describe('Codex', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

  it("Codex's refresh without resource or scope keeps working, and the refreshed token is accepted by the same resource", async () => {
    const { as, prm } = await discover(stack);
    const listener = await startCallbackServer();
    try {
      const client = await register(as, {
        client_name: 'Codex',
        redirect_uris: [listener.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
      const params = {
        client_id: client.client_id,
        redirect_uri: listener.redirectUri,
        scope: prm.scopes_supported.join(' '),
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
      const refreshed = expectTokens(
        await tokenRequest(as, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          client_id: client.client_id,
        }),
      );
      await callResource(stack, refreshed.access_token, client.client_id);
      const again = expectTokens(
        await tokenRequest(as, {
          grant_type: 'refresh_token',
          refresh_token: refreshed.refresh_token,
          client_id: client.client_id,
        }),
      );
      await callResource(stack, again.access_token, client.client_id);
    } finally {
      await listener.close();
    }
  });
});
