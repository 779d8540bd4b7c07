import { describe, it } from 'vitest';
import {
  authorizeAndExchange,
  refreshAndCall,
  useClientStack,
  withCallbackListener,
} from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * Codex (OpenAI's CLI). Whatever lane it registers through, its refresh requests carry neither
 * `resource` nor `scope`, only grant_type, refresh_token and client_id (openai/codex#33403). The token
 * refreshed that way must still be bound to the resource of the original grant (RFC 8707 §2.2).
 */

describe('Codex', () => {
  const stack = useClientStack();

  it("Codex's refresh without resource or scope keeps working, and the refreshed token is accepted by the same resource", async () => {
    const { as, prm } = await discover(stack);
    await withCallbackListener(async (listener) => {
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
      const shapes = { authorize: params, token: params, refresh: { client_id: client.client_id } };
      const { tokens } = await authorizeAndExchange(stack, as, shapes);
      const refreshed = await refreshAndCall(stack, as, shapes, tokens.refresh_token);
      await refreshAndCall(stack, as, shapes, refreshed.refresh_token);
    });
  });
});
