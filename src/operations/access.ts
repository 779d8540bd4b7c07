import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { adminResource } from '../grants/audience.js';

/**
 * Whether the subject of a verified admin API access token may act as an administrator now (the HTTP
 * side, admin/api/auth.ts, checks the signature, audience, expiry and scope first). Revocation and the
 * client's and user's current state are read here, so removing a client's admin resource or a user's
 * admin flag takes effect at once.
 */
export interface AdminActor {
  /** What the audit log records as the actor: `client:{client_id}`, `user:{id}` or `cli`. */
  id: string;
}

export interface AdminTokenSubject {
  jti: string;
  sub: string;
  client_id: string;
  /** The grant of a token a user delegated. */
  gid?: string;
}

/** The actor, or undefined when the token no longer stands for one (401 invalid_token). */
export async function adminActorOfToken(
  ctx: Context,
  token: AdminTokenSubject,
): Promise<AdminActor | undefined> {
  if (await ctx.store.isAccessTokenRevoked(token.jti)) return undefined;
  return token.gid === undefined ? clientItself(ctx, token) : delegated(ctx, { ...token, gid: token.gid });
}

/**
 * The client is still one that may call the admin API: enabled, preregistered, and still listing the
 * admin resource with client_credentials (removing either takes its tokens' access away at once).
 */
async function isAdminClient(ctx: Context, clientId: string): Promise<boolean> {
  const client = await ctx.store.getClient(clientId);
  return Boolean(
    client &&
      client.disabledAt === null &&
      client.source === 'preregistered' &&
      client.resources.includes(adminResource(ctx.config)) &&
      client.grant_types.includes('client_credentials'),
  );
}

/** A client_credentials token: the client acts for itself, so its subject is its client_id (RFC 9068 §2.2). */
async function clientItself(ctx: Context, token: AdminTokenSubject): Promise<AdminActor | undefined> {
  if (token.sub !== token.client_id || !(await isAdminClient(ctx, token.client_id))) return undefined;
  return { id: `client:${token.client_id}` };
}

/**
 * A token delegated by a user (a `gid` grant). Gatehouse no longer issues these for the admin API
 * (audience.ts `mayIssueFor`), but one minted before that rule, or by a future grant type, must still
 * be worth no more than its user: the grant is live and for this user, client and resource, and the
 * user is an enabled administrator now, not merely when the token was issued.
 */
async function delegated(
  ctx: Context,
  token: AdminTokenSubject & { gid: string },
): Promise<AdminActor | undefined> {
  const [grant, user, adminClient] = await Promise.all([
    ctx.store.getGrant(token.gid),
    ctx.store.getUserById(token.sub),
    isAdminClient(ctx, token.client_id),
  ]);
  if (
    !adminClient ||
    !grant ||
    grant.revokedAt !== null ||
    grant.userId !== token.sub ||
    grant.clientId !== token.client_id ||
    grant.resource !== adminResource(ctx.config)
  )
    return undefined;
  if (!user || user.disabledAt !== null) return undefined;
  if (!user.admin) throw new OAuthError('forbidden', 'an administrator account is required');
  return { id: `user:${user.id}` };
}
