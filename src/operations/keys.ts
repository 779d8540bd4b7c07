import type { ResolvedConfig } from '../config/resolve.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { SigningKeyRecord } from '../store/types.js';
import { type KeyView, presentKey } from './views.js';

/**
 * Signing keys: the list (public facts only) and rotation, for the admin API, the dashboard and the CLI.
 *
 * The rule of rotation lives here and only here (docs/operations.md, "Key rotation"). A key may sign only
 * once everyone who verifies our tokens can know it:
 *
 *   signs from ≥ published + signingKeyCacheTtl + jwksMaxAge + signingKeyClockSkew
 *
 * (every instance reloads its keys within signingKeyCacheTtl of the key being written; an instance that
 * had not yet reloaded may have served the older key set just before, which a resource server or HTTP
 * cache may keep for jwksMaxAge; clocks differ by up to signingKeyClockSkew). The other side: an instance
 * that has not yet seen a rotation goes on signing with the key it had for up to signingKeyCacheTtl, so
 * the key it replaces stays published until
 *
 *   retireAt = signs-from of its successor + signingKeyCacheTtl + signingKeyClockSkew
 *              + accessTokenTtl + signingKeyGracePeriod
 *
 * A rotation whose next key is younger than the window is scheduled: the key is promoted now with a stored
 * activation time, and every instance switches to it at that time (read from the database). A second
 * rotation while one is scheduled is refused (409) unless forced: forcing (an emergency, e.g. a
 * compromised key) makes the next key sign at once and says what that costs.
 */

export function listKeys(ctx: Context): Promise<KeyView[]> {
  return ctx.store.listSigningKeys().then(presentKeys);
}

function presentKeys(records: SigningKeyRecord[]): KeyView[] {
  const order = { active: 0, next: 1, retiring: 2 } as const;
  return records.map(presentKey).sort((a, b) => order[a.state] - order[b.state] || b.createdAt - a.createdAt);
}

/** The windows of the rule above, in milliseconds, from the configuration. */
export interface KeyRotationWindows {
  /** How old an instance's copy of the keys may be (`signingKeyCacheTtl`). */
  instanceCacheMs: number;
  /** How long a JWKS response may be cached (`jwksMaxAge`, the max-age endpoints/jwks.ts serves). */
  jwksMaxAgeMs: number;
  /** `signingKeyClockSkew`. */
  skewMs: number;
  /** How long a key is published before it may sign: instanceCache + jwksMaxAge + skew. */
  prePublicationMs: number;
  /** How long a replaced key stays published after its successor signs: instanceCache + skew + token life + grace. */
  retireAfterMs: number;
}

export function keyRotationWindows(config: ResolvedConfig): KeyRotationWindows {
  const instanceCacheMs = config.signingKeyCacheTtlMs;
  const jwksMaxAgeMs = config.jwksMaxAge * 1000;
  const skewMs = config.signingKeyClockSkewMs;
  const { accessTokenTtl, signingKeyGracePeriod } = config.tokens;
  return {
    instanceCacheMs,
    jwksMaxAgeMs,
    skewMs,
    prePublicationMs: instanceCacheMs + jwksMaxAgeMs + skewMs,
    retireAfterMs: instanceCacheMs + skewMs + (accessTokenTtl + signingKeyGracePeriod) * 1000,
  };
}

export interface RotateOptions {
  /** Emergency: the next key signs at once, whatever it costs (audited as forced). */
  force?: boolean;
  /** Why (recorded in the audit event). */
  reason?: string;
}

export interface RotationResult {
  /** `rotated`: the promoted key signs now; `scheduled`: from `activateAt`; `published`: there was no next key. */
  status: 'rotated' | 'scheduled' | 'published';
  forced: boolean;
  /** The key promoted (it signs from activateAt). */
  active: string | null;
  /** The key it replaces (published until retireAt). */
  retiring: string | null;
  activateAt: number;
  retireAt: number | null;
  /** What happened and why, in a sentence or two, for the person who asked. */
  message: string;
  keys: KeyView[];
}

interface Plan {
  expect: { active: string | null; next: string | null };
  activateAt: number;
  retireAt: number;
  status: RotationResult['status'];
  message: string;
  /** For a forced rotation: how long other instances and JWKS caches may refuse the new key's tokens. */
  cost?: { instancesMs: number; jwksCachesMs: number };
}

/** `2026-11-27 14:05:31 UTC` */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const secs = (ms: number) => `${Math.ceil(Math.max(0, ms) / 1000)} s`;

/** Which caches the window waits for, as the messages name them. */
function whoSees(w: KeyRotationWindows): string {
  return (
    `every instance (key cache ${secs(w.instanceCacheMs)}) and every JWKS cache (max-age ${secs(w.jwksMaxAgeMs)}) ` +
    `has seen it, with ${secs(w.skewMs)} for clock skew`
  );
}

