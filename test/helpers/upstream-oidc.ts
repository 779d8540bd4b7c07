import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { OidcConnectionOptions } from '../../src/config/connections.js';
import { decodeEntities, type UserAgent } from './user-agent.js';

/**
 * A real OpenID provider (oidc-provider, the npm package) on a loopback port, as the upstream of
 * Gatehouse's connections (issue 16). Its development interactions sign in any login name with any
 * password; the claims of a login name are the test's `accounts` entry. The provider is created once the
 * Gatehouse origin (its client's redirect URI) is known: `configure(origin)` inside startServer's factory.
 */
export interface UpstreamAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export const UPSTREAM_CLIENT_ID = 'gatehouse';
export const UPSTREAM_SECRET = 'upstream-client-secret-0123456789abcdef';

export interface Upstream {
  issuer: string;
  accounts: Record<string, UpstreamAccount>;
  /** Creates the provider, with one client whose redirect URIs are Gatehouse's callbacks of `ids`. */
  configure(gatehouseIssuer: string, ids?: string[]): void;
  /** When set, the provider's JWKS URL answers this key set instead of its own (signature tests). */
  jwksOverride?: { keys: Record<string, unknown>[] };
  /** Gatehouse's connection options for this provider. */
  connection(overrides?: Partial<OidcConnectionOptions>): OidcConnectionOptions;
  close(): Promise<void>;
}

export async function startUpstream(
  accounts: Record<string, UpstreamAccount>,
  options: { clientJwks?: { keys: Record<string, unknown>[] } } = {},
): Promise<Upstream> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (upstream.jwksOverride && req.url?.startsWith('/jwks')) {
      res
        .writeHead(200, { 'content-type': 'application/jwk-set+json' })
        .end(JSON.stringify(upstream.jwksOverride));
    } else if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const upstream: Upstream = {
    issuer,
    accounts,
    configure(gatehouseIssuer, ids = ['corp']) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: UPSTREAM_CLIENT_ID,
            client_secret: UPSTREAM_SECRET,
            token_endpoint_auth_method: 'client_secret_basic',
          },
          {
            client_id: 'gatehouse-post',
            client_secret: UPSTREAM_SECRET,
            token_endpoint_auth_method: 'client_secret_post',
          },
          ...(options.clientJwks
            ? [
                {
                  client_id: 'gatehouse-jwt',
                  token_endpoint_auth_method: 'private_key_jwt',
                  jwks: options.clientJwks,
                },
              ]
            : []),
        ].map((client) => ({
          ...client,
          redirect_uris: ids.map((id) => `${gatehouseIssuer}/connections/${id}/callback`),
          grant_types: ['authorization_code'],
          response_types: ['code'],
        })),
        async findAccount(_ctx, id) {
          return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
        },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
        conformIdTokenClaims: false,
        cookies: { keys: ['upstream-test-cookie-key-0123456789'] },
        features: { devInteractions: { enabled: true } },
      });
      handler = provider.callback();
    },
    connection(overrides = {}) {
      return {
        id: 'corp',
        type: 'oidc',
        name: 'Corp SSO',
        issuer,
        client_id: UPSTREAM_CLIENT_ID,
        client_secret: UPSTREAM_SECRET,
        allowLoopback: true,
        ...overrides,
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return upstream;
}

/**
 * Signs in at the upstream provider as `login` (its development login and consent forms) starting from
 * its authorization URL; returns the redirect back to Gatehouse (the callback URL with code, state, iss).
 */
export async function signInUpstream(
  agent: UserAgent,
  authorizationUrl: string,
  login: string,
): Promise<URL> {
  const upstreamOrigin = new URL(authorizationUrl).origin;
  let response = await agent.request(authorizationUrl);
  for (let step = 0; step < 12; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, upstreamOrigin);
      if (next.origin !== upstreamOrigin) return next;
      response = await agent.request(next.href);
      continue;
    }
    const html = await response.text();
    const form = /<form[^>]*action="([^"]*)"[^>]*method="post">([\s\S]*?)<\/form>/.exec(html);
    if (!form) throw new Error(`upstream answered ${response.status}: ${html.slice(0, 400)}`);
    const body = new URLSearchParams();
    for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g))
      body.set(m[1]!, decodeEntities(m[2]!));
    if (html.includes('name="login"')) {
      body.set('login', login);
      body.set('password', 'any');
    }
    response = await agent.request(new URL(decodeEntities(form[1]!), upstreamOrigin).href, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
  throw new Error('too many steps at the upstream provider');
}
