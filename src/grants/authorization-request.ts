import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { openState, sealState } from '../tokens/crypto.js';

/** A validated authorization request: what the checks in authorize-checks.ts produce. */
export interface AuthorizationRequest {
  client_id: string;
  /** The redirect URI the response goes to (verified against the registration). */
  redirect_uri: string;
  /** Whether the request carried redirect_uri (then the token request must repeat it: RFC 6749 §4.1.3). */
  redirect_uri_explicit: boolean;
  state?: string;
  scope: string[];
  resource: string;
  code_challenge?: string;
  code_challenge_method?: 'S256';
  nonce?: string;
  /** RFC 9449 §10: the thumbprint of the DPoP key the code may be redeemed with. */
  dpop_jkt?: string;
  prompt: ('none' | 'login' | 'consent')[];
  /** OIDC Core §3.1.2.1: the user must have signed in within this many seconds. */
  max_age?: number;
  /** The `organization` parameter: a hint among the user's memberships (interaction/organization.ts). */
  organization_hint?: string;
  /**
   * The organization the user acts in, set after sign-in by interaction/organization.ts only (never
   * from a request parameter), bound to the user it was settled for; `via: "connection"` when the
   * organization's own connection signed the user in.
   */
  org?: { id: string; user: string; via?: 'connection' };
}

/** The request as carried between /authorize and the hosted pages; sealed (HMAC) and short-lived. */
interface Interaction {
  v: 1;
  r: AuthorizationRequest;
  exp: number;
  /** A sign-in is required at or after this time (prompt=login). */
  la?: number;
  /** An error to redirect once the user has signed in (OAuth 2.1 §7.12.2). */
  err?: { error: string; description: string };
}

export interface InteractionOptions {
  loginAfter?: number;
  pendingError?: OAuthError;
}

export function sealInteraction(
  ctx: Context,
  request: AuthorizationRequest,
  options: InteractionOptions = {},
): string {
  const value: Interaction = { v: 1, r: request, exp: ctx.now() + ctx.config.sessions.interactionTtlMs };
  if (options.loginAfter !== undefined) value.la = options.loginAfter;
  if (options.pendingError)
    value.err = { error: options.pendingError.error, description: options.pendingError.description };
  return sealState(ctx.secrets.state, value);
}

export function openInteraction(
  ctx: Context,
  sealed: string | undefined,
): { request: AuthorizationRequest; loginAfter: number | undefined; pendingError: Interaction['err'] } {
  const value = sealed ? openState<Interaction>(ctx.secrets.state, sealed) : undefined;
  if (value?.v !== 1) {
    throw new OAuthError(
      'invalid_request',
      'This sign-in link is not valid. Return to the application and start again.',
    );
  }
  if (value.exp <= ctx.now()) {
    throw new OAuthError(
      'invalid_request',
      'This sign-in took too long and expired. Return to the application and start again.',
    );
  }
  return { request: value.r, loginAfter: value.la, pendingError: value.err };
}

/**
 * Where a form carrying this interaction may end up after its redirects: the verified redirect URI
 * (for the page's CSP form-action). Nothing for a missing or invalid interaction.
 */
export function interactionFormTargets(ctx: Context, sealed: string | undefined): string[] {
  if (!sealed) return [];
  try {
    return [openInteraction(ctx, sealed).request.redirect_uri];
  } catch {
    return [];
  }
}

/**
 * Appends parameters to a (verified) redirect URI, keeping its query (OAuth 2.1 §2.3) and never adding
 * a fragment. The registered string is used as is: never re-serialised through URL, which would alter it.
 */
export function buildRedirect(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.append(key, value);
  // Nothing to add (e.g. a post-logout redirect without state, OIDC RP-Initiated Logout §3): the
  // registered URI unchanged, not with a dangling "?".
  if (query.toString() === '') return redirectUri;
  const separator = redirectUri.includes('?')
    ? redirectUri.endsWith('?') || redirectUri.endsWith('&')
      ? ''
      : '&'
    : '?';
  return `${redirectUri}${separator}${query.toString()}`;
}

/** The error redirect: error, error_description, state (if sent) and iss (RFC 9207 §2). */
export function errorRedirectLocation(
  ctx: Context,
  request: Pick<AuthorizationRequest, 'redirect_uri' | 'state'>,
  error: OAuthError,
): string {
  return buildRedirect(request.redirect_uri, {
    error: error.error,
    error_description: error.description,
    state: request.state,
    iss: ctx.config.issuer,
  });
}
