import * as oauth from 'oauth4webapi';
import type { GatehouseOptions } from '../../src/config/options.js';
import { baseOptions, RESOURCE } from './fixtures.js';

/**
 * An in-memory "internet" of client metadata documents for CIMD tests, plugged in through the
 * `cimd.fetch` hook: every request is recorded, and each URL's answer is configurable.
 */
export interface FakeDocument {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class DocumentHost {
  readonly requests: { url: string; headers: Record<string, string> }[] = [];
  readonly documents = new Map<string, FakeDocument>();

  readonly fetch = async (url: string, init: { headers: Record<string, string> }): Promise<Response> => {
    this.requests.push({ url, headers: init.headers });
    const doc = this.documents.get(url);
    if (!doc) return new Response('not found', { status: 404 });
    const etag = doc.headers?.etag;
    if (etag && init.headers['if-none-match'] === etag)
      return new Response(null, { status: 304, headers: doc.headers });
    const body = typeof doc.body === 'string' ? doc.body : JSON.stringify(doc.body);
    return new Response(body, {
      status: doc.status ?? 200,
      headers: { 'content-type': 'application/json', ...doc.headers },
    });
  };

  count(url: string): number {
    return this.requests.filter((r) => r.url === url).length;
  }

  /** Serves a valid document for `url`. */
  publish(url: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
    this.documents.set(url, {
      body: {
        client_id: url,
        client_name: 'Portable Tool',
        redirect_uris: ['http://127.0.0.1/callback', 'https://tool.example.com/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
        ...extra,
      },
      headers,
    });
  }
}

export function cimdOptions(
  host: DocumentHost,
  cimd: GatehouseOptions['cimd'] = {},
): Partial<GatehouseOptions> {
  return { ...baseOptions(), cimd: { enabled: true, fetch: host.fetch, ...cimd } };
}

export async function authorizationUrl(
  issuer: string,
  clientId: string,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<{ url: string; verifier: string; state: string }> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(`${issuer}/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    state,
    resource: RESOURCE,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url: url.href, verifier, state };
}
