import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { rateLimitKey } from '../http/client-ip.js';
import { assertJsonFieldLengths } from '../http/limits.js';
import { readBody } from '../http/params.js';
import { jsonNoStore } from '../http/respond.js';
import {
  clientRecordFromRegistration,
  type RegisteredMetadata,
  registrationClientId,
  validateRegistration,
} from '../lanes/dcr.js';
import { type ClientRecord, UniqueViolation } from '../store/types.js';

/**
 * POST /register: Dynamic Client Registration (RFC 7591 §3), only when `dcr.enabled`.
 * Order: parse → validate → an identical earlier registration from the same source is returned as is
 * (it costs no quota, so hosted clients behind one egress IP are not locked out) → rate limits per IP
 * (IPv6 by /64) and globally (counters in the database; the global one is only spent by requests the
 * per-IP limit let through, and config keeps that limit at most a quarter of the global one) → policy
 * hook → insert. Every outcome is audited.
 */
export async function handleRegister(ctx: Context, req: RequestInfo): Promise<Response> {
  // Anyone can cause every outcome but a registration (which its own limits bound): bounded under flood,
  // and a rate-limited attempt only counts into an aggregate row (src/audit/flood.ts).
  const audit = (type: string, detail: Record<string, unknown>, clientId?: string) => {
    ctx.metrics.registration(type);
    return type === 'dcr.registered'
      ? ctx.audit({ type, clientId: clientId ?? null, detail }, req)
      : ctx.auditAnonymous({ type, clientId: clientId ?? null, detail }, req, {
          throttled: type === 'dcr.rate_limited',
        });
  };
  let metadata: RegisteredMetadata;
  let body: unknown;
  try {
    body = await readJson(req.request);
    metadata = validateRegistration(body, ctx.config, ctx.resources.snapshot().resources);
  } catch (error) {
    if (error instanceof OAuthError)
      await audit('dcr.rejected', { reason: error.description, error: error.error });
    throw error;
  }
  // One source per client IP, an IPv6 /64 as one (client-ip.ts): rotating addresses within it neither
  // mints new client_ids for one registration nor escapes the per-IP limit.
  const source = rateLimitKey(req.ip);
  const { clientId, fingerprint } = registrationClientId(metadata, source, ctx.secrets.state);
  // RFC 7591 §3.2.1: a requested method replaced by "none" (lanes/dcr.ts) is on record for operators.
  const asked = (body as Record<string, unknown>).token_endpoint_auth_method;
  const substitution =
    typeof asked === 'string' && asked !== metadata.token_endpoint_auth_method
      ? { requested_token_endpoint_auth_method: asked }
      : {};
  const existing = await ctx.store.getClient(clientId);
  if (existing) {
    if (existing.disabledAt !== null) {
      await audit('dcr.rejected', { reason: 'identical registration is disabled', fingerprint }, clientId);
      throw new OAuthError(
        'invalid_client_metadata',
        'this registration has been disabled by an administrator',
      );
    }
    await audit('dcr.reused', { fingerprint, ...substitution }, clientId);
    return registrationResponse(existing, metadata, req.cors);
  }

  const at = ctx.now();
  await spendQuota(ctx, source, at, (scope) => audit('dcr.rate_limited', { fingerprint, scope }));
  await askPolicy(ctx, req, metadata, (reason) =>
    audit('dcr.rejected', { reason, fingerprint, policy: true }),
  );
  const record = clientRecordFromRegistration(
    metadata,
    clientId,
    { fingerprint, ip: req.ip, userAgent: req.userAgent },
    at,
  );
  try {
    await ctx.store.createClient(record);
  } catch (error) {
    // The same registration raced itself: the other request created the row.
    if (!(error instanceof UniqueViolation)) throw error;
  }
  await audit(
    'dcr.registered',
    { fingerprint, redirect_uris: metadata.redirect_uris, ...substitution },
    clientId,
  );
  return registrationResponse(record, metadata, req.cors);
}

type Refused<T = void> = (detail: T) => Promise<void>;

/**
 * Per-IP then global registration counters (in the database, shared by every instance); the global
 * one is spent only by requests the per-IP limit let through. 429 with Retry-After past either.
 */
async function spendQuota(
  ctx: Context,
  source: string,
  at: number,
  refused: Refused<'ip' | 'global'>,
): Promise<void> {
  const windowMs = ctx.config.dcr.windowSeconds * 1000;
  const perIp = await ctx.store.hitRateLimit(
    `dcr:ip:${source}`,
    ctx.config.dcr.maxRegistrationsPerWindow,
    windowMs,
    at,
  );
  const global = perIp.allowed
    ? await ctx.store.hitRateLimit('dcr:global', ctx.config.dcr.maxRegistrationsGlobal, windowMs, at)
    : perIp;
  if (!perIp.allowed || !global.allowed) {
    await refused(perIp.allowed ? 'global' : 'ip');
    throw new OAuthError('rate_limited', 'too many client registrations; try again later', {
      headers: { 'retry-after': String(Math.max(1, global.retryAfter)) },
    });
  }
}

/** The operator's `dcr.policy` hook sees a copy of the validated metadata and may refuse with a reason. */
async function askPolicy(
  ctx: Context,
  req: RequestInfo,
  metadata: RegisteredMetadata,
  refused: Refused<string>,
): Promise<void> {
  if (!ctx.config.dcr.policy) return;
  const decision = await ctx.config.dcr.policy({
    metadata: { ...metadata },
    ip: req.ip,
    userAgent: req.userAgent,
  });
  if (!decision.allow) {
    await refused(decision.reason);
    throw new OAuthError('invalid_client_metadata', decision.reason);
  }
}

async function readJson(request: Request): Promise<unknown> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new OAuthError(
      'invalid_client_metadata',
      'the registration must be a JSON object (Content-Type: application/json)',
    );
  }
  const text = await readBody(request, 16 * 1024);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OAuthError('invalid_client_metadata', 'the body is not valid JSON');
  }
  // RFC 7591 §3.2.2: a value this server will not accept is invalid_client_metadata, or
  // invalid_redirect_uri for the redirect URIs.
  assertJsonFieldLengths(body, (field) =>
    field === 'redirect_uri' || field === 'redirect_uris'
      ? 'invalid_redirect_uri'
      : 'invalid_client_metadata',
  );
  return body;
}

/** RFC 7591 §3.2.1: every registered value, defaults included, with client_id_issued_at; never cached. */
function registrationResponse(
  client: ClientRecord,
  metadata: RegisteredMetadata,
  cors: Record<string, string> | undefined,
): Response {
  return jsonNoStore(
    { client_id: client.client_id, client_id_issued_at: Math.floor(client.createdAt / 1000), ...metadata },
    { status: 201, headers: cors },
  );
}
