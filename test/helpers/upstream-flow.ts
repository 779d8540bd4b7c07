import { expect } from 'vitest';
import type { OidcConnectionOptions } from '../../src/config/connections.js';
import type { GatehouseOptions } from '../../src/config/options.js';
import { baseOptions } from './fixtures.js';
import { authorizeUrl } from './oauth.js';
import { startServer, type TestServer } from './server.js';
import { startUpstream, type Upstream, type UpstreamAccount } from './upstream-oidc.js';
import { decodeEntities, UserAgent } from './user-agent.js';

/** Gatehouse (baseOptions plus the connections) with a real upstream OpenID provider (upstream-oidc.ts). */
export async function startWithUpstream(
  accounts: Record<string, UpstreamAccount>,
  connections: (upstream: Upstream) => Partial<OidcConnectionOptions>[] = () => [{}],
  extra: Partial<GatehouseOptions> = {},
  upstreamOptions: Parameters<typeof startUpstream>[1] = {},
): Promise<{ srv: TestServer; upstream: Upstream; close(): Promise<void> }> {
  const upstream = await startUpstream(accounts, upstreamOptions);
  const list = connections(upstream).map((o) => upstream.connection(o));
  const srv = await startServer((origin) => {
    upstream.configure(
      origin,
      list.map((c) => c.id),
    );
    return { ...baseOptions(), connections: list, ...extra };
  });
  return {
    srv,
    upstream,
    async close() {
      await srv.close();
      await upstream.close();
    },
  };
}

/**
 * Starts an authorization request at Gatehouse (native-app, PKCE), opens the sign-in page and follows
 * its "Continue with {name}" link: returns the redirect to the upstream provider.
 */
export async function beginUpstreamSignIn(
  srv: TestServer,
  name = 'Corp SSO',
  agent = new UserAgent(srv.origin),
) {
  const request = authorizeUrl(srv);
  let response = await agent.request(request.url);
  while (response.status === 302 || response.status === 303)
    response = await agent.request(response.headers.get('location')!);
  const page = await response.text();
  const link = new RegExp(`<a class="button" href="([^"]+)">Continue with ${name}</a>`).exec(page);
  expect(link, 'the sign-in page shows the connection button').not.toBeNull();
  const start = await agent.request(decodeEntities(link![1]!));
  expect(start.status).toBe(302);
  return { ...request, agent, page, upstreamUrl: start.headers.get('location')! };
}

/** Follows Gatehouse's redirects (resume, consent allowed) to the redirect back to the client. */
export async function continueToClient(
  agent: UserAgent,
  response: Response,
): Promise<{ location?: URL; last: Response; pages: string[] }> {
  const pages: string[] = [];
  for (let step = 0; step < 10; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, agent.origin);
      if (next.origin !== agent.origin) return { location: next, last: response, pages };
      response = await agent.request(next.href);
      continue;
    }
    const html = await response.text();
    pages.push(html);
    if (!html.includes('name="decision"'))
      return { last: new Response(html, { status: response.status }), pages };
    response = await agent.submit(html, { decision: 'allow' });
  }
  throw new Error('too many steps');
}
