import type { Context } from '../../context.js';
import { rateLimitKey } from '../../http/client-ip.js';
import type { ClientRecord } from '../../store/types.js';
import { freshnessLifetime } from './cache.js';
import { type CimdMetadata, securityRelevant, validateDocument } from './document.js';
import { type DocumentFetch, readCapped, requestUrlFetch } from './fetcher.js';
import { fetchLogo, type StoredLogo } from './logo.js';
import { type CimdCacheState, cimdState, clientRecordFromDocument } from './record.js';
import { describeFetchError, documentJson, isTransient } from './response.js';
import { FetchSlots } from './slots.js';
import { checkClientIdUrl } from './url.js';

export { type CimdCacheState, cimdState, clientRecordFromDocument } from './record.js';

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
    this.fetchDocument = requestUrlFetch(c);
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
    const fail = this.failure(clientId, host, cached, known, ip, at);
    if (!hasIpSlot)
      return fail(
        'too many documents are being fetched for your network right now; try again shortly',
        THROTTLED,
        true,
        // The requester's own cap: no reason to make anyone else wait for a refresh.
        false,
      );
    const refused = await this.spendBudget(known, host, ip, at);
    if (refused) return fail(refused, THROTTLED, known !== undefined);

    let fetched: { response: Response; text: string };
    try {
      fetched = await this.fetchOnce(clientId, known);
    } catch (error) {
      return fail(describeFetchError(error, host), { error: (error as Error).name }, isTransient(error));
    }
    const { response, text } = fetched;
    const policy = {
      minTtlMs: config.minTtlMs,
      maxTtlMs: config.maxTtlMs,
      defaultTtlMs: config.defaultTtlMs,
    };
    if (response.status === 304 && cached && known) {
      const next: CimdCacheState = {
        ...known,
        expiresAt: at + freshnessLifetime(response.headers, at, policy),
      };
      const client = { ...cached, metadata: { ...cached.metadata, cimd: next } };
      await this.ctx.store.updateClient(clientId, { metadata: client.metadata });
      this.retryAt.delete(clientId);
      this.ctx.metrics.cimdFetch('not_modified');
      return { ok: true, client };
    }
    const json = documentJson(response, text, host);
    if (!json.ok) return fail(json.reason, {}, json.transient);
    const validated = validateDocument(clientId, json.value, { allowLoopback: config.allowLoopback });
    if (!validated.ok) return fail(validated.reason);
    if (config.policy) {
      const decision = await config.policy({ clientId, host, metadata: { ...validated.metadata }, ip });
      if (!decision.allow) return fail(decision.reason, { policy: true });
    }
    this.retryAt.delete(clientId);
    this.ctx.metrics.cimdFetch('fetched');
    return this.store(clientId, validated.metadata, response.headers, cached, at, policy);
  }

  /**
   * How a refresh fails. A transient failure (throttled, busy, unreachable, 5xx, 429) of a refresh
   * serves the document validated before, within the stale bound; anything else (404, a redirect, an
   * invalid document, a private address) fails, as does a first fetch.
   */
  private failure(
    clientId: string,
    host: string,
    cached: ClientRecord | undefined,
    known: CimdCacheState | undefined,
    ip: string | null,
    at: number,
  ) {
    return async (
      reason: string,
      detail: Record<string, unknown> = {},
      transient = false,
      backoff = true,
    ): Promise<CimdResolution> => {
      // Anyone can cause these: bounded under flood, and a throttled attempt never gets a row of its own.
      const throttled = { throttled: detail['throttled'] === true };
      const stale =
        transient && cached !== undefined && known !== undefined && this.withinStaleBound(known, at);
      this.ctx.metrics.cimdFetch(
        throttled.throttled ? 'throttled' : detail['policy'] ? 'refused' : stale ? 'stale' : 'failed',
      );
      if (stale && cached && known) {
        if (backoff) this.rememberFailure(clientId, at);
        const staleFor = Math.round((at - known.expiresAt) / 1000);
        this.ctx.log.warn({ clientId, host, reason, staleFor }, 'serving a stale client metadata document');
        await this.ctx.auditAnonymous(
          {
            type: 'cimd.fetch_failed',
            clientId,
            ip,
            detail: { reason, host, stale: true, stale_for: staleFor, ...detail },
          },
          null,
          throttled,
        );
        return { ok: true, client: cached };
      }
      await this.ctx.auditAnonymous(
        { type: 'cimd.fetch_failed', clientId, ip, detail: { reason, host, ...detail } },
        null,
        throttled,
      );
      return { ok: false, reason };
    };
  }

  /**
   * Spends the fetch budgets (counters in the database, shared by every instance): refreshes of known
   * clients have a per-host budget of their own, which unknown URLs cannot spend; first fetches count
   * per client network and per host. Returns why it was refused, or undefined.
   */
  private async spendBudget(
    known: CimdCacheState | undefined,
    host: string,
    ip: string | null,
    at: number,
  ): Promise<string | undefined> {
    const config = this.ctx.config.cimd;
    const tooOften = `${host} was asked for documents too often; try again in a minute`;
    if (known) {
      const perHost = await this.ctx.store.hitRateLimit(
        `cimd:refresh:host:${host}`,
        config.refreshesPerHostPerMinute,
        60_000,
        at,
      );
      return perHost.allowed ? undefined : tooOften;
    }
    const perIp = await this.ctx.store.hitRateLimit(
      `cimd:ip:${rateLimitKey(ip)}`,
      config.fetchesPerIpPerMinute,
      60_000,
      at,
    );
    if (!perIp.allowed)
      return 'too many new applications were looked up from your network; try again in a minute';
    const perHost = await this.ctx.store.hitRateLimit(
      `cimd:host:${host}`,
      config.fetchesPerHostPerMinute,
      60_000,
      at,
    );
    return perHost.allowed ? undefined : tooOften;
  }

  /** One conditional GET within a fetch slot, the body read only for a 200 and capped. */
  private async fetchOnce(
    clientId: string,
    known: CimdCacheState | undefined,
  ): Promise<{ response: Response; text: string }> {
    const config = this.ctx.config.cimd;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'Gatehouse (client ID metadata)',
    };
    if (known?.etag) headers['if-none-match'] = known.etag;
    if (known?.lastModified) headers['if-modified-since'] = known.lastModified;
    const release = await this.slots.acquire();
    try {
      const signal = AbortSignal.timeout(config.timeoutMs);
      const response = await this.fetchDocument(clientId, { headers, signal });
      let text = '';
      if (response.status === 200) text = await readCapped(response, config.maxDocumentBytes);
      else await response.body?.cancel().catch(() => {});
      return { response, text };
    } finally {
      release();
    }
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
