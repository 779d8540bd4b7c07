import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * MCP Inspector 2.x, web UI. It registers by DCR with the redirect `{origin}/oauth/callback` of the
 * page it runs on (http://localhost:6274/oauth/callback by default) and calls the token endpoint from
 * that browser origin, so the answers need CORS (MCP Inspector 2.12, the UI's route). The Inspector's
 * CLI (`http://127.0.0.1:6276/oauth/callback`) runs for real, pinned, in test/e2e/mcp/inspector.test.ts.
 */

const UI_ORIGIN = 'http://localhost:6274';
const REDIRECT = `${UI_ORIGIN}/oauth/callback`;

describe('MCP Inspector (web UI)', () => {
  const stack = useClientStack();

  it("MCP Inspector's UI registration with its {origin}/oauth/callback redirect completes sign-in, and its cross-origin token and refresh requests are readable", async () => {
    const { as, prm } = await discover(stack);
    const client = await register(as, {
      client_name: 'MCP Inspector',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: prm.scopes_supported.join(' '),
    });
    const params = {
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      scope: prm.scopes_supported.join(' '),
      resource: stack.resource,
    };
    const { answer } = await runCodeFlow(stack, as, {
      authorize: params,
      token: params,
      refresh: { client_id: client.client_id, resource: stack.resource },
      headers: { origin: UI_ORIGIN },
    });
    expect(answer.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/localhost:6274)$/);
  });
});
