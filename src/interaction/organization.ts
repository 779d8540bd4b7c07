/**
 * Which organization a sign-in acts in (docs/sign-in.md "Organizations"). After sign-in, before
 * consent, the authorization request is settled against the user's memberships:
 * - no membership: no organization (no `org_id`);
 * - signed in through an organization's own connection: that organization, whatever else (the
 *   callback binds it: bindConnectionOrganization), so a person of org A's IdP never acts in org B;
 * - one membership, or the request's `organization` hint naming one of them: that one;
 * - several: the picker page (POST /organization → recordOrganizationChoice).
 * The choice travels inside the sealed interaction (HMAC), bound to the user who made it, and is
 * checked against the memberships again whenever it is used: no request parameter can set `org_id`,
 * and a sealed choice replayed by someone else, or kept after removal from the organization, is void.
 * The headless API calls recordOrganizationChoice with the same rules.
 */
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import {
  type AuthorizationRequest,
  openInteraction,
  sealInteraction,
} from '../grants/authorization-request.js';
import type { Params } from '../http/params.js';
import { html, redirect } from '../http/respond.js';
import { ORGANIZATION_ID } from '../operations/organizations.js';
import { renderOrganizationPicker } from '../pages/organization.js';
import { PATHS } from '../paths.js';
import type { UserMembership, UserRecord } from '../store/types.js';
import { type ActiveSession, sessionCsrf, signedInFormPost } from './browser-session.js';
import { pageFrame } from './pages-common.js';

export type OrganizationOutcome =
  /** The request as it goes on: with `org` set to a current membership, or without any. */
  | { kind: 'settled'; request: AuthorizationRequest }
  /** Several memberships and nothing to decide by: ask (the picker, or the headless API). */
  | { kind: 'choose'; memberships: UserMembership[] };

/**
 * The `organization` authorization-request parameter: an organization id the client suggests. It only
 * picks among the user's memberships (skipping the picker); it never makes anyone a member.
 */
export function checkOrganizationHint(draft: { params: Params; out: Partial<AuthorizationRequest> }): void {
  const hint = draft.params.get('organization');
  if (hint === undefined) return;
  if (!ORGANIZATION_ID.test(hint))
    throw new OAuthError('invalid_request', '"organization" must be an organization id', {
      redirectable: true,
    });
  draft.out.organization_hint = hint;
}

/** Settles the request's organization for `user` (see the header comment). One read of the memberships. */
export async function resolveOrganization(
  ctx: Context,
  request: AuthorizationRequest,
  user: UserRecord,
): Promise<OrganizationOutcome> {
  const memberships = await ctx.store.listUserMemberships(user.id);
  const member = (id: string | undefined) => memberships.find((m) => m.organizationId === id);
  const { org: chosen, ...rest } = request;
  if (chosen && chosen.user === user.id && member(chosen.id)) return { kind: 'settled', request };
  if (chosen?.via === 'connection' && chosen.user === user.id) {
    // The organization's own connection vouched for this user, who is no longer its member: nothing else.
    throw new OAuthError('access_denied', 'You are not a member of the organization you signed in with.');
  }
  const pick = (m: UserMembership): OrganizationOutcome => ({
    kind: 'settled',
    request: { ...rest, org: { id: m.organizationId, user: user.id } },
  });
  const hinted = member(request.organization_hint);
  if (hinted) return pick(hinted);
  if (memberships.length === 0) return { kind: 'settled', request: rest };
  if (memberships.length === 1) return pick(memberships[0]!);
  return { kind: 'choose', memberships };
}

/**
 * Validates and records `organizationId` as the organization of the sealed `interaction` for `user`:
 * the user must be a member now, and a choice bound by the organization's connection cannot be
 * changed. Returns the new sealed interaction (to resume with). Refusals are `forbidden` (403).
 */
export async function recordOrganizationChoice(
  ctx: Context,
  input: { interaction: string | undefined; user: UserRecord; organizationId: string | undefined },
): Promise<string> {
  const { request, loginAfter } = openInteraction(ctx, input.interaction);
  const id = input.organizationId ?? '';
  const bound = request.org?.via === 'connection' && request.org.user === input.user.id;
  const membership = ORGANIZATION_ID.test(id) ? await ctx.store.getMembership(id, input.user.id) : undefined;
  if (!membership || (bound && request.org!.id !== id)) {
    await ctx.audit({
      type: 'organization.choice_refused',
      clientId: request.client_id,
      userId: input.user.id,
      detail: { organization: id.slice(0, 64), reason: membership ? 'bound by connection' : 'not a member' },
    });
    throw new OAuthError('forbidden', 'You cannot act in that organization. Choose one of yours.');
  }
  const next: AuthorizationRequest = { ...request, org: { id, user: input.user.id } };
  return sealInteraction(ctx, next, { loginAfter });
}

/** The picker page for a signed-in user with several memberships. */
export function organizationPickerPage(
  ctx: Context,
  request: AuthorizationRequest,
  clientName: string,
  active: ActiveSession,
  memberships: UserMembership[],
  loginAfter: number | undefined,
): Response {
  const body = renderOrganizationPicker({
    basePath: ctx.config.issuerPath,
    frame: pageFrame(ctx),
    action: ctx.config.issuerPath + PATHS.organization,
    csrf: sessionCsrf(ctx, active.session),
    interaction: sealInteraction(ctx, request, { loginAfter }),
    clientName,
    userEmail: active.user.email,
    organizations: memberships.map((m) => ({ id: m.organizationId, name: m.organizationName })),
    selected: request.organization_hint,
  });
  return html(body, { formTargets: [request.redirect_uri] });
}

/** POST /organization: the picker's answer. CSRF-protected like consent; 303 back to /authorize/resume. */
export async function handleOrganizationSubmit(ctx: Context, req: RequestInfo): Promise<Response> {
  const { params, active } = await signedInFormPost(ctx, req);
  const sealed = await recordOrganizationChoice(ctx, {
    interaction: params.get('interaction'),
    user: active.user,
    organizationId: params.get('organization'),
  });
  return redirect(`${ctx.config.issuerPath}${PATHS.resume}?interaction=${encodeURIComponent(sealed)}`, 303);
}

/**
 * After a sign-in through connection `connectionId` (the upstream callback): if an organization signs
 * its people in with that connection, the user becomes its member (without roles, when not one yet:
 * the organization's IdP vouched for them) and the pending request is bound to it. Returns the
 * interaction to resume with (unchanged when no organization uses the connection).
 */
export async function bindConnectionOrganization(
  ctx: Context,
  connectionId: string,
  user: UserRecord,
  interaction: string | null,
): Promise<string | null> {
  const organization = (await ctx.store.listOrganizations()).find((o) => o.connection === connectionId);
  if (!organization) return interaction;
  if (!(await ctx.store.getMembership(organization.id, user.id))) {
    const at = ctx.now();
    await ctx.store.saveMembership({
      organizationId: organization.id,
      userId: user.id,
      roles: [],
      createdAt: at,
      updatedAt: at,
    });
    await ctx.audit({
      type: 'organization.member_saved',
      userId: user.id,
      detail: { organization: organization.id, roles: [], connection: connectionId },
    });
  }
  if (interaction === null) return null;
  const { request, loginAfter } = openInteraction(ctx, interaction);
  const org = { id: organization.id, user: user.id, via: 'connection' as const };
  return sealInteraction(ctx, { ...request, org }, { loginAfter });
}
