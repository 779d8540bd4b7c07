import type { Context, RequestInfo } from '../context.js';
import { sanitiseDisplayName } from '../display-name.js';
import { OAuthError } from '../errors.js';
import { findResource } from '../grants/audience.js';
import { issueAuthorizationCode } from '../grants/authorization-code.js';
import { type AuthorizationRequest, errorRedirectLocation } from '../grants/authorization-request.js';
import type { ClientRecord } from '../store/types.js';
import { hashSecret } from '../tokens/crypto.js';
import type { ActiveSession } from './browser-session.js';

/**
 * The consent rules, one place for every way a person answers: /authorize (remembered consent),
 * the hosted consent page (consent.ts) and the headless API (headless-actions.ts).
 * @see OAuth 2.1 §4.1.2.1 (access_denied), §7.3.1, §7.9; RFC 8252 §8.6; RFC 9700 §4.16
 */

/**
 * Consent is asked unless the client is first-party, or the user already approved at least these
 * scopes for this client, resource and exact redirect URI (so a public client on a new loopback port is
 * asked again: OAuth 2.1 §7.3.1, RFC 8252 §8.6). prompt=consent always asks; a DCR client is always asked.
 */
export async function needsConsent(
  ctx: Context,
  request: AuthorizationRequest,
  client: ClientRecord,
  active: ActiveSession,
): Promise<boolean> {
  if (request.prompt.includes('consent')) return true;
  if (client.first_party) return false;
  if (client.source === 'dcr') return true;
  const consent = await ctx.store.getConsent(active.user.id, client.client_id, request.resource);
  if (!consent || consent.redirectUri !== request.redirect_uri) return true;
  const approved = new Set(consent.scope.split(' '));
  return !request.scope.every((s) => approved.has(s));
}

export type ConsentDecision = 'allow' | 'deny';

/** Reads a decision: exactly "allow" or "deny", anything else is invalid_request. */
export function parseDecision(value: unknown): ConsentDecision {
  if (value === 'allow' || value === 'deny') return value;
  throw new OAuthError('invalid_request', 'Choose Allow or Deny.');
}

/**
 * Applies the person's decision for a verified client (the caller re-verified it: lanes/index.ts
 * reverifyClient) and returns where the browser goes: the client's redirect URI with a code, or with
 * error=access_denied. Allow remembers the scopes (added to any approved before for the same redirect
 * URI); the code is issued by grants/authorization-code.ts, as everywhere.
 */
export async function decideConsent(
  ctx: Context,
  req: RequestInfo,
  input: {
    /** The sealed interaction the decision answers (as posted): each is answered once. */
    interaction: string;
    request: AuthorizationRequest;
    client: ClientRecord;
    active: ActiveSession;
    decision: ConsentDecision;
  },
): Promise<string> {
  const { request, client, active } = input;
  // One decision per authorization request, recorded in the database so every instance agrees: a
  // replayed Allow (a double submit, the back button, a copied form) issues no second code. Kept for an
  // interaction's whole lifetime (it cannot outlive now + interactionTtl), not a clock window, which a
  // replay just after the window's end would have passed.
  const first = await ctx.store.claimOnce(
    `consent-decision:${hashSecret(input.interaction).slice(0, 32)}`,
    ctx.now() + ctx.config.sessions.interactionTtlMs,
  );
  if (!first)
    throw new OAuthError(
      'invalid_request',
      'This request was already answered. Start again from the application.',
    );
  if (input.decision === 'deny') {
    await ctx.audit({ type: 'consent.denied', clientId: client.client_id, userId: active.user.id }, req);
    const denied = new OAuthError('access_denied', 'the user denied the request');
    return errorRedirectLocation(ctx, request, denied);
  }
  const existing = await ctx.store.getConsent(active.user.id, client.client_id, request.resource);
  const scopes = new Set(request.scope);
  if (existing && existing.redirectUri === request.redirect_uri)
    for (const s of existing.scope.split(' ')) if (s) scopes.add(s);
  await ctx.store.saveConsent({
    userId: active.user.id,
    clientId: client.client_id,
    resource: request.resource,
    scope: [...scopes].join(' '),
    redirectUri: request.redirect_uri,
    createdAt: ctx.now(),
  });
  const location = await issueAuthorizationCode(ctx, request, active);
  await ctx.audit(
    {
      type: 'consent.granted',
      clientId: client.client_id,
      userId: active.user.id,
      detail: { scope: request.scope.join(' '), resource: request.resource },
    },
    req,
  );
  return location;
}

/** What is asked for, as the consent page shows it: scopes with their descriptions, and the resource. */
export interface RequestedAccess {
  scopes: { name: string; description?: string }[];
  resource: string;
  resourceName: string;
}

export function describeRequestedAccess(ctx: Context, request: AuthorizationRequest): RequestedAccess {
  const resource = findResource(ctx, request.resource);
  return {
    // Descriptions come from the resource's scope_descriptions (config), sanitised like every shown name.
    scopes: request.scope.map((name) => ({
      name,
      description: sanitiseDisplayName(resource?.scopeDescriptions?.[name] ?? '') || undefined,
    })),
    resource: request.resource,
    resourceName: sanitiseDisplayName(resource?.name ?? '') || request.resource,
  };
}
