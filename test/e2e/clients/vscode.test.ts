import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackServer } from '../../helpers/browser.js';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * VS Code (GitHub Copilot Chat's MCP client). DCR registers https://insiders.vscode.dev/redirect,
 * https://vscode.dev/redirect, http://127.0.0.1/ and http://127.0.0.1:33418/; when port 33418 is busy
 * it authorizes with a random loopback port instead, asking for the resource's scopes
 * (microsoft/vscode#278512; contextstream/mcp-server#57). The random port is a real loopback listener.
 */

useChromium();

describe('VS Code', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

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
    const listener = await startCallbackServer();
    try {
      const redirectUri = `${listener.origin}/`;
      expect(redirectUri).not.toContain(':33418');
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
      expect(listener.hits.some((hit) => hit.searchParams.get('code') === code)).toBe(true);
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
