import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * Cursor. Registers by DCR with three redirect URIs at once: its private-use scheme
 * cursor://anysphere.cursor-mcp/oauth/callback, https://www.cursor.com/agents/mcp/oauth/callback and
 * http://localhost:8787/callback (soflyy/agent-connector-for-wp#111; erp-mafia/accounted#2225), as a
 * public client, then authorizes with the cursor:// redirect. Chromium has no handler for cursor://;
 * the code is read from the redirect Gatehouse sent to the browser.
 */

const CURSOR_REDIRECT = 'cursor://anysphere.cursor-mcp/oauth/callback';

describe('Cursor', () => {
  const stack = useClientStack();

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
    const { redirect } = await runCodeFlow(stack, as, {
      authorize: params,
      token: params,
      refresh: { client_id: client.client_id, resource: stack.resource },
    });
    expect(redirect.protocol).toBe('cursor:');
  });
});
