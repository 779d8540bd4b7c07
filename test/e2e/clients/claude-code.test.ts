import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack, withCallbackListener } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * Claude Code (CLI). Request shapes, from public sources:
 * - CIMD: client_id https://claude.ai/oauth/claude-code-client-metadata, whose document lists the
 *   port-less loopback redirects http://localhost/callback and http://127.0.0.1/callback and
 *   `token_endpoint_auth_method: none`; the CLI listens on an ephemeral port and sends that port in
 *   redirect_uri (anthropics/claude-code#41610, #37767, #42301).
 * - No `scope` at registration, authorization or refresh (anthropics/claude-code#89862); it sometimes
 *   appends `offline_access` to the scope it asks for (appstrate #1267).
 * claude.ai cannot be reached from a test: the document is served with the same shape at
 * https://localhost:PORT/oauth/claude-code-client-metadata (test CA).
 */

describe('Claude Code', () => {
  const stack = useClientStack();

  it("Claude Code's CIMD document with port-less loopback redirects completes sign-in on an ephemeral port, then token and refresh without any scope", async () => {
    const { as } = await discover(stack);
    expect(as.client_id_metadata_document_supported).toBe(true);
    const path = '/oauth/claude-code-client-metadata';
    const clientId = stack.host.publish(path, {
      client_id: `${stack.host.origin}${path}`,
      client_name: 'Claude Code',
      client_uri: 'https://claude.ai',
      redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    await withCallbackListener(async (listener) => {
      const redirectUri = `http://localhost:${new URL(listener.origin).port}/callback`;
      const params = { client_id: clientId, redirect_uri: redirectUri, resource: stack.resource };
      await runCodeFlow(stack, as, {
        authorize: params,
        token: params,
        refresh: { client_id: clientId, resource: stack.resource },
        cimdPath: path,
      });
    });
  });

  it('Claude Code registering without scope and appending offline_access at authorization gets a refresh token that refreshes without scope', async () => {
    const { as } = await discover(stack);
    await withCallbackListener(async (listener) => {
      const redirectUri = `http://localhost:${new URL(listener.origin).port}/callback`;
      const client = await register(as, {
        client_name: 'Claude Code (todo)',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });
      await runCodeFlow(stack, as, {
        authorize: {
          client_id: client.client_id,
          redirect_uri: redirectUri,
          scope: 'todos.read todos.write offline_access',
          resource: stack.resource,
        },
        token: { client_id: client.client_id, redirect_uri: redirectUri, resource: stack.resource },
        refresh: { client_id: client.client_id },
      });
    });
  });
});
