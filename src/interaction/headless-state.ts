import type { ResolvedConnection } from '../config/connections.js';
import type { Context, RequestInfo } from '../context.js';
import {
  type AuthorizationRequest,
  openInteraction,
  sealInteraction,
} from '../grants/authorization-request.js';
import { reverifyClient } from '../lanes/index.js';
import { enabledConnections } from '../operations/connection-registry.js';
import { PATHS } from '../paths.js';
import type { ClientRecord } from '../store/types.js';
import { type ActiveSession, preSessionCsrf, sessionCsrf } from './browser-session.js';
import { presentClient } from './client-presentation.js';
import { describeRequestedAccess, needsConsent } from './consent-decision.js';
import { resolveOrganization } from './organization.js';

/**
 * What the team's page needs to render the next step of one authorization request: the client as
 * the consent page presents it (client-presentation.ts), what is asked for, who is signed in, which
 * sign-in methods are offered, and what comes next. Built from the sealed interaction, the browser's
 * session and the store; it never carries a credential other than the CSRF token for the next call.
 */

/**
 * - `login`: someone must sign in (identify, password, signup or provider).
 * - `organization`: the signed-in user belongs to several organizations and picks one (organization).
 * - `consent`: the signed-in user must allow or deny (consent).
 * - `continue`: nothing left to ask; send the browser to `redirect_to` (/authorize/resume), which
 *   issues the code exactly as after the hosted pages.
 */
export type HeadlessStep = 'login' | 'organization' | 'consent' | 'continue';

export interface HeadlessState {
  next: HeadlessStep;
  /** The sealed request to send with the next calls (it carries the settled organization). */
  interaction: string;
  client: {
    client_id: string;
    name: string;
    lane: ClientRecord['source'];
    badge: string | null;
    /** CIMD: the host of the client_id URL, which vouches for the document. */
    client_id_host: string | null;
    redirect_host: string;
    logo_uri: string | null;
    warnings: string[];
  };
  request: {
    scopes: { name: string; description: string | null }[];
    resource: string;
    resource_name: string;
  };
  user: { email: string } | null;
  connections: { id: string; name: string }[];
  signup: boolean;
  /** For the `X-Gatehouse-CSRF` header of the next call (bound to the session once signed in). */
  csrf_token: string;
  /** With next = organization: the user's organizations. */
  organizations?: { id: string; name: string }[];
  /** With next = continue: where the browser goes now. */
  redirect_to?: string;
}

/** Connections offered for sign-in: the enabled ones, configured or stored (operations/connection-registry.ts). */
export function offeredConnections(ctx: Context): Promise<readonly ResolvedConnection[]> {
  return enabledConnections(ctx);
}

/** The URL that continues the authorization request in the browser (endpoints/authorize.ts handleResume). */
export function resumeUrl(ctx: Context, sealed: string): string {
  return `${ctx.config.issuer}${PATHS.resume}?interaction=${encodeURIComponent(sealed)}`;
}

interface Step {
  next: HeadlessStep;
  /** The request as it goes on: with its organization settled (interaction/organization.ts). */
  request: AuthorizationRequest;
  /** With next = organization: the user's memberships to choose from. */
  organizations?: { id: string; name: string }[];
}

async function nextStep(
  ctx: Context,
  opened: ReturnType<typeof openInteraction>,
  client: ClientRecord,
  active: ActiveSession | undefined,
): Promise<Step> {
  const { request, loginAfter, pendingError } = opened;
  // prompt=login: a session older than the request does not count (OIDC Core §3.1.2.1).
  if (!active || (loginAfter !== undefined && active.session.authTime < loginAfter))
    return { next: 'login', request };
  // An error waiting for sign-in (OAuth 2.1 §7.12.2) goes back through /authorize/resume.
  if (pendingError) return { next: 'continue', request };
  // The organization first, as /authorize does (endpoints/authorize.ts proceed), then consent.
  const settled = await resolveOrganization(ctx, request, active.user);
  if (settled.kind === 'choose') {
    const organizations = settled.memberships.map((m) => ({
      id: m.organizationId,
      name: m.organizationName,
    }));
    return { next: 'organization', request, organizations };
  }
  const consent = await needsConsent(ctx, settled.request, client, active);
  return { next: consent ? 'consent' : 'continue', request: settled.request };
}

/**
 * The state of `sealed` for this browser. `active` is the browser's session (or the one just started);
 * returns the body and, when a pre-session CSRF cookie had to be minted, its Set-Cookie.
 */
export async function interactionState(
  ctx: Context,
  req: RequestInfo,
  sealed: string | undefined,
  active: ActiveSession | undefined,
): Promise<{ body: HeadlessState; setCookie?: string }> {
  const opened = openInteraction(ctx, sealed);
  const { request } = opened;
  // The client and its redirect URI again: either may have changed since /authorize (lanes/index.ts).
  const client = await reverifyClient(ctx, request.client_id, request.redirect_uri, req.ip);
  const step = await nextStep(ctx, opened, client, active);
  const { next } = step;
  // A settled organization rides the sealed request from now on: the next calls send this one.
  const same = JSON.stringify(step.request.org) === JSON.stringify(request.org);
  const current = same ? sealed! : sealInteraction(ctx, step.request, { loginAfter: opened.loginAfter });

  const csrf =
    next === 'login' || !active ? preSessionCsrf(ctx, req) : { token: sessionCsrf(ctx, active.session) };
  const shown = presentClient(client, request.redirect_uri);
  const access = describeRequestedAccess(ctx, request);
  const body: HeadlessState = {
    next,
    interaction: current,
    client: {
      client_id: client.client_id,
      name: shown.clientName,
      lane: shown.lane,
      badge: shown.clientBadge ?? null,
      client_id_host: shown.clientHost ?? null,
      redirect_host: shown.redirectHost,
      logo_uri: client.metadata.logo
        ? `${ctx.config.issuer}${PATHS.clientLogo}?client_id=${encodeURIComponent(client.client_id)}`
        : null,
      warnings: shown.warnings,
    },
    request: {
      scopes: access.scopes.map((s) => ({ name: s.name, description: s.description ?? null })),
      resource: access.resource,
      resource_name: access.resourceName,
    },
    user: active && next !== 'login' ? { email: active.user.email } : null,
    connections: (await offeredConnections(ctx)).map((c) => ({ id: c.id, name: c.name })),
    signup: ctx.config.signup,
    csrf_token: csrf.token,
  };
  if (step.organizations) body.organizations = step.organizations;
  if (next === 'continue') body.redirect_to = resumeUrl(ctx, current);
  return { body, setCookie: 'setCookie' in csrf ? csrf.setCookie : undefined };
}
