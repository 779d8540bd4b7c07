import { randomBytes } from 'node:crypto';
import { approveInBrowser } from './browser.js';

/**
 * What an MCP client application supplies to either SDK: an OAuth client provider for the
 * preregistered public client `todo-cli`, kept in memory, whose `redirectToAuthorization` hands the
 * URL to the user's browser (approveInBrowser) and keeps the callback for `finishAuth`; and a fetch
 * that records every request, so tests can assert the handshake step by step.
 */

export const REDIRECT_URL = 'http://127.0.0.1:53682/callback';

export interface Exchange {
  method: string;
  url: string;
  status: number;
  /** The form body of POSTs to the token endpoint. */
  form?: URLSearchParams;
  wwwAuthenticate: string | null;
}

export function recordingFetch(): { fetch: typeof fetch; log: Exchange[] } {
  const log: Exchange[] = [];
  const recording = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const form = request.headers.get('content-type')?.startsWith('application/x-www-form-urlencoded')
      ? new URLSearchParams(await request.clone().text())
      : undefined;
    const response = await fetch(request);
    log.push({
      method: request.method,
      url: request.url,
      status: response.status,
      form,
      wwwAuthenticate: response.headers.get('www-authenticate'),
    });
    return response;
  };
  return { fetch: recording as typeof fetch, log };
}

export interface StoredTokens {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
  issuer?: string;
  [key: string]: unknown;
}

/** Satisfies the OAuthClientProvider of both SDK lines (v1: sdk/client/auth.js, v2: @modelcontextprotocol/client). */
export class TodoCliProvider {
  readonly redirectUrl = REDIRECT_URL;
  readonly clientMetadata = {
    client_name: 'Todo CLI',
    redirect_uris: [REDIRECT_URL],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  /** Every authorization URL the SDK sent the user to, and where the browser came back. */
  readonly authorizations: { url: URL; callback: URL }[] = [];
  private stored: StoredTokens | undefined;
  private verifier: string | undefined;
  private states: string[] = [];
  private discovery: unknown;
  /**
   * SDK v1 (1.32) refreshes instead of re-authorizing on a 403 insufficient_scope whenever a refresh
   * token is held, and a refresh cannot widen scope (RFC 6749 §6), so step-up dead-ends
   * (modelcontextprotocol/typescript-sdk#2255). A v1 client works around it by hiding its refresh
   * token from `auth()` once it has seen that challenge; see `stepUpFetch`.
   */
  hideRefreshToken = false;

  constructor(
    readonly issuer: string,
    private readonly approve: (url: URL) => Promise<URL> = approveInBrowser,
  ) {}

  /** The last callback, as the application's loopback listener would receive it. */
  get lastCallback(): URL {
    const last = this.authorizations.at(-1);
    if (!last) throw new Error('no authorization happened');
    if (last.callback.searchParams.get('state') !== this.states.at(-1)) throw new Error('state mismatch');
    return last.callback;
  }

  state(): string {
    const state = randomBytes(16).toString('base64url');
    this.states.push(state);
    return state;
  }

  clientInformation() {
    return { client_id: 'todo-cli', issuer: this.issuer };
  }

  tokens(): StoredTokens | undefined {
    if (this.stored && this.hideRefreshToken) {
      const { refresh_token: _hidden, ...rest } = this.stored;
      return rest as StoredTokens;
    }
    return this.stored;
  }

  saveTokens(tokens: StoredTokens): void {
    this.stored = tokens;
    this.hideRefreshToken = false;
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    const callback = await this.approve(url);
    this.authorizations.push({ url, callback });
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }

  saveDiscoveryState(state: unknown): void {
    this.discovery = state;
  }

  discoveryState() {
    return this.discovery as never;
  }

  invalidateCredentials(scope: string): void {
    if (scope === 'all' || scope === 'tokens') this.stored = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }
}

/** The v1 step-up workaround: a fetch that tells the provider when the server asks for more scope. */
export function stepUpFetch(base: typeof fetch, provider: TodoCliProvider): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await base(input, init);
    if (
      response.status === 403 &&
      /error="insufficient_scope"/.test(response.headers.get('www-authenticate') ?? '')
    ) {
      provider.hideRefreshToken = true;
    }
    return response;
  }) as typeof fetch;
}
