import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack, withCallbackListener } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * Gemini CLI. On the resource side it compares the protected-resource metadata's `resource` with the
 * URL it was configured with, byte for byte, and gives up on a mismatch (stripe/ai#341; RFC 9728 §3.3
 * requires the match). It then registers by DCR with a loopback `/oauth/callback` redirect and asks
 * for the scopes the metadata lists.
 */

describe('Gemini CLI', () => {
  const stack = useClientStack();

  it("Gemini CLI finds the protected-resource metadata's resource byte-identical to the configured URL, then completes sign-in, token and refresh", async () => {
    const { as, prm } = await discover(stack);
    expect(prm.resource).toBe(stack.resource);
    expect(prm.authorization_servers).toEqual([stack.issuer]);
    await withCallbackListener(async (listener) => {
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
      await runCodeFlow(stack, as, {
        authorize: params,
        token: params,
        refresh: { client_id: client.client_id, resource: stack.resource },
      });
    });
  });
});
