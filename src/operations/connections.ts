import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';

/**
 * Upstream connections and linked identities for administrators (admin API, dashboard). Views never
 * carry a client secret or private key; removing a link is audited with the acting administrator.
 */

export interface ConnectionView {
  id: string;
  type: 'oidc';
  name: string;
  issuer: string;
  client_id: string;
  token_endpoint_auth_method: string;
  scopes: string[];
  domains: string[];
  trustEmailVerified: boolean;
  signup: boolean;
  enabled: boolean;
}

export interface LinkedIdentityView {
  issuer: string;
  subject: string;
  connection: string;
  /** The connection's name, or null when it is no longer configured. */
  connectionName: string | null;
  email: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

export function listConnections(ctx: Context): ConnectionView[] {
  return ctx.config.connections.map((c) => ({
    id: c.id,
    type: c.type,
    name: c.name,
    issuer: c.issuer,
    client_id: c.clientId,
    token_endpoint_auth_method: c.authMethod,
    scopes: [...c.scopes],
    domains: [...c.domains],
    trustEmailVerified: c.trustEmailVerified,
    signup: c.signup,
    enabled: c.enabled,
  }));
}

export async function userIdentities(ctx: Context, userId: string): Promise<LinkedIdentityView[]> {
  if (!(await ctx.store.getUserById(userId))) throw new OAuthError('not_found', `no user ${userId}`);
  const links = await ctx.store.listLinkedIdentities(userId);
  return links.map((l) => ({
    issuer: l.issuer,
    subject: l.subject,
    connection: l.connectionId,
    connectionName: ctx.config.connections.find((c) => c.id === l.connectionId)?.name ?? null,
    email: l.email,
    createdAt: l.createdAt,
    lastUsedAt: l.lastUsedAt,
  }));
}

/** Removes a link: the next sign-in through that provider is treated as a first one (docs/sign-in.md). */
export async function unlinkIdentity(
  ctx: Context,
  userId: string,
  identity: { issuer: string; subject: string },
  actor: string,
): Promise<void> {
  if (!(await ctx.store.deleteLinkedIdentity(userId, identity.issuer, identity.subject)))
    throw new OAuthError('not_found', 'this user has no such linked identity');
  await ctx.audit({ type: 'user.identity_unlinked', userId, actor, detail: { issuer: identity.issuer } });
}
