import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../../helpers/user-agent.js';
import { type Stack, startStack } from './helpers/stack.js';
import { callToolRaw } from './helpers/tokens.js';

/**
 * DPoP end to end (RFC 9449), with a third-party DPoP client: oauth4webapi runs the code flow with
 * PKCE and a DPoP key against Gatehouse, then calls the Todo MCP server (examples/todo-mcp, protected
 * by gatehouse/resource) with the DPoP-bound token and a fresh proof per request.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;

describe('DPoP end to end: oauth4webapi, Gatehouse and the Todo MCP server', () => {
  let stack: Stack;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: 'todo-cli' };
  let keyPair: CryptoKeyPair;
  let dpop: oauth.DPoPHandle;
  let tokens: oauth.TokenEndpointResponse;

  beforeAll(async () => {
    stack = await startStack();
    const issuer = new URL(stack.issuer);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    keyPair = await oauth.generateKeyPair('ES256');
    dpop = oauth.DPoP(client, keyPair);
    const redirectUri = stack.callback.redirectUri;
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
      state,
      scope: 'todos.read todos.write',
      resource: stack.mcpUrl,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      // RFC 9449 §10: the code is bound to the key too.
      dpop_jkt: await dpop.calculateThumbprint(),
    }).toString();
    const { location } = await new UserAgent(new URL(stack.issuer).origin).authorize(url.href, stack.user);
    const params = oauth.validateAuthResponse(as, client, new URL(location!), state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      redirectUri,
      verifier,
      { ...insecure, DPoP: dpop },
    );
    tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  }, 60_000);
  afterAll(() => stack?.close());

  const callTool = (accessToken: string, name: string, args: Record<string, unknown> = {}) =>
    oauth.protectedResourceRequest(
      accessToken,
      'POST',
      new URL(stack.mcpUrl),
      new Headers({
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      }),
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
      { ...insecure, DPoP: dpop },
    );

  it('the code exchange with a DPoP proof yields a DPoP token bound to the client key', async () => {
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
  });

  it('the Todo MCP server accepts the DPoP-bound token with oauth4webapi proofs, request after request', async () => {
    const added = await callTool(tokens.access_token, 'add_todo', { title: 'Bind the token' });
    expect(added.status, await added.clone().text()).toBe(200);
    expect(await added.text()).toContain('Bind the token');
    const listed = await callTool(tokens.access_token, 'list_todos');
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain('Bind the token');
  });

  it('the same token sent as Bearer is refused by the Todo server, which offers DPoP in its challenge', async () => {
    const response = await callToolRaw(stack.mcpUrl, tokens.access_token, 'list_todos');
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer resource_metadata="/);
    expect(challenge).toMatch(/DPoP error="invalid_token".*algs="[^"]*ES256/);
  });

  it('the token without a proof, or with a proof of another key, is refused', async () => {
    const bare = await fetch(stack.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `DPoP ${tokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/DPoP error="invalid_dpop_proof"/);
    const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    // oauth4webapi reads the 401's challenges itself: DPoP, invalid_dpop_proof.
    const stolen = await oauth
      .protectedResourceRequest(
        tokens.access_token,
        'POST',
        new URL(stack.mcpUrl),
        new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }),
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        { ...insecure, DPoP: thief },
      )
      .catch((error: unknown) => error);
    expect(stolen).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenges = (stolen as oauth.WWWAuthenticateChallengeError).cause;
    const dpopChallenge = challenges.find((c) => c.scheme === 'dpop');
    expect(dpopChallenge?.parameters.error).toBe('invalid_dpop_proof');
    expect((stolen as oauth.WWWAuthenticateChallengeError).response.status).toBe(401);
  });

  it('the refresh token refreshes only with the same key (oauth4webapi refresh with DPoP)', async () => {
    const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
      ...insecure,
      DPoP: thief,
    });
    expect(stolen.status).toBe(400);
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
      ...insecure,
      DPoP: dpop,
    });
    const refreshed = await oauth.processRefreshTokenResponse(as, client, response);
    expect(refreshed.token_type).toBe('dpop');
    expect((await callTool(refreshed.access_token, 'list_todos')).status).toBe(200);
  });
});
