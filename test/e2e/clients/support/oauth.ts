import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { expect } from 'vitest';
import type { ClientStack } from './stack.js';

/**
 * The wire steps every MCP client takes, written out so each client test can replay its own shape:
 * discovery from a 401 (MCP authorization §"Authorization Server Discovery"), DCR (RFC 7591), an
 * authorization request with PKCE S256, token and refresh requests, and the authorised call.
 */

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON members
export type Json = Record<string, any>;

export interface Discovery {
  /** RFC 9728 protected-resource metadata, from the 401's `resource_metadata`. */
  prm: Json;
  /** RFC 8414 authorization-server metadata, from the PRM's first authorization server. */
  as: Json;
}

/** 401 → WWW-Authenticate resource_metadata → RFC 9728 → RFC 8414 (path-inserted well-known). */
export async function discover(stack: ClientStack): Promise<Discovery> {
  const unauthorised = await fetch(stack.resource, { method: 'POST', body: '{}' });
  expect(unauthorised.status).toBe(401);
  const challenge = unauthorised.headers.get('www-authenticate') ?? '';
  const prmUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  expect(prmUrl, challenge).toBeTruthy();
  const prm = (await (await fetch(prmUrl!)).json()) as Json;
  const issuer = new URL(prm.authorization_servers[0]);
  const asUrl = `${issuer.origin}/.well-known/oauth-authorization-server${issuer.pathname.replace(/\/$/, '')}`;
  const as = (await (await fetch(asUrl)).json()) as Json;
  expect(as.issuer).toBe(stack.issuer);
  return { prm, as };
}

/** RFC 7591 registration; expects 201 and returns the registered client. */
export async function register(as: Json, metadata: Json): Promise<Json> {
  const response = await fetch(as.registration_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(metadata),
  });
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** A form POST to the token endpoint exactly as given; returns status and JSON body. */
export async function tokenRequest(
  as: Json,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(as.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

/** A token response that must be 200 with a bearer access token (and, with `refresh`, a refresh token). */
export function expectTokens(response: { status: number; body: Json }, refresh = true): Json {
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.token_type).toMatch(/^bearer$/i);
  expect(typeof response.body.access_token).toBe('string');
  if (refresh) expect(typeof response.body.refresh_token, 'a refresh token was issued').toBe('string');
  return response.body;
}

/** The final call: the resource accepts the access token and sees this client and user. */
export async function callResource(stack: ClientStack, accessToken: string, clientId: string): Promise<void> {
  const response = await fetch(stack.resource, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(body.client_id).toBe(clientId);
}

/** A client's RS256 key pair, its public JWK (with `kid`) to serve at a jwks_uri. */
export async function clientKey(): Promise<{ jwk: JWK; sign(claims: Json): Promise<string> }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    jwk,
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey),
  };
}

/**
 * RFC 7523 §2.2 / OIDC Core §9 private_key_jwt: `client_assertion_type` and a fresh assertion with
 * `iss` = `sub` = client_id, `aud` the token endpoint, a unique `jti` and a short `exp`.
 */
export async function clientAssertion(
  key: { sign(claims: Json): Promise<string> },
  clientId: string,
  audience: string,
): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const assertion = await key.sign({
    iss: clientId,
    sub: clientId,
    aud: audience,
    jti: randomUUID(),
    iat: now,
    exp: now + 300,
  });
  return {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
}
