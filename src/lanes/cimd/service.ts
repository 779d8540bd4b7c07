import type { Context } from '../../context.js';
import { rateLimitKey } from '../../http/client-ip.js';
import type { ClientRecord } from '../../store/types.js';
import { freshnessLifetime } from './cache.js';
import { type CimdMetadata, securityRelevant, validateDocument } from './document.js';
import { AddressRefused, BodyTooLarge, createSafeFetch, type DocumentFetch, readCapped } from './fetcher.js';
import { fetchLogo, type StoredLogo } from './logo.js';
import { FetchBusy, FetchSlots } from './slots.js';
import { checkClientIdUrl } from './url.js';

/**
 * Lane 2: the client_id is an https URL and the client's metadata is the JSON document there
 * (draft-ietf-oauth-client-id-metadata-document). Resolution order: URL rules (no fetch on failure) →
 * trusted-hosts policy → the cached record, if fresh → the client IP's share of fetches in flight →
 * rate limits (a first fetch: per client IP and per host; a refresh of a known client: per host, from a
 * budget of its own, so junk URLs under a host cannot starve its real clients) → one coalesced,
 * bounded, SSRF-safe fetch (conditional when a validator is cached) → document validation → policy
 * hook → change detection → cache in the database (shared by every instance). Failures are audited
 * and never cached, except that a refresh that is throttled or fails transiently serves the document
 * validated before for up to `cimd.staleIfError` past its expiry (RFC 5861 §4), backing off for the
 * minimum TTL before asking the host again.
 */

/** What the database keeps about a document, in `ClientRecord.metadata.cimd`. */
export interface CimdCacheState {
  document: CimdMetadata;
  fetchedAt: number;
  expiresAt: number;
  etag?: string;
  lastModified?: string;
  /** Pinned by an administrator: security-relevant changes wait for approval. */
  pinned?: boolean;
  /** A changed document waiting for approval (pinned clients only). */
  pending?: { document: CimdMetadata; fetchedAt: number };
}

export type CimdResolution = { ok: true; client: ClientRecord } | { ok: false; reason: string };

/** The detail of a failure caused by a throttle (audited in aggregate only: src/audit/flood.ts). */
const THROTTLED = { throttled: true } as const;

export class CimdService {
  private readonly fetchDocument: DocumentFetch;
  private readonly inflight = new Map<string, Promise<CimdResolution>>();
  private readonly slots: FetchSlots;
  /** Per instance: after a failed refresh, when to try again (until then the stale copy is served). */
  private readonly retryAt = new Map<string, number>();

  constructor(private readonly ctx: Context) {
    const c = ctx.config.cimd;
    this.fetchDocument =
      c.fetch ??
      createSafeFetch({
        allowLoopback: c.allowLoopback,
        connectTimeoutMs: Math.min(2000, c.timeoutMs),
        timeoutMs: c.timeoutMs,
      });
    this.slots = new FetchSlots(() => ({
      global: ctx.config.cimd.maxConcurrentFetches,
      perIp: ctx.config.cimd.maxConcurrentFetchesPerIp,
      waitMs: ctx.config.cimd.timeoutMs,
    }));
  }

  async resolve(clientId: string, ip: string | null): Promise<CimdResolution> {
    const config = this.ctx.config.cimd;
    const checked = checkClientIdUrl(clientId, { allowLoopback: config.allowLoopback });
    if (!checked.ok) return { ok: false, reason: checked.reason };
    const host = checked.value.hostname;
    if (config.trustedHosts.length && !config.trustedHosts.includes(host)) {
      return { ok: false, reason: `documents from ${host} are not accepted by this server` };
    }
    const cached = await this.ctx.store.getClient(clientId);
    if (cached && cached.source !== 'cimd')
      return { ok: false, reason: 'this client ID is registered in another way' };
    const state = cached ? cimdState(cached) : undefined;
    const at = this.ctx.now();
    if (cached && state && state.expiresAt > at) return { ok: true, client: cached };
    // A refresh failed a moment ago: serve the stale copy without asking the host again yet.
    if (cached && state && (this.retryAt.get(clientId) ?? 0) > at && this.withinStaleBound(state, at))
      return { ok: true, client: cached };
    // Concurrent requests for one URL share one fetch (and one rate-limit hit).
    let pending = this.inflight.get(clientId);
    if (!pending) {
      pending = this.refresh(clientId, host, cached, ip).finally(() => this.inflight.delete(clientId));
      this.inflight.set(clientId, pending);
    }
    return pending;
  }

