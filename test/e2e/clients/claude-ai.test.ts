import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeInBrowser, useChromium } from './support/browser.js';
import { callResource, discover, expectTokens, register, tokenRequest } from './support/oauth.js';
import { type ClientStack, startClientStack } from './support/stack.js';

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

useChromium();

const REDIRECT = 'https://claude.ai/api/mcp/auth_callback';

describe('claude.ai', () => {
  let stack: ClientStack;
  beforeAll(async () => {
    stack = await startClientStack();
  });
  afterAll(() => stack?.close());

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
    const { code, verifier, steps } = await authorizeInBrowser(
      as.authorization_endpoint,
      params,
      stack.user,
      stack.issuer,
    );
    expect(steps).toContain('consent');
    const tokens = expectTokens(
      await tokenRequest(as, {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id: client.client_id,
        redirect_uri: REDIRECT,
        resource: stack.resource,
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
        client_id: clientId,
        redirect_uri: REDIRECT,
        resource: stack.resource,
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
  });
});
