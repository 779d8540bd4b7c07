import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { UserRecord } from '../store/types.js';
import { connectionsOf } from './connection-registry.js';

/**
 * The signed-in user's own account (the `{issuer}/account` page, src/interaction/account.ts): what
 * they granted and which upstream identities sign them in. Every action is scoped to the user it is
 * given — a grant or identity of anyone else is "not found", never acted on — and audited with the
 * user as actor. Revoking a grant ends its refresh tokens (so introspection and refresh stop at once;
 * issued access tokens expire by their short lifetime) and forgets the consent, so the application
 * must ask again.
 */

export interface AccountGrantView {
  id: string;
  clientId: string;
  clientName: string;
  scopes: string[];
  resource: string;
  resourceName: string;
  createdAt: number;
}

export interface AccountIdentityView {
  issuer: string;
  subject: string;
  connectionName: string;
  email: string | null;
  createdAt: number;
}

export interface AccountView {
  email: string;
  emailVerified: boolean;
  /** A verification mail can be sent (a mailer is configured and the address is unverified). */
  canVerify: boolean;
  grants: AccountGrantView[];
  identities: AccountIdentityView[];
}

export async function accountView(ctx: Context, user: UserRecord): Promise<AccountView> {
  const grants = await ctx.store.listGrants({ userId: user.id, activeOnly: true });
  const names = new Map<string, string>();
  for (const clientId of new Set(grants.map((g) => g.clientId))) {
    const client = await ctx.store.getClient(clientId);
    names.set(clientId, client?.client_name || clientId);
  }
  const links = await ctx.store.listLinkedIdentities(user.id);
  const connections = await connectionsOf(ctx);
  return {
    email: user.email,
    emailVerified: user.emailVerified,
    canVerify: !user.emailVerified && ctx.config.mailer !== undefined,
    grants: grants
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((g) => ({
        id: g.id,
        clientId: g.clientId,
        clientName: names.get(g.clientId) ?? g.clientId,
        scopes: g.scope.split(' ').filter(Boolean),
        resource: g.resource,
        resourceName: ctx.config.resources.find((r) => r.resource === g.resource)?.name ?? g.resource,
        createdAt: g.createdAt,
      })),
    identities: links.map((l) => ({
      issuer: l.issuer,
      subject: l.subject,
      connectionName: connections.find((c) => c.id === l.connectionId)?.name ?? l.connectionId,
      email: l.email,
      createdAt: l.createdAt,
    })),
  };
}

/** Revokes one of the user's own grants (and its refresh tokens) and forgets that client's consent. */
export async function revokeOwnGrant(ctx: Context, userId: string, grantId: string): Promise<void> {
  const grants = await ctx.store.listGrants({ userId, activeOnly: true });
  const grant = grants.find((g) => g.id === grantId);
  if (!grant)
    throw new OAuthError('not_found', 'You have no such application access.', { detail: `grant ${grantId}` });
  await ctx.store.revokeGrant(grant.id, ctx.now(), 'revoked by the user');
  await ctx.store.deleteConsents({ userId, clientId: grant.clientId });
  await ctx.audit({
    type: 'grant.revoked',
    userId,
    clientId: grant.clientId,
    actor: `user:${userId}`,
    detail: { grant: grant.id, resource: grant.resource },
  });
}

/**
 * Removes one of the user's own linked identities. Refused for the last one of a user without a
 * password, who could not sign in any more.
 */
export async function unlinkOwnIdentity(
  ctx: Context,
  user: UserRecord,
  identity: { issuer: string; subject: string },
): Promise<void> {
  const links = await ctx.store.listLinkedIdentities(user.id);
  const mine = links.find((l) => l.issuer === identity.issuer && l.subject === identity.subject);
  if (!mine) throw new OAuthError('not_found', 'You have no such linked account.', { detail: 'identity' });
  if (links.length === 1 && !user.passwordHash.startsWith('$'))
    throw new OAuthError(
      'invalid_request',
      'This is the only way you sign in. Choose a password first (Forgot password? on the sign-in page).',
    );
  if (!(await ctx.store.deleteLinkedIdentity(user.id, mine.issuer, mine.subject)))
    throw new OAuthError('not_found', 'You have no such linked account.');
  await ctx.audit({
    type: 'user.identity_unlinked',
    userId: user.id,
    actor: `user:${user.id}`,
    detail: { issuer: mine.issuer },
  });
}
