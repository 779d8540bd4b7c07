import type { Context } from '../../context.js';
import type { ClientRecord } from '../../store/types.js';
import { freshnessLifetime } from './cache.js';
import { type CimdMetadata, securityRelevant, validateDocument } from './document.js';
import { AddressRefused, BodyTooLarge, createSafeFetch, type DocumentFetch, readCapped } from './fetcher.js';
import { fetchLogo, type StoredLogo } from './logo.js';
import { checkClientIdUrl } from './url.js';

/**
 * Lane 2: the client_id is an https URL and the client's metadata is the JSON document there
 * (draft-ietf-oauth-client-id-metadata-document). Resolution order: URL rules (no fetch on failure) →
 * trusted-hosts policy → the cached record, if fresh → rate limits → one coalesced, bounded, SSRF-safe
 * fetch (conditional when a validator is cached) → document validation → policy hook → change
 * detection → cache in the database (shared by every instance). Failures are audited and never cached.
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

export class CimdService {
  private readonly fetchDocument: DocumentFetch;
  private readonly inflight = new Map<string, Promise<CimdResolution>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly ctx: Context) {
    const c = ctx.config.cimd;
    this.fetchDocument =
      c.fetch ??
      createSafeFetch({
        allowLoopback: c.allowLoopback,
        connectTimeoutMs: Math.min(2000, c.timeoutMs),
        timeoutMs: c.timeoutMs,
      });
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
    if (cached && state && state.expiresAt > this.ctx.now()) return { ok: true, client: cached };
    // Concurrent requests for one URL share one fetch (and one rate-limit hit).
    let pending = this.inflight.get(clientId);
    if (!pending) {
      pending = this.refresh(clientId, host, cached, ip).finally(() => this.inflight.delete(clientId));
      this.inflight.set(clientId, pending);
    }
    return pending;
  }

  private async refresh(
    clientId: string,
    host: string,
    cached: ClientRecord | undefined,
    ip: string | null,
  ): Promise<CimdResolution> {
    const config = this.ctx.config.cimd;
    const at = this.ctx.now();
    const fail = async (reason: string, detail: Record<string, unknown> = {}) => {
      await this.ctx.audit({ type: 'cimd.fetch_failed', clientId, ip, detail: { reason, host, ...detail } });
      return { ok: false as const, reason };
    };
    const perIp = await this.ctx.store.hitRateLimit(
      `cimd:ip:${ip ?? 'unknown'}`,
      config.fetchesPerIpPerMinute,
      60_000,
      at,
    );
    if (!perIp.allowed)
      return fail('too many new applications were looked up from your network; try again in a minute');
    const perHost = await this.ctx.store.hitRateLimit(
      `cimd:host:${host}`,
      config.fetchesPerHostPerMinute,
      60_000,
      at,
    );
    if (!perHost.allowed) return fail(`${host} was asked for documents too often; try again in a minute`);

    const state = cached ? cimdState(cached) : undefined;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'Gatehouse (client ID metadata)',
    };
    if (state?.etag) headers['if-none-match'] = state.etag;
    if (state?.lastModified) headers['if-modified-since'] = state.lastModified;

    let response: Response;
    let text = '';
    const release = await this.acquire();
    try {
      const signal = AbortSignal.timeout(config.timeoutMs);
      response = await this.fetchDocument(clientId, { headers, signal });
      if (response.status === 200) text = await readCapped(response, config.maxDocumentBytes);
      else await response.body?.cancel().catch(() => {});
    } catch (error) {
      return fail(describeFetchError(error, host), { error: (error as Error).name });
    } finally {
      release();
    }

    const policy = { minTtlMs: config.minTtlMs, maxTtlMs: config.maxTtlMs, defaultTtlMs: 5 * 60_000 };
    if (response.status === 304 && cached && state) {
      const next: CimdCacheState = {
        ...state,
        expiresAt: at + freshnessLifetime(response.headers, at, policy),
      };
      const client = { ...cached, metadata: { ...cached.metadata, cimd: next } };
      await this.ctx.store.updateClient(clientId, { metadata: client.metadata });
      return { ok: true, client };
    }
    // CIMD-01 §4: only a 200 with a JSON document counts; redirects are never followed (§6.5).
    if (response.status >= 300 && response.status < 400)
      return fail(`${host} answered with a redirect, which is not followed`);
    if (response.status !== 200)
      return fail(`${host} answered HTTP ${response.status} instead of the document`);
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
    const validated = validateDocument(clientId, json);
    if (!validated.ok) return fail(validated.reason);
    if (config.policy) {
      const decision = await config.policy({ clientId, host, metadata: { ...validated.metadata }, ip });
      if (!decision.allow) return fail(decision.reason, { policy: true });
    }
    return this.store(clientId, validated.metadata, response.headers, cached, at, policy);
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

  /** A global cap on fetches in flight; a request that cannot get a slot within the timeout fails. */
  private async acquire(): Promise<() => void> {
    const limit = this.ctx.config.cimd.maxConcurrentFetches;
    if (this.active >= limit) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = this.waiting.indexOf(go);
          if (index >= 0) this.waiting.splice(index, 1);
          reject(new Error('busy'));
        }, this.ctx.config.cimd.timeoutMs);
        const go = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiting.push(go);
      }).catch(() => {
        throw new FetchBusy();
      });
    }
    this.active++;
    return () => {
      this.active--;
      this.waiting.shift()?.();
    };
  }
}

class FetchBusy extends Error {
  override name = 'FetchBusy';
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
    token_endpoint_auth_method: 'none',
    application_type: d.application_type,
    scope: null,
    resources: [],
    introspect: [],
    first_party: false,
    secretHash: null,
    metadata: { ...(cached?.metadata ?? {}), cimd: state },
    createdAt: cached?.createdAt ?? at,
    updatedAt: at,
    lastUsedAt: cached?.lastUsedAt ?? null,
    disabledAt: cached?.disabledAt ?? null,
    disabledReason: cached?.disabledReason ?? null,
  };
}

function describeFetchError(error: unknown, host: string): string {
  if (error instanceof BodyTooLarge) return `the document at ${host} is larger than ${error.limit} bytes`;
  if (error instanceof FetchBusy) return 'too many documents are being fetched right now; try again shortly';
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
