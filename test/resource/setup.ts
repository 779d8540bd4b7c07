import { createHash, randomBytes } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import {
  createProtectedResource,
  type ProtectedResource,
  type ProtectedResourceOptions,
} from '../../src/resource/index.js';
import { baseOptions, MACHINE_SECRET, RESOURCE, USER } from '../helpers/fixtures.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

/**
 * A real Gatehouse (ephemeral port, baseOptions: resource RESOURCE with todos.read/todos.write, the
 * public client `native-app`, the confidential `machine` that may introspect) and ways to get tokens
 * from it: through its endpoints, or signed with its own active key for claims it would never issue.
 */

export { RESOURCE, USER };

export class Clock {
  offset = 0;
  readonly now = () => Date.now() + this.offset;
}

export async function startAuthorizationServer(clock = new Clock()): Promise<TestServer & { clock: Clock }> {
  const srv = await startServer({ ...baseOptions(), clock: clock.now });
  return Object.assign(srv, { clock });
}

export function protect(
  srv: TestServer & { clock?: Clock },
  options: Partial<ProtectedResourceOptions> = {},
): ProtectedResource {
  return createProtectedResource({
    issuer: srv.issuer,
    clock: srv.clock?.now,
    resource: RESOURCE,
    scopesSupported: ['todos.read', 'todos.write'],
    scopeHierarchy: { 'todos.write': ['todos.read'] },
    ...options,
  });
}

/** A client_credentials token of `machine` (sub = client_id). */
export async function machineToken(
  srv: TestServer,
  params: { scope?: string; resource?: string } = {},
): Promise<string> {
  const response = await fetch(`${srv.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: params.resource ?? RESOURCE,
      scope: params.scope ?? 'todos.read',
    }),
  });
  if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A user's tokens for `native-app` through sign-in and consent. */
export async function userTokens(
  srv: TestServer,
  scope: string,
): Promise<{ access_token: string; refresh_token: string; scope: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = 'http://127.0.0.1:50123/callback';
  const url = new URL(`${srv.issuer}/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'native-app',
    redirect_uri: redirectUri,
    scope,
    resource: RESOURCE,
    state: 'state-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const { location } = await new UserAgent(srv.origin).authorize(url.href, USER);
  const code = new URL(location!).searchParams.get('code')!;
  const response = await fetch(`${srv.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: 'native-app',
      resource: RESOURCE,
    }),
  });
  if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
  return (await response.json()) as { access_token: string; refresh_token: string; scope: string };
}

/** Claims Gatehouse would put in a token for RESOURCE, now. */
export function claims(srv: TestServer & { clock: Clock }, overrides: JWTPayload = {}): JWTPayload {
  const iat = Math.floor(srv.clock.now() / 1000);
  return {
    iss: srv.issuer,
    sub: 'usr_test',
    aud: RESOURCE,
    client_id: 'native-app',
    scope: 'todos.read',
    iat,
    exp: iat + 300,
    jti: randomBytes(8).toString('hex'),
    ...overrides,
  };
}

/** Signs `payload` with Gatehouse's own active key: a token it could have issued, with any claims. */
export async function signWithIssuerKey(
  srv: TestServer,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = srv.gh.keys.signingKey();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...header })
    .sign(key.privateKey);
}

/** A Request to the protected resource with `token` in the Authorization header. */
export function bearer(token: string, url = RESOURCE, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return new Request(url, { ...init, headers });
}

/** Parses `Bearer a="b", c="d"` into { a: 'b', c: 'd' }. */
export function parseChallenge(header: string | null): Record<string, string> {
  if (!header?.startsWith('Bearer')) throw new Error(`not a Bearer challenge: ${header}`);
  const params: Record<string, string> = {};
  // Only the Bearer challenge: the DPoP one that follows it (RFC 9449 §7.1) is read by parseDpopChallenge.
  const dpop = header.indexOf(', DPoP ');
  for (const match of header
    .slice(6, dpop === -1 ? undefined : dpop)
    .matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    params[match[1]!] = match[2]!.replace(/\\(.)/g, '$1');
  }
  return params;
}
