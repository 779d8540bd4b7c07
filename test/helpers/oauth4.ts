import * as oauth from 'oauth4webapi';
import { RESOURCE, USER } from './fixtures.js';
import type { TestServer } from './server.js';
import { UserAgent } from './user-agent.js';

/** oauth4webapi against a test server on loopback http. */
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

export async function discover(srv: Pick<TestServer, 'issuer'>): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(srv.issuer);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

export interface CodeFlowOptions {
  clientId: string;
  redirectUri?: string;
  /** Extra authorization request parameters (scope, prompt, …). */
  params?: Record<string, string>;
  agent?: UserAgent;
  user?: { email: string; password: string };
}

/**
 * One authorization code flow for a public client, as oauth4webapi runs it: PKCE S256, the resource
 * indicator, sign-in and consent through the real pages, `iss` and `state` checked, code exchanged.
 */
export async function codeFlow(srv: Pick<TestServer, 'issuer' | 'origin'>, options: CodeFlowOptions) {
  const as = await discover(srv);
  const client: oauth.Client = { client_id: options.clientId };
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:41000/callback';
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: redirectUri,
    response_type: 'code',
    state,
    resource: RESOURCE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...options.params,
  }).toString();
  const agent = options.agent ?? new UserAgent(srv.origin);
  const { location, pages } = await agent.authorize(url.href, options.user ?? USER);
  if (!location) throw new Error(`no redirect to the client; last page:\n${pages.at(-1)?.slice(0, 400)}`);
  const params = oauth.validateAuthResponse(as, client, new URL(location), state);
  /** Redeems the code (again, for replay tests): the raw token response. */
  const redeem = () =>
    oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, await redeem());
  const refresh = (refreshToken: string) =>
    oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, insecure).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, string>,
    }));
  return {
    as,
    client,
    tokens,
    refresh,
    redeem,
    code: params.get('code')!,
    agent,
    pages,
    authorizeUrl: url.href,
  };
}
