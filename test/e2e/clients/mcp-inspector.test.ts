import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * MCP Inspector 2.x, web UI. It registers by DCR with the redirect `{origin}/oauth/callback` of the
 * page it runs on (http://localhost:6274/oauth/callback by default) and calls the token endpoint from
 * that browser origin, so the answers need CORS (MCP Inspector 2.12, the UI's route). The Inspector's
 * CLI (`http://127.0.0.1:6276/oauth/callback`) runs for real, pinned, in test/e2e/mcp/inspector.test.ts.
 */

useChromium();

const UI_ORIGIN = 'http://localhost:6274';
const REDIRECT = `${UI_ORIGIN}/oauth/callback`;

describe('MCP Inspector (web UI)', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

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
    const { code, verifier } = await authorizeInBrowser(
      as.authorization_endpoint,
      params,
      stack.user,
      stack.issuer,
    );
    const headers = { origin: UI_ORIGIN };
    const tokenAnswer = await tokenRequest(
      as,
      { grant_type: 'authorization_code', code, code_verifier: verifier, ...params },
      headers,
    );
    const tokens = expectTokens(tokenAnswer);
    expect(tokenAnswer.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/localhost:6274)$/);
    await callResource(stack, tokens.access_token, client.client_id);
    const refreshed = expectTokens(
      await tokenRequest(
        as,
        {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          client_id: client.client_id,
          resource: stack.resource,
        },
        headers,
      ),
    );
    await callResource(stack, refreshed.access_token, client.client_id);
  });
});
