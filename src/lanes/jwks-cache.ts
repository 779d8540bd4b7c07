import type { JSONWebKeySet } from 'jose';
import type { Context } from '../context.js';
import { freshnessLifetime } from './cimd/cache.js';
import { type DocumentFetch, readCapped, requestUrlFetch } from './cimd/fetcher.js';
import { jwksProblem, MAX_JWKS_BYTES } from './client-keys.js';

/**
 * Key sets behind `jwks_uri` (RFC 7591 §2), per instance:
 * - a URL that arrived in a request (a CIMD document's, an admin API client's) is fetched only through
 *   the CIMD lane's SSRF-safe fetcher (CIMD -02 PR #74: "any URL in it"); a configuration file's
 *   through an ordinary fetch (the operator vouches for it, DESIGN.md §4); both capped in size and time,
 *   redirects never followed;
 * - cached with HTTP semantics (RFC 9111, clamped to cimd.minTtl…maxTtl as documents are);
 * - an assertion whose `kid` is unknown may trigger one re-fetch (a key rotation), at most once per
 *   `cimd.jwksCooldown` per URL, coalesced with any fetch in flight: a flood of assertions with
 *   random `kid`s costs one fetch per cooldown, not one per assertion. Failures are not cached but
 *   count for the cooldown too.
 */
/** Bounded memory: at most 256 key sets of at most 32 KB each (8 MB) per instance; the oldest goes first. */
const MAX_ENTRIES = 256;

interface Entry {
  keys?: JSONWebKeySet;
  expiresAt: number;
  /** When this URL was last asked (successfully or not). */
  attemptedAt: number;
}

export class JwksUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksUnavailable';
  }
}

export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<JSONWebKeySet>>();
  private readonly safeFetch: DocumentFetch;
  private readonly trustedFetch: DocumentFetch;
  /** Tests: how many fetches were started. */
  fetches = 0;

  constructor(private readonly ctx: Context) {
    const c = ctx.config.cimd;
    this.safeFetch = requestUrlFetch(c);
    this.trustedFetch = (url, init) =>
      fetch(url, { headers: init.headers, signal: init.signal, redirect: 'manual' });
  }

  /**
   * The key set at `uri`: the cached one while fresh; with `unknownKid`, a re-fetch if the cooldown
   * allows it (else the cached set, which the caller will find lacks the key).
   */
  async get(uri: string, options: { trusted: boolean; unknownKid?: boolean }): Promise<JSONWebKeySet> {
    const now = this.ctx.now();
    const entry = this.entries.get(uri);
    const cooling = entry !== undefined && now - entry.attemptedAt < this.ctx.config.cimd.jwksCooldownMs;
    if (entry?.keys && entry.expiresAt > now && !options.unknownKid) return entry.keys;
    if (entry && cooling) {
      if (entry.keys) return entry.keys;
      throw new JwksUnavailable('the client key set could not be fetched; try again later');
    }
    let pending = this.inflight.get(uri);
    if (!pending) {
      pending = this.load(uri, options.trusted, now).finally(() => this.inflight.delete(uri));
      this.inflight.set(uri, pending);
    }
    return pending;
  }

  private async load(uri: string, trusted: boolean, now: number): Promise<JSONWebKeySet> {
    const previous = this.entries.get(uri);
    this.remember(uri, { ...previous, expiresAt: previous?.expiresAt ?? 0, attemptedAt: now });
    this.fetches++;
    const timeoutMs = this.ctx.config.cimd.timeoutMs;
    let text: string;
    let headers: Headers;
    try {
      const response = await (trusted ? this.trustedFetch : this.safeFetch)(uri, {
        headers: {
          accept: 'application/jwk-set+json, application/json',
          'user-agent': 'Gatehouse (client keys)',
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw new JwksUnavailable(`the client key set answered HTTP ${response.status}`);
      }
      text = await readCapped(response, MAX_JWKS_BYTES);
      headers = response.headers;
    } catch (error) {
      this.ctx.log.warn({ jwks_uri: uri, err: (error as Error).message }, 'client key set fetch failed');
      if (previous?.keys) return previous.keys;
      throw error instanceof JwksUnavailable
        ? error
        : new JwksUnavailable('the client key set could not be fetched');
    }
    let keys: unknown;
    try {
      keys = JSON.parse(text);
    } catch {
      throw new JwksUnavailable('the client key set is not JSON');
    }
    const problem = jwksProblem(keys);
    if (problem) throw new JwksUnavailable(`the client key set is unusable: ${problem}`);
    const c = this.ctx.config.cimd;
    const ttl = freshnessLifetime(headers, now, {
      minTtlMs: c.minTtlMs,
      maxTtlMs: c.maxTtlMs,
      defaultTtlMs: c.defaultTtlMs,
    });
    this.remember(uri, { keys: keys as JSONWebKeySet, expiresAt: now + ttl, attemptedAt: now });
    return keys as JSONWebKeySet;
  }

  private remember(uri: string, entry: Entry): void {
    if (!this.entries.has(uri) && this.entries.size >= MAX_ENTRIES)
      this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(uri, entry);
  }
}

const caches = new WeakMap<Context, JwksCache>();

/** The instance's key-set cache (created on the first private_key_jwt request). */
export function jwksCacheOf(ctx: Context): JwksCache {
  let cache = caches.get(ctx);
  if (!cache) {
    cache = new JwksCache(ctx);
    caches.set(ctx, cache);
  }
  return cache;
}
