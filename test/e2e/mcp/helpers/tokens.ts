import { createHash, randomBytes } from 'node:crypto';
import { approveInBrowser } from './browser.js';
import type { Stack } from './stack.js';

export interface TokenSet {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
}

/**
 * An authorization code flow done by hand (PKCE S256, RFC 8707 resource) for `todo-cli`, approved by
 * the stack's user in Chromium and received on the stack's loopback listener: how a test gets a
 * token with exactly the scope or audience it needs, e.g. a read-only grant from "earlier".
 */
export async function authorizeManually(
  stack: Pick<Stack, 'issuer' | 'user' | 'callback'>,
  params: { resource: string; scope: string },
): Promise<TokenSet> {
  const metadata = (await (
    await fetch(`${stack.issuer}/.well-known/oauth-authorization-server`)
  ).json()) as Record<string, string>;
  const redirectUri = stack.callback.redirectUri;
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(metadata.authorization_endpoint!);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'todo-cli',
    redirect_uri: redirectUri,
    scope: params.scope,
    resource: params.resource,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  await approveInBrowser(url, stack.user);
  const callback = stack.callback.hits.findLast((hit) => hit.searchParams.get('state') === state);
  if (!callback) throw new Error('the loopback listener never received the redirect');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`authorization failed: ${callback.search}`);
  const response = await fetch(metadata.token_endpoint!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: 'todo-cli',
      resource: params.resource,
    }),
  });
  if (response.status !== 200)
    throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as TokenSet;
}

/** A raw JSON-RPC tools/call to the Todo server with `token`. */
export async function callToolRaw(
  mcpUrl: string,
  token: string | null,
  name: string,
  args: Record<string, unknown> = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
  };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
}
