import type { GatehouseOptions, MailMessage } from '../../../src/config/options.js';
import { dcrOptions } from '../../helpers/dcr.js';
import { USER } from '../../helpers/fixtures.js';
import { startServer, type TestServer } from '../../helpers/server.js';
import { decodeEntities, UserAgent } from '../../helpers/user-agent.js';

/** An administrator seeded from config (the `admin` flag), next to the ordinary USER. */
export const ADMIN = { email: 'root@example.com', password: 'admin password 123' };

export interface AdminServer extends TestServer {
  /** Every message handed to the mailer hook. */
  mail: MailMessage[];
}

/** baseOptions + DCR + the ops-bot automation client + an administrator + a capturing mailer. */
export async function startAdminServer(
  extra: (origin: string) => Partial<GatehouseOptions> = () => ({}),
): Promise<AdminServer> {
  const mail: MailMessage[] = [];
  const srv = await startServer((origin) => ({
    ...dcrOptions({}, origin),
    users: [USER, { ...ADMIN, admin: true }],
    mailer: async (message) => {
      mail.push(message);
    },
    ...extra(origin),
  }));
  return Object.assign(srv, { mail });
}

/** Signs in through the hosted page (as a browser would) and returns the agent holding the session. */
export async function signIn(origin: string, issuer: string, who: { email: string; password: string }) {
  const agent = new UserAgent(origin);
  const page = await agent.request(
    `${issuer}/login?return_to=${encodeURIComponent(new URL(`${issuer}/admin`).pathname)}`,
  );
  const response = await agent.submit(await page.text(), { email: who.email, password: who.password });
  if (response.status !== 303) throw new Error(`sign-in failed: ${response.status}`);
  return { agent, location: response.headers.get('location') };
}

/** The session's CSRF token, read from a dashboard form. */
export async function dashboardCsrf(agent: UserAgent, issuer: string): Promise<string> {
  const html = await (await agent.request(`${issuer}/admin/keys`)).text();
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf field on the dashboard');
  return decodeEntities(match[1]!);
}

/** Calls the admin JSON API with the agent's session cookie (and the CSRF header when given). */
export function sessionApi(agent: UserAgent, issuer: string, csrf?: string) {
  return async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { origin: new URL(issuer).origin };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (csrf) headers['x-csrf-token'] = csrf;
    const response = await agent.request(`${issuer}/admin/api/${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { text };
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

/** Registers a DCR client, runs one authorization for USER through the hosted pages, returns its refresh token. */
export async function dcrClientWithRefreshToken(
  srv: TestServer,
  user: { email: string; password: string },
  name: string,
): Promise<{
  clientId: string;
  refreshToken: string;
  refresh(): Promise<{ status: number; body: Record<string, unknown> }>;
}> {
  const { createHash, randomBytes } = await import('node:crypto');
  const { register } = await import('../../helpers/dcr.js');
  const reg = await register(srv.issuer, {
    client_name: name,
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
  });
  const clientId = String(reg.body.client_id);
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = 'http://127.0.0.1:41000/callback';
  const url = new URL(`${srv.issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const { location } = await new UserAgent(srv.origin).authorize(url.href, user);
  const code = new URL(location!).searchParams.get('code')!;
  const token = async (body: Record<string, string>) => {
    const response = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: clientId, ...body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const first = await token({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  });
  if (first.status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(first.body)}`);
  let refreshToken = String(first.body.refresh_token);
  return {
    clientId,
    refreshToken,
    async refresh() {
      const result = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      if (result.status === 200) refreshToken = String(result.body.refresh_token);
      return result;
    },
  };
}
