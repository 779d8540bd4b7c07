import type { GatehouseOptions } from '../../src/config/options.js';
import { baseOptions } from './fixtures.js';
import { authorizeUrl } from './oauth.js';
import type { TestServer } from './server.js';
import { UserAgent } from './user-agent.js';

/**
 * A team's own sign-in UI, as the HTTP suites see it: a user agent (cookies kept) whose calls to the
 * headless API carry the UI's Origin, as a browser's credentialed fetch from that page does.
 */

export const UI_ORIGIN = 'https://signin.app.example';
export const LOGIN_URL = `${UI_ORIGIN}/login?theme=dark`;

export function headlessOptions(overrides: Partial<GatehouseOptions> = {}): Partial<GatehouseOptions> {
  return { ...baseOptions(), headless: { enabled: true, loginUrl: LOGIN_URL }, ...overrides };
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON members
  body: any;
  text: string;
}

export class HeadlessUi {
  readonly agent: UserAgent;
  /** Every response body the API sent, for the no-credentials scan. */
  readonly bodies: string[] = [];

  constructor(
    readonly srv: TestServer,
    readonly origin: string = UI_ORIGIN,
    agent?: UserAgent,
  ) {
    this.agent = agent ?? new UserAgent(srv.origin);
  }

  api(action: string): string {
    return `${this.srv.issuer}/interaction/api/${action}`;
  }

  /** Starts an authorization request; returns the sealed interaction /authorize handed to the UI. */
  async begin(
    overrides: Parameters<typeof authorizeUrl>[1] = {},
  ): Promise<{ interaction: string; verifier: string; state: string; location: URL }> {
    const { url, verifier, state } = authorizeUrl(this.srv, overrides);
    const response = await this.agent.request(url);
    const location = new URL(response.headers.get('location') ?? 'about:blank');
    const interaction = location.searchParams.get('interaction');
    if (response.status !== 302 || !interaction)
      throw new Error(`expected a redirect to the UI, got ${response.status} ${location.href}`);
    return { interaction, verifier, state, location };
  }

  async state(interaction: string, headers: Record<string, string> = {}): Promise<JsonAnswer> {
    const url = `${this.api('state')}?interaction=${encodeURIComponent(interaction)}`;
    return this.read(await this.agent.request(url, { headers: { origin: this.origin, ...headers } }));
  }

  /** POSTs JSON with the UI's Origin and, when given, the CSRF header. */
  async post(
    action: string,
    body: unknown,
    options: { csrf?: string; origin?: string | null; headers?: Record<string, string> } = {},
  ): Promise<JsonAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    const origin = options.origin === undefined ? this.origin : options.origin;
    if (origin !== null) headers.origin = origin;
    if (options.csrf !== undefined) headers['x-gatehouse-csrf'] = options.csrf;
    const response = await this.agent.request(this.api(action), {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return this.read(response);
  }

  /** state → password: signs in through the API; returns the answer (the next step). */
  async signIn(interaction: string, user: { email: string; password: string }): Promise<JsonAnswer> {
    const state = await this.state(interaction);
    return this.post('password', { interaction, ...user }, { csrf: state.body.csrf_token });
  }

  private async read(response: Response): Promise<JsonAnswer> {
    const text = await response.text();
    this.bodies.push(text);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body, text };
  }
}

/** An upstream OIDC connection for headless tests (never contacted: the tests stop at its start URL). */
export const HEADLESS_CONNECTION = {
  id: 'corp',
  type: 'oidc' as const,
  name: 'Corp SSO',
  issuer: 'https://idp.corp.example',
  client_id: 'gatehouse',
  client_secret: 'upstream-secret-0123456789',
};
