import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack, withCallbackListener } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * VS Code (GitHub Copilot Chat's MCP client). DCR registers https://insiders.vscode.dev/redirect,
 * https://vscode.dev/redirect, http://127.0.0.1/ and http://127.0.0.1:33418/; when port 33418 is busy
 * it authorizes with a random loopback port instead, asking for the resource's scopes
 * (microsoft/vscode#278512; contextstream/mcp-server#57). The random port is a real loopback listener.
 */

describe('VS Code', () => {
  const stack = useClientStack();

  it("VS Code's registration with vscode.dev and 127.0.0.1:33418 redirects completes sign-in on a random loopback port, then token and refresh", async () => {
    const { as, prm } = await discover(stack);
    const client = await register(as, {
      client_name: 'Visual Studio Code',
      redirect_uris: [
        'https://insiders.vscode.dev/redirect',
        'https://vscode.dev/redirect',
        'http://127.0.0.1/',
        'http://127.0.0.1:33418/',
      ],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    await withCallbackListener(async (listener) => {
      const redirectUri = `${listener.origin}/`;
      expect(redirectUri).not.toContain(':33418');
      const params = {
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope: prm.scopes_supported.join(' '),
        resource: stack.resource,
      };
      const { code } = await runCodeFlow(stack, as, {
        authorize: params,
        token: params,
        refresh: { client_id: client.client_id, resource: stack.resource },
      });
      expect(listener.hits.some((hit) => hit.searchParams.get('code') === code)).toBe(true);
    });
  });
});
