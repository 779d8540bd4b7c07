import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack, withCallbackListener } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * GitHub Copilot CLI. Over DCR it registers without `scope` and authorizes without one
 * (dozigden/boardoil#11; sassoftware/sas-mcp-server#58); its CIMD document lists loopback redirects
 * with fixed ports, but the authorization request carries whatever port its listener got
 * (github/copilot-cli#4901), which RFC 8252 §7.3 lets a loopback redirect do. The CIMD document is
 * served with that shape at https://localhost:PORT/… (test CA).
 */

describe('GitHub Copilot CLI', () => {
  const stack = useClientStack();

  it('Copilot CLI registering by DCR without scope completes sign-in, token and refresh without ever sending scope', async () => {
    const { as } = await discover(stack);
    await withCallbackListener(async (listener) => {
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
      await runCodeFlow(stack, as, {
        authorize: params,
        token: params,
        refresh: { client_id: client.client_id, resource: stack.resource },
      });
    });
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
    await withCallbackListener(async (listener) => {
      const params = { client_id: clientId, redirect_uri: listener.redirectUri, resource: stack.resource };
      await runCodeFlow(stack, as, { authorize: params, token: params, refresh: { client_id: clientId } });
    });
  });
});
