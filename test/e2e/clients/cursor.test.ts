import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * Cursor. Registers by DCR with three redirect URIs at once: its private-use scheme
 * cursor://anysphere.cursor-mcp/oauth/callback, https://www.cursor.com/agents/mcp/oauth/callback and
 * http://localhost:8787/callback (soflyy/agent-connector-for-wp#111; erp-mafia/accounted#2225), as a
 * public client, then authorizes with the cursor:// redirect. Chromium has no handler for cursor://;
 * the code is read from the redirect Gatehouse sent to the browser.
 */

useChromium();

const CURSOR_REDIRECT = 'cursor://anysphere.cursor-mcp/oauth/callback';

describe('Cursor', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

  it("Cursor's registration with cursor://, https and loopback redirect URIs together succeeds, and sign-in, token and refresh complete through the cursor:// redirect", async () => {
    const { as } = await discover(stack);
    const client = await register(as, {
      client_name: 'Cursor',
      redirect_uris: [
        CURSOR_REDIRECT,
        'https://www.cursor.com/agents/mcp/oauth/callback',
        'http://localhost:8787/callback',
      ],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    expect(client.redirect_uris).toContain(CURSOR_REDIRECT);
    const params = { client_id: client.client_id, redirect_uri: CURSOR_REDIRECT, resource: stack.resource };
    const { code, verifier, redirect } = await authorizeInBrowser(
      as.authorization_endpoint,
      params,
      stack.user,
      stack.issuer,
    );
    expect(redirect.protocol).toBe('cursor:');
    const tokens = expectTokens(
      await tokenRequest(as, { grant_type: 'authorization_code', code, code_verifier: verifier, ...params }),
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
  });
});
