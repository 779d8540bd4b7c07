import { describe, expect, it } from 'vitest';
import { runCodeFlow, useClientStack } from './support/flow.js';
import { discover, register } from './support/oauth.js';

/**
 * claude.ai and Claude Desktop (hosted connectors). Over DCR they register the redirects
 * https://claude.ai/api/mcp/auth_callback and https://claude.com/api/mcp/auth_callback, authorize with
 * `prompt=consent` and often no `scope` (claude.com connector docs,
 * https://claude.com/docs/connectors/building/authentication), and have been reported to ask for
 * `token_endpoint_auth_method: client_secret_post` (anthropics/claude-ai-mcp#1043); they use the method
 * the registration answer names (anthropics/claude-ai-mcp#82). Claude uses CIMD only when the metadata
 * has `client_id_metadata_document_supported: true` and lists `none` (same docs); its web client's
 * document is https://claude.ai/oauth/mcp-oauth-client-metadata (openstatusHQ/openstatus#2733), served
 * here with that shape at https://localhost:PORT/… (test CA). The redirect to
 * https://claude.ai/… is observed in Chromium and goes nowhere.
 */

const REDIRECT = 'https://claude.ai/api/mcp/auth_callback';

describe('claude.ai', () => {
  const stack = useClientStack();

  it('claude.ai registering for client_secret_post is answered with the method Gatehouse uses, and completes sign-in with prompt=consent and no scope, then token and refresh', async () => {
    const { as } = await discover(stack);
    // The conditions under which Claude would pick CIMD instead (it is offered both).
    expect(as.client_id_metadata_document_supported).toBe(true);
    expect(as.token_endpoint_auth_methods_supported).toContain('none');
    const client = await register(as, {
      client_name: 'Claude',
      redirect_uris: [REDIRECT, 'https://claude.com/api/mcp/auth_callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    // RFC 7591 §3.2.1: the answer names the method registered; a public client gets no secret.
    expect(client.token_endpoint_auth_method).toBe('none');
    expect(client.client_secret).toBeUndefined();
    const params = {
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      prompt: 'consent',
      resource: stack.resource,
    };
    const { steps } = await runCodeFlow(stack, as, {
      authorize: params,
      token: { client_id: client.client_id, redirect_uri: REDIRECT, resource: stack.resource },
      refresh: { client_id: client.client_id, resource: stack.resource },
    });
    expect(steps).toContain('consent');
  });

  it("claude.ai's CIMD document, used because the metadata offers CIMD with none, completes sign-in with prompt=consent, then token and refresh", async () => {
    const { as } = await discover(stack);
    expect(as.client_id_metadata_document_supported).toBe(true);
    expect(as.token_endpoint_auth_methods_supported).toContain('none');
    const path = '/oauth/mcp-oauth-client-metadata';
    const clientId = stack.host.publish(path, {
      client_id: `${stack.host.origin}${path}`,
      client_name: 'Claude',
      client_uri: 'https://claude.ai',
      redirect_uris: [REDIRECT, 'https://claude.com/api/mcp/auth_callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const params = {
      client_id: clientId,
      redirect_uri: REDIRECT,
      prompt: 'consent',
      resource: stack.resource,
    };
    await runCodeFlow(stack, as, {
      authorize: params,
      token: { client_id: clientId, redirect_uri: REDIRECT, resource: stack.resource },
      refresh: { client_id: clientId, resource: stack.resource },
      cimdPath: path,
    });
  });
});