/** Decides a rotation from the keys as stored; throws the 409 refusal. Pure: tested on its own. */
export function planRotation(
  records: readonly SigningKeyRecord[],
  now: number,
  w: KeyRotationWindows,
  options: RotateOptions = {},
): Plan {
  const active = records.find((k) => k.state === 'active');
  const next = records.find((k) => k.state === 'next');
  const expect = { active: active?.kid ?? null, next: next?.kid ?? null };
  if (!next) {
    const message = 'There was no next key: a new next key is published; the active key keeps signing.';
    return { expect, activateAt: now, retireAt: now, status: 'published', message };
  }
  const pendingAt = active?.activateAt ?? null;
  if (active && pendingAt !== null && pendingAt > now && !options.force) {
    throw new OAuthError(
      'invalid_request',
      `A rotation is already scheduled: key ${active.kid} signs from ${utc(pendingAt)} (in ${secs(pendingAt - now)}), ` +
        `when ${whoSees(w)}. Run \`gatehouse keys rotate\` again after that time. In an emergency (a compromised ` +
        'key) force it (`gatehouse keys rotate --force`; admin API: force true in the body): the next key ' +
        `then signs at once, and tokens it signs may be refused for up to ${secs(next.createdAt + w.prePublicationMs - now)}.`,
      { status: 409, headers: { 'retry-after': String(Math.ceil((pendingAt - now) / 1000)) } },
    );
  }
  const safeAt = next.createdAt + w.prePublicationMs;
  const age = `The next key ${next.kid} was published ${secs(now - next.createdAt)} ago`;
  if (options.force && safeAt > now) {
    const cost = {
      instancesMs: Math.max(0, next.createdAt + w.instanceCacheMs + w.skewMs - now),
      jwksCachesMs: safeAt - now,
    };
    const message =
      `Forced (emergency) rotation: key ${next.kid} signs now. ${age}; until ${utc(safeAt)} not ${whoSees(w)}: ` +
      `its tokens may be refused by other instances for up to ${secs(cost.instancesMs)} and by resource servers ` +
      `holding an older JWKS for up to ${secs(cost.jwksCachesMs)}; other instances go on signing with the ` +
      `previous key for up to ${secs(w.instanceCacheMs)}.`;
    return { expect, activateAt: now, retireAt: now + w.retireAfterMs, status: 'rotated', message, cost };
  }
  if (safeAt > now) {
    const message =
      `${age}; it signs from ${utc(safeAt)}, when ${whoSees(w)}. Every instance switches to it then ` +
      `(the time is stored); until then key ${active?.kid ?? '(none)'} signs. Nothing more to run.`;
    return { expect, activateAt: safeAt, retireAt: safeAt + w.retireAfterMs, status: 'scheduled', message };
  }
  const message = `Key ${next.kid} signs now: it was published ${secs(now - next.createdAt)} ago, longer than the ${secs(w.prePublicationMs)} it takes until ${whoSees(w)}.`;
  return { expect, activateAt: now, retireAt: now + w.retireAfterMs, status: 'rotated', message };
}

/**
 * Promotes the pre-published next key under the rule above (RFC 7517 §5: verifiers find the replaced key
 * by `kid` until its tokens expire). Audited once here, with the same detail whichever surface asked.
 * The decision is a compare-and-swap on the keys it was made from, so two instances rotating at once
 * cannot both promote a key on a stale reading; the loser decides again from the new keys.
 */
export async function rotateKeys(
  ctx: Context,
  actor: string,
  options: RotateOptions = {},
): Promise<RotationResult> {
  const w = keyRotationWindows(ctx.config);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const records = await ctx.store.listSigningKeys();
    const plan = planRotation(records, ctx.now(), w, options);
    if (!(await ctx.keys.rotate(plan))) continue;
    const keys = await listKeys(ctx);
    const forced = plan.cost !== undefined;
    const result: RotationResult = {
      status: plan.status,
      forced,
      active: plan.status === 'published' ? null : plan.expect.next,
      retiring: plan.status === 'published' ? null : plan.expect.active,
      activateAt: plan.activateAt,
      retireAt: plan.status === 'published' ? null : plan.retireAt,
      message: plan.message,
      keys,
    };
    await ctx.audit({
      type: 'keys.rotated',
      actor,
      detail: {
        active: result.active ?? undefined,
        retiring: result.retiring ?? undefined,
        status: result.status,
        activateAt: new Date(plan.activateAt).toISOString(),
        forced,
        reason: options.reason ?? null,
        ...(plan.cost
          ? {
              refusedUpToSeconds: {
                instances: secs(plan.cost.instancesMs),
                jwksCaches: secs(plan.cost.jwksCachesMs),
              },
            }
          : {}),
      },
    });
    return result;
  }
  throw new OAuthError(
    'temporarily_unavailable',
    'the signing keys kept changing during the rotation; try again',
  );
}
