import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack, withCallbackListener } from './support/flow.js';
import { discover } from './support/oauth.js';

/**
 * Goose (Block's agent). It identifies itself only with a client ID metadata document, a public client
 * with a loopback redirect, and has no DCR fallback (Goose's issue #9670, where the fallback was requested
 * later). So the authorization server must advertise CIMD and fetch the document itself. The document
 * is served with that shape at https://localhost:PORT/… (test CA).
 */

describe('Goose', () => {
  const stack = useClientStack();

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
    await withCallbackListener(async (listener) => {
      const redirectUri = `${listener.origin}/oauth_callback`;
      const params = { client_id: clientId, redirect_uri: redirectUri, resource: stack.resource };
      await runCodeFlow(stack, as, {
        authorize: params,
        token: params,
        refresh: { client_id: clientId, resource: stack.resource },
        cimdPath: path,
      });
    });
  });
});