  /** RFC 5861 §4 (stale-if-error), as a bound past the document's expiry. */
  private withinStaleBound(state: CimdCacheState, at: number): boolean {
    return at - state.expiresAt <= this.ctx.config.cimd.staleIfErrorMs;
  }

  private async refresh(
    clientId: string,
    host: string,
    cached: ClientRecord | undefined,
    ip: string | null,
  ): Promise<CimdResolution> {
    const ipSlot = this.slots.takeIpSlot(rateLimitKey(ip));
    try {
      return await this.refreshHolding(clientId, host, cached, ip, ipSlot !== undefined);
    } finally {
      ipSlot?.();
    }
  }

  private async refreshHolding(
    clientId: string,
    host: string,
    cached: ClientRecord | undefined,
    ip: string | null,
    hasIpSlot: boolean,
  ): Promise<CimdResolution> {
    const config = this.ctx.config.cimd;
    const at = this.ctx.now();
    const known = cached ? cimdState(cached) : undefined;
    /**
     * A transient failure (throttled, busy, unreachable, 5xx, 429) of a refresh serves the document
     * validated before, within the stale bound; anything else (404, a redirect, an invalid document,
     * a private address) fails, as does a first fetch.
     */
    const fail = async (
      reason: string,
      detail: Record<string, unknown> = {},
      transient = false,
      backoff = true,
    ) => {
      if (transient && cached && known && this.withinStaleBound(known, at)) {
        if (backoff) this.rememberFailure(clientId, at);
        const staleFor = Math.round((at - known.expiresAt) / 1000);
        this.ctx.log.warn({ clientId, host, reason, staleFor }, 'serving a stale client metadata document');
        // Anyone can cause these: bounded under flood, and a throttled attempt never gets a row of its own.
        await this.ctx.auditAnonymous(
          {
            type: 'cimd.fetch_failed',
            clientId,
            ip,
            detail: { reason, host, stale: true, stale_for: staleFor, ...detail },
          },
          null,
          { throttled: detail['throttled'] === true },
        );
        return { ok: true as const, client: cached };
      }
      await this.ctx.auditAnonymous(
        { type: 'cimd.fetch_failed', clientId, ip, detail: { reason, host, ...detail } },
        null,
        { throttled: detail['throttled'] === true },
      );
      return { ok: false as const, reason };
    };
    if (!hasIpSlot)
      return fail(
        'too many documents are being fetched for your network right now; try again shortly',
        THROTTLED,
        true,
        // The requester's own cap: no reason to make anyone else wait for a refresh.
        false,
      );
    if (known) {
      // Refreshes of known clients have a budget of their own, which unknown URLs cannot spend.
      const perHost = await this.ctx.store.hitRateLimit(
        `cimd:refresh:host:${host}`,
        config.refreshesPerHostPerMinute,
        60_000,
        at,
      );
      if (!perHost.allowed)
        return fail(`${host} was asked for documents too often; try again in a minute`, THROTTLED, true);
    } else {
      const perIp = await this.ctx.store.hitRateLimit(
        `cimd:ip:${rateLimitKey(ip)}`,
        config.fetchesPerIpPerMinute,
        60_000,
        at,
      );
      if (!perIp.allowed)
        return fail(
          'too many new applications were looked up from your network; try again in a minute',
          THROTTLED,
        );
      const perHost = await this.ctx.store.hitRateLimit(
        `cimd:host:${host}`,
        config.fetchesPerHostPerMinute,
        60_000,
        at,
      );
      if (!perHost.allowed)
        return fail(`${host} was asked for documents too often; try again in a minute`, THROTTLED);
    }

    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'Gatehouse (client ID metadata)',
    };
    if (known?.etag) headers['if-none-match'] = known.etag;
    if (known?.lastModified) headers['if-modified-since'] = known.lastModified;

