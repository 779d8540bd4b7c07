import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackServer } from '../../helpers/browser.js';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

/**
 * Goose (Block's agent). It identifies itself only with a client ID metadata document, a public client
 * with a loopback redirect, and has no DCR fallback (Goose's issue #9670, where the fallback was requested
 * later). So the authorization server must advertise CIMD and fetch the document itself. The document
 * is served with that shape at https://localhost:PORT/… (test CA).
 */

useChromium();

describe('Goose', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

  it("Goose's CIMD-only client completes discovery, sign-in, token and refresh without registering", async () => {
    const { as } = await discover(stack);
    expect(as.client_id_metadata_document_supported).toBe(true);
    expect(as.token_endpoint_auth_methods_supported).toContain('none');
    const path = '/goose/oauth-client-metadata.json';
    const clientId = stack.host.publish(path, {
      client_id: `${stack.host.origin}${path}`,
      client_name: 'Goose',
      client_uri: 'https://block.github.io/goose/',
      redirect_uris: ['http://127.0.0.1/oauth_callback', 'http://localhost/oauth_callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const listener = await startCallbackServer();
    try {
      const redirectUri = `${listener.origin}/oauth_callback`;
      const params = { client_id: clientId, redirect_uri: redirectUri, resource: stack.resource };
      const { code, verifier } = await authorizeInBrowser(
        as.authorization_endpoint,
        params,
        stack.user,
        stack.issuer,
      );
      expect(stack.host.count(path)).toBeGreaterThan(0);
      const tokens = expectTokens(
        await tokenRequest(as, {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          ...params,
        }),
      );
      await callResource(stack, tokens.access_token, clientId);
      const refreshed = expectTokens(
        await tokenRequest(as, {
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
          client_id: clientId,
          resource: stack.resource,
        }),
      );
      await callResource(stack, refreshed.access_token, clientId);
    } finally {
      await listener.close();
    }
  });
});
