import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenHash } from '../../../src/resource/dpop.js';
import { UserAgent } from '../../helpers/user-agent.js';
import { type Stack, startStack } from './helpers/stack.js';

/**
 * DPoP nonces end to end (RFC 9449 §8 at /token, §9 at the resource): Gatehouse and the Todo MCP
 * server both require server-provided nonces. oauth4webapi keeps the last `DPoP-Nonce` of each origin;
 * a client retries once when it sees `use_dpop_nonce` (oauth4webapi's `isDPoPNonceError`), as its
 * documentation says. The test counts the retries, so that a server that stopped asking for nonces,
 * or one that handed out a nonce it then refused, fails.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Runs `attempt` and retries it once on use_dpop_nonce; returns the result and whether it retried. */
async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<{ value: T; retried: boolean }> {
  try {
    return { value: await attempt(), retried: false };
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return { value: await attempt(), retried: true };
  }
}

describe('DPoP nonces end to end: oauth4webapi, Gatehouse and the Todo MCP server, both requiring nonces', () => {
  let stack: Stack;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: 'todo-cli' };
  let dpop: oauth.DPoPHandle;
  let keyPair: CryptoKeyPair;
  let tokens: oauth.TokenEndpointResponse;
  let tokenRetried = false;

  beforeAll(async () => {
    stack = await startStack({ dpopNonce: true });
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
    }).toString();
    const { location } = await new UserAgent(new URL(stack.issuer).origin).authorize(url.href, stack.user);
    const params = oauth.validateAuthResponse(as, client, new URL(location!), state);
    const exchanged = await withNonceRetry(async () =>
      oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, {
          ...insecure,
          DPoP: dpop,
        }),
      ),
    );
    tokens = exchanged.value;
    tokenRetried = exchanged.retried;
  }, 60_000);
  afterAll(() => stack?.close());

  const callTool = (name: string, args: Record<string, unknown> = {}) =>
    oauth.protectedResourceRequest(
      tokens.access_token,
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

  it('/token asks for a nonce first (use_dpop_nonce), and the retried exchange yields a DPoP-bound token', async () => {
    expect(tokenRetried).toBe(true);
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
  });

  it('the Todo server asks for its own nonce once (401 use_dpop_nonce), then serves call after call with the nonce it hands out', async () => {
    const first = await withNonceRetry(() => callTool('add_todo', { title: 'Nonce me' }));
    expect(first.retried).toBe(true);
    expect(first.value.status, await first.value.clone().text()).toBe(200);
    // §9: every answer carries the nonce to use next, readable by browser clients too.
    expect(first.value.headers.get('dpop-nonce')).toMatch(/^[0-9a-z]+\.[\w-]{43}$/);
    expect(first.value.headers.get('access-control-expose-headers')).toContain('dpop-nonce');
    const second = await withNonceRetry(() => callTool('list_todos'));
    expect(second.retried).toBe(false);
    expect(await second.value.text()).toContain('Nonce me');
  });

  it("the Todo server's nonce expires after two lifetimes (20 s each here) and the client is asked again", async () => {
    stack.clock.advance(2 * 20 + 1);
    const late = await withNonceRetry(() => callTool('list_todos'));
    expect(late.retried).toBe(true);
    expect(late.value.status).toBe(200);
  });

  /** A proof by the client's key, made by hand (jose), with the nonce given. */
  const handProof = async (nonce: string) =>
    new SignJWT({
      htm: 'POST',
      htu: stack.mcpUrl,
      jti: randomUUID(),
      ath: await accessTokenHash(tokens.access_token),
      nonce,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keyPair.publicKey) })
      .setIssuedAt()
      .sign(keyPair.privateKey);

  const post = (headers: Record<string, string>) =>
    fetch(stack.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

  it('over HTTP, a request without a token is challenged with Bearer and DPoP algs (RFC 9449 §7.1)', async () => {
    const response = await post({});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer resource_metadata="[^"]+"(, scope="[^"]*")?, DPoP algs="[^"]*ES256[^"]*", resource_metadata="[^"]+"$/,
    );
  });

  it("over HTTP, a forged nonce or Gatehouse's own nonce is refused: 401 use_dpop_nonce and a fresh DPoP-Nonce; the fresh one passes", async () => {
    // Gatehouse's own nonce, from its use_dpop_nonce answer to a proof without one.
    const asked = await fetch(as.token_endpoint!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        dpop: await new SignJWT({ htm: 'POST', htu: as.token_endpoint!, jti: randomUUID() })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keyPair.publicKey) })
          .setIssuedAt()
          .sign(keyPair.privateKey),
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'todo-cli' }),
    });
    const asNonce = asked.headers.get('dpop-nonce')!;
    expect(asNonce).toBeTruthy();
    for (const nonce of ['0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', asNonce]) {
      const refused = await post({
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await handProof(nonce),
      });
      expect(refused.status, nonce).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/DPoP error="use_dpop_nonce"/);
      const fresh = refused.headers.get('dpop-nonce')!;
      expect(fresh).toMatch(/^[0-9a-z]+\.[\w-]{43}$/);
      const served = await post({
        authorization: `DPoP ${tokens.access_token}`,
        dpop: await handProof(fresh),
      });
      expect(served.status).toBe(200);
    }
  });
});
