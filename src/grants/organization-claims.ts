/**
 * The organization part of an access token (docs/sign-in.md "Organizations"): `org_id`, the grant's
 * organization (chosen at sign-in: interaction/organization.ts), and `roles`, the user's roles in it,
 * only when the `roles` scope was granted (RFC 9068 §2.2.3.1 names `roles` among the claims an access
 * token may carry). Both come from the grant and the membership as they are at issuance: a refresh keeps
 * the organization and reads the roles of the day, and once the user is no longer a member the grant
 * issues nothing more.
 */
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { AuthorizationCodeRecord } from '../store/types.js';

export const ROLES_SCOPE = 'roles';

export interface OrganizationClaims {
  orgId?: string;
  roles?: string[];
}

export function organizationClaims(
  orgId: string | undefined,
  roles: string[] | undefined,
  scope: readonly string[],
): OrganizationClaims {
  if (orgId === undefined) return {};
  return scope.includes(ROLES_SCOPE) ? { orgId, roles: roles ?? [] } : { orgId };
}

export function notAMember(): OAuthError {
  return new OAuthError('invalid_grant', "the user is no longer a member of the grant's organization");
}

/**
 * The roles of a redeemed code's user in its organization (one read, only for a code with one). The
 * user left the organization between sign-in and redemption: the grant the redemption created is
 * revoked and nothing is issued.
 */
export async function rolesOfCode(
  ctx: Context,
  code: AuthorizationCodeRecord,
): Promise<string[] | undefined> {
  if (code.orgId === undefined) return undefined;
  const membership = await ctx.store.getMembership(code.orgId, code.userId);
  if (membership) return membership.roles;
  await ctx.store.revokeGrant(code.grantId, ctx.now(), 'no longer a member of the organization');
  throw notAMember();
}
