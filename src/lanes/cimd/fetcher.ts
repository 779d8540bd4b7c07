import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { readLimited } from '../../http/body.js';
import { isAllowedAddress } from './address.js';

/**
 * The SSRF-safe fetcher behind the CIMD lane (CIMD-01 §6.5, -02 PR #74; OWASP SSRF cheat sheet):
 * - every address a host name resolves to must be public unicast, or the fetch is refused before any
 *   connection; the connection uses exactly the checked answer (pinned: no rebinding window);
 * - IP literal hosts are checked the same way (they bypass DNS);
 * - its own dispatcher, so no proxy from the environment is ever used;
 * - redirects are returned, never followed; timeouts on connect, headers and body.
 * Replaceable (the `cimd.fetch` option) so tests can serve documents without a network.
 */

export type DocumentFetch = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

export class AddressRefused extends Error {
  constructor(readonly host: string) {
    super(`${host} resolves to an address that is not public`);
    this.name = 'AddressRefused';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** The resolver the filter consults; node:dns by default, a stub in tests. */
export type Resolver = (
  hostname: string,
  options: { all: true; family: number },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export function filteringLookup(
  allowLoopback: boolean,
  resolver: Resolver = dnsLookup as unknown as Resolver,
) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    resolver(hostname, { all: true, family: options.family ?? 0 }, (error, found) => {
      if (error) return callback(error, []);
      // IPv4 first: loopback test servers and most public hosts answer there.
      const addresses = [...found].sort((a, b) => a.family - b.family);
      // Fail closed: one private answer among public ones refuses the host (mixed answers are an attack).
      if (addresses.length === 0 || addresses.some((a) => !isAllowedAddress(a.address, allowLoopback))) {
        return callback(Object.assign(new AddressRefused(hostname), { code: 'EADDRREFUSED' }), []);
      }
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

export function createSafeFetch(options: {
  allowLoopback: boolean;
  connectTimeoutMs: number;
  timeoutMs: number;
  /** Tests only: a stub DNS resolver. */
  resolver?: Resolver;
}): DocumentFetch {
  // undici is loaded on the first fetch: a server that never meets a CIMD client never pays its
  // memory (~10 MB of modules), and the first fetch waits a few milliseconds once.
  let client: Promise<{ agent: import('undici').Agent; fetch: typeof import('undici').fetch }> | undefined;
  const load = async () => {
    const { Agent, fetch } = await import('undici');
    const agent = new Agent({
      connect: {
        lookup: filteringLookup(options.allowLoopback, options.resolver) as never,
        timeout: options.connectTimeoutMs,
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: 4,
      pipelining: 0,
    });
    return { agent, fetch };
  };
  return async (url, init) => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !isAllowedAddress(host, options.allowLoopback)) throw new AddressRefused(host);
    client ??= load();
    const { agent, fetch } = await client;
    const response = await fetch(url, {
      method: 'GET',
      headers: init.headers,
      signal: init.signal,
      redirect: 'manual',
      dispatcher: agent,
    });
    return response as unknown as Response;
  };
}

/**
 * Reads a response body, refusing more than `maxBytes` (counted after decompression, while streaming:
 * a gzip bomb or an endless body is cut off at the cap).
 */
export async function readCappedBytes(response: Response, maxBytes: number): Promise<Buffer> {
  const body = await readLimited(response.body, maxBytes);
  if (!body) throw new BodyTooLarge(maxBytes);
  return body;
}

/** The body as UTF-8 text, with the same cap. */
export async function readCapped(response: Response, maxBytes: number): Promise<string> {
  return (await readCappedBytes(response, maxBytes)).toString('utf8');
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the document is larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/**
 * The fetch for URLs that arrive in requests (CIMD documents, their logos, their `jwks_uri`): the
 * operator's `cimd.fetch` when given (tests, proxies), else the SSRF-safe fetch with the CIMD timeouts.
 */
export function requestUrlFetch(c: {
  fetch?: DocumentFetch;
  allowLoopback: boolean;
  timeoutMs: number;
}): DocumentFetch {
  return (
    c.fetch ??
    createSafeFetch({
      allowLoopback: c.allowLoopback,
      connectTimeoutMs: Math.min(2000, c.timeoutMs),
      timeoutMs: c.timeoutMs,
    })
  );
}