    let response: Response;
    let text = '';
    try {
      const release = await this.slots.acquire();
      try {
        const signal = AbortSignal.timeout(config.timeoutMs);
        response = await this.fetchDocument(clientId, { headers, signal });
        if (response.status === 200) text = await readCapped(response, config.maxDocumentBytes);
        else await response.body?.cancel().catch(() => {});
      } finally {
        release();
      }
    } catch (error) {
      return fail(describeFetchError(error, host), { error: (error as Error).name }, isTransient(error));
    }

    const policy = { minTtlMs: config.minTtlMs, maxTtlMs: config.maxTtlMs, defaultTtlMs: 5 * 60_000 };
    if (response.status === 304 && cached && known) {
      const next: CimdCacheState = {
        ...known,
        expiresAt: at + freshnessLifetime(response.headers, at, policy),
      };
      const client = { ...cached, metadata: { ...cached.metadata, cimd: next } };
      await this.ctx.store.updateClient(clientId, { metadata: client.metadata });
      this.retryAt.delete(clientId);
      return { ok: true, client };
    }
    // CIMD-01 §4: only a 200 with a JSON document counts; redirects are never followed (§6.5).
    if (response.status >= 300 && response.status < 400)
      return fail(`${host} answered with a redirect, which is not followed`);
    if (response.status !== 200) {
      const transient = response.status >= 500 || response.status === 429;
      return fail(`${host} answered HTTP ${response.status} instead of the document`, {}, transient);
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
      return fail(`${host} did not serve JSON (Content-Type: ${type || 'none'})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return fail('the document is not valid JSON');
    }
    const validated = validateDocument(clientId, json, { allowLoopback: config.allowLoopback });
    if (!validated.ok) return fail(validated.reason);
    if (config.policy) {
      const decision = await config.policy({ clientId, host, metadata: { ...validated.metadata }, ip });
      if (!decision.allow) return fail(decision.reason, { policy: true });
    }
    this.retryAt.delete(clientId);
    return this.store(clientId, validated.metadata, response.headers, cached, at, policy);
  }

  /** Bounded: a flood of failing clients forgets the oldest back-off first. */
  private rememberFailure(clientId: string, at: number): void {
    if (this.retryAt.size >= 10_000) this.retryAt.delete(this.retryAt.keys().next().value!);
    this.retryAt.set(clientId, at + this.ctx.config.cimd.minTtlMs);
  }

  private async store(
    clientId: string,
    document: CimdMetadata,
    headers: Headers,
    cached: ClientRecord | undefined,
    at: number,
    policy: { minTtlMs: number; maxTtlMs: number; defaultTtlMs: number },
  ): Promise<CimdResolution> {
    const previous = cached ? cimdState(cached) : undefined;
    const expiresAt = at + freshnessLifetime(headers, at, policy);
    const validators = {
      ...(headers.get('etag') ? { etag: headers.get('etag')! } : {}),
      ...(headers.get('last-modified') ? { lastModified: headers.get('last-modified')! } : {}),
    };
    const changed =
      previous !== undefined && securityRelevant(previous.document) !== securityRelevant(document);
    let state: CimdCacheState;
    if (changed && previous?.pinned) {
      // Pinned: keep serving the approved document; the change waits for an administrator.
      state = { ...previous, expiresAt, ...validators, pending: { document, fetchedAt: at } };
      await this.ctx.audit({
        type: 'cimd.change_staged',
        clientId,
        detail: { redirect_uris: document.redirect_uris },
      });
    } else {
      state = {
        document,
        fetchedAt: at,
        expiresAt,
        ...validators,
        ...(previous?.pinned ? { pinned: true } : {}),
      };
      if (changed) {
        // Existing consent was given for other values: ask again (grants keep their own bindings).
        await this.ctx.store.deleteConsents({ clientId });
        await this.ctx.audit({
          type: 'cimd.changed',
          clientId,
          detail: { redirect_uris: document.redirect_uris },
        });
      }
    }
    const client = clientRecordFromDocument(clientId, state, cached, at);
    const logoUri = state.document.logo_uri;
    const previousLogo = cached?.metadata.logo as StoredLogo | undefined;
    if (!logoUri) delete client.metadata.logo;
    else if (previousLogo?.source !== logoUri) {
      const logo = await fetchLogo(this.fetchDocument, logoUri, this.ctx.config.cimd.timeoutMs, at);
      if (logo) client.metadata.logo = logo;
      else delete client.metadata.logo;
    }
    await this.ctx.store.upsertClient(client);
    if (!previous)
      await this.ctx.audit({ type: 'cimd.fetched', clientId, detail: { host: new URL(clientId).host } });
    return {
      ok: true,
      client: cached
        ? { ...client, disabledAt: cached.disabledAt, disabledReason: cached.disabledReason }
        : client,
    };
  }
}

export function cimdState(client: ClientRecord): CimdCacheState | undefined {
  return client.metadata.cimd as CimdCacheState | undefined;
}

export function clientRecordFromDocument(
  clientId: string,
  state: CimdCacheState,
  cached: ClientRecord | undefined,
  at: number,
): ClientRecord {
  const d = state.document;
  return {
    client_id: clientId,
    source: 'cimd',
    client_name: d.client_name,
    redirect_uris: d.redirect_uris,
    post_logout_redirect_uris: [],
    grant_types: d.grant_types,
    response_types: ['code'],
    token_endpoint_auth_method: d.token_endpoint_auth_method,
    application_type: d.application_type,
    scope: null,
    resources: [],
    introspect: [],
    first_party: false,
    secretHash: null,
    metadata: withClientKeys({ ...(cached?.metadata ?? {}), cimd: state }, d.keys),
    createdAt: cached?.createdAt ?? at,
    updatedAt: at,
    lastUsedAt: cached?.lastUsedAt ?? null,
    disabledAt: cached?.disabledAt ?? null,
    disabledReason: cached?.disabledReason ?? null,
  };
}

/** The document's keys as every lane keeps them (src/lanes/client-keys.ts); none when it has none. */
function withClientKeys(metadata: Record<string, unknown>, keys: CimdMetadata['keys']) {
  const { clientKeys: _previous, ...rest } = metadata;
  return keys ? { ...rest, clientKeys: keys } : rest;
}

/** Errors that say nothing about the document: worth serving the copy validated before. */
function isTransient(error: unknown): boolean {
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof BodyTooLarge || error instanceof AddressRefused || cause instanceof AddressRefused)
    return false;
  return (cause as { code?: string })?.code !== 'EADDRREFUSED';
}

function describeFetchError(error: unknown, host: string): string {
  if (error instanceof BodyTooLarge) return `the document at ${host} is larger than ${error.limit} bytes`;
  if (error instanceof FetchBusy) return error.message;
  const cause = (error as { cause?: unknown }).cause;
  if (
    error instanceof AddressRefused ||
    cause instanceof AddressRefused ||
    (cause as { code?: string })?.code === 'EADDRREFUSED'
  ) {
    return `${host} resolves to a private or reserved address, which this server does not contact`;
  }
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `${host} did not answer in time`;
  const code = (cause as { code?: string })?.code ?? (error as { code?: string }).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${host} could not be found`;
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `${host} did not present a trusted TLS certificate`;
  }
  return `the document at ${host} could not be fetched`;
}
