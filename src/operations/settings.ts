import type { Context } from '../context.js';
import type { ClientSource } from '../store/types.js';
import { HIDDEN, redactSecrets } from './redact.js';

/**
 * Read-only views for the dashboard's Overview, Keys and Settings, and key rotation. Shared by the
 * admin API and the pages.
 */

export interface Overview {
  clients: Record<ClientSource, { active: number; disabled: number }>;
  /** One entry per UTC day, oldest first, ending today. */
  days: { day: string; registrations: number; fetchFailures: number }[];
}

const DAY = 86_400_000;
const REGISTRATION_TYPES = ['dcr.registered', 'client.created'];
const FETCH_FAILED = 'cimd.fetch_failed';

export async function overview(ctx: Context, days = 14): Promise<Overview> {
  const clients: Overview['clients'] = {
    preregistered: { active: 0, disabled: 0 },
    cimd: { active: 0, disabled: 0 },
    dcr: { active: 0, disabled: 0 },
  };
  for (const row of await ctx.store.countClients()) {
    clients[row.source][row.disabled ? 'disabled' : 'active'] += row.count;
  }
  const today = Math.floor(ctx.now() / DAY) * DAY;
  const since = today - (days - 1) * DAY;
  const buckets = Array.from({ length: days }, (_, i) => ({
    day: new Date(since + i * DAY).toISOString().slice(0, 10),
    registrations: 0,
    fetchFailures: 0,
  }));
  // One grouped query over the (type, at) index; aggregate rows count as many events as they stand for,
  // so a flood of failures costs the dashboard no more than a quiet day.
  for (const row of await ctx.store.countAuditEventsByDay([...REGISTRATION_TYPES, FETCH_FAILED], since)) {
    const bucket = buckets[Math.floor((row.day - since) / DAY)];
    if (!bucket) continue;
    if (row.type === FETCH_FAILED) bucket.fetchFailures += row.count;
    else bucket.registrations += row.count;
  }
  return { clients, days: buckets };
}

export interface KeyView {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retiring';
  createdAt: number;
  retireAt: number | null;
}

export async function listKeys(ctx: Context): Promise<KeyView[]> {
  const order = { active: 0, next: 1, retiring: 2 } as const;
  return (await ctx.store.listSigningKeys())
    .map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, createdAt: k.createdAt, retireAt: k.retireAt }))
    .sort((a, b) => order[a.state] - order[b.state] || b.createdAt - a.createdAt);
}

/** Promotes the pre-published next key; the active one is published until its tokens have expired. */
export async function rotateKeys(ctx: Context, actor: string): Promise<KeyView[]> {
  const { accessTokenTtl, signingKeyGracePeriod } = ctx.config.tokens;
  await ctx.keys.rotate((accessTokenTtl + signingKeyGracePeriod) * 1000);
  const keys = await listKeys(ctx);
  await ctx.audit({
    type: 'keys.rotated',
    actor,
    detail: { active: keys.find((k) => k.state === 'active')?.kid },
  });
  return keys;
}

/**
 * The effective configuration with every secret replaced by "[hidden]" — secret fields, URL passwords
 * and secret URL parameters alike (one redaction, src/admin/redact.ts) — and hooks named, not shown.
 */
export function effectiveSettings(ctx: Context): Record<string, unknown> {
  return redactSecrets(settingsView(ctx)) as Record<string, unknown>;
}

function settingsView(ctx: Context): Record<string, unknown> {
  const c = ctx.config;
  const hook = (f: unknown) => (typeof f === 'function' ? 'configured' : 'not configured');
  return {
    issuer: c.issuer,
    database: c.database,
    secret: HIDDEN,
    signup: c.signup,
    defaultResource: c.defaultResource,
    resources: c.resources.map((r) => ({
      resource: r.resource,
      name: r.name,
      scopes: r.scopes,
      lanes: r.lanes,
    })),
    clients: c.clients.map((cl) => ({
      client_id: cl.client_id,
      token_endpoint_auth_method: cl.token_endpoint_auth_method,
      client_secret: cl.client_secret ? HIDDEN : null,
    })),
    users: c.users.map((u) => ({ email: u.email, password: HIDDEN, admin: u.admin })),
    cimd: { ...c.cimd, policy: hook(c.cimd.policy), fetch: hook(c.cimd.fetch) },
    dcr: { ...c.dcr, policy: hook(c.dcr.policy) },
    tokens: c.tokens,
    sessions: c.sessions,
    loginThrottle: c.loginThrottle,
    signingAlgorithm: c.signingAlgorithm,
    maxCredentialFailuresPerMinute: c.maxCredentialFailuresPerMinute,
    trustedProxies: c.trustedProxies,
    mailer: hook(c.mailer),
    passwordReset: c.passwordReset,
  };
}
