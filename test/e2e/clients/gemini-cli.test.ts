import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackServer } from '../../helpers/browser.js';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * Gemini CLI. On the resource side it compares the protected-resource metadata's `resource` with the
 * URL it was configured with, byte for byte, and gives up on a mismatch (stripe/ai#341; RFC 9728 §3.3
 * requires the match). It then registers by DCR with a loopback `/oauth/callback` redirect and asks
 * for the scopes the metadata lists.
 */

useChromium();

describe('Gemini CLI', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

  it("Gemini CLI finds the protected-resource metadata's resource byte-identical to the configured URL, then completes sign-in, token and refresh", async () => {
    const { as, prm } = await discover(stack);
    expect(prm.resource).toBe(stack.resource);
    expect(prm.authorization_servers).toEqual([stack.issuer]);
    const listener = await startCallbackServer();
    try {
      const redirectUri = `${listener.origin}/oauth/callback`;
      const client = await register(as, {
        client_name: 'Gemini CLI MCP Client',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        scope: prm.scopes_supported.join(' '),
      });
      const params = {
        client_id: client.client_id,
        redirect_uri: redirectUri,
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
});
