import { randomBytes } from 'node:crypto';
import type { ApproveOptions, CallbackServer, FlowStep } from '../../../helpers/browser.js';
import { approveInBrowser } from './browser.js';
import type { User } from './stack.js';

/**
 * What an MCP client application supplies to either SDK: an OAuth client provider kept in memory
 * (`TodoCliProvider` for the preregistered public client `todo-cli`, `CimdClientProvider` for a client
 * identified by its metadata document URL), whose `redirectToAuthorization` hands the URL to the
 * user's browser (real Chromium) and takes the callback from the application's own loopback listener
 * for `finishAuth`; and a fetch that records every request, so tests can assert the handshake step by
 * step.
 */

/** What a provider needs from the running stack. */
export interface ProviderContext {
  issuer: string;
  user: User;
  callback: CallbackServer;
}

export interface Authorization {
  /** The authorization URL the SDK sent the user to. */
  url: URL;
  /** The redirect as the application's loopback listener received it. */
  callback: URL;
  /** The Gatehouse pages the user went through. */
  steps: FlowStep[];
}

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
  readonly redirectUrl: string;
  readonly clientMetadata: {
    client_name: string;
    redirect_uris: string[];
    grant_types: string[];
    response_types: string[];
    token_endpoint_auth_method: string;
  };
  /** Every authorization the SDK asked for, and where the browser came back. */
  readonly authorizations: Authorization[] = [];
  protected client: { client_id: string; issuer?: string } | undefined;
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

  /** `browser`: options for the browser flow (e.g. `onPage` to assert what the consent page shows). */
  constructor(
    protected readonly stack: ProviderContext,
    protected readonly browser: ApproveOptions = {},
    clientName = 'Todo CLI',
  ) {
    this.redirectUrl = stack.callback.redirectUri;
    this.clientMetadata = {
      client_name: clientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
    this.client = { client_id: 'todo-cli', issuer: stack.issuer };
  }

  get issuer(): string {
    return this.stack.issuer;
  }

  /** The last callback, as the application's loopback listener received it. */
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
    return this.client;
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

  /**
   * Opens the URL in the user's browser (Chromium), and takes the outcome from the application's
   * loopback listener, as a real MCP client does: the browser's word alone is not enough.
   */
  async redirectToAuthorization(url: URL): Promise<void> {
    const outcome = await approveInBrowser(url, this.stack.user, this.browser);
    const state = url.searchParams.get('state');
    const delivered = this.stack.callback.hits.findLast((hit) => hit.searchParams.get('state') === state);
    if (!delivered) {
      throw new Error(
        `the loopback listener never received the redirect for this authorization (the browser went to ${outcome.redirect.href})`,
      );
    }
    this.authorizations.push({ url, callback: delivered, steps: outcome.steps });
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

/**
 * A portable MCP client identified by its Client ID Metadata Document: no client information up
 * front; the SDK adopts `clientMetadataUrl` as the client_id once the authorization server advertises
 * `client_id_metadata_document_supported`, and saves it here.
 */
export class CimdClientProvider extends TodoCliProvider {
  constructor(
    stack: ProviderContext,
    readonly clientMetadataUrl: string,
    clientName: string,
    browser: ApproveOptions = {},
  ) {
    super(stack, browser, clientName);
    this.client = undefined;
  }

  saveClientInformation(information: { client_id: string; issuer?: string }): void {
    this.client = information;
  }

  override invalidateCredentials(scope: string): void {
    super.invalidateCredentials(scope);
    if (scope === 'all' || scope === 'client') this.client = undefined;
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
