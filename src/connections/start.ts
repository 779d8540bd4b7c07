/**
 * `GET {issuer}/connections/{id}/start[?interaction=…]`: the "Continue with {name}" button. Sends the
 * browser to the provider with an authorization code request: PKCE S256 (RFC 7636; RFC 9700 §2.1.1),
 * `state` and `nonce` (state.ts). A GET, so the page's CSP form-action need not name the provider:
 * starting a sign-in changes nothing but a short-lived state row, and the callback is what is guarded
 * (a sign-in started by another site completes only as the person who signs in at the provider).
 */
import type { ResolvedConnection, ResolvedOidcConnection } from '../config/connections.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { openInteraction } from '../grants/authorization-request.js';
import { rateLimitKey } from '../http/client-ip.js';
import { redirect } from '../http/respond.js';
import { connectionPath } from '../paths.js';

import { openidClient } from './libraries.js';
import { providerConfig } from './provider.js';
import { derivedChecks, recordStart } from './state.js';

export function callbackUrl(ctx: Context, c: ResolvedOidcConnection): string {
  return ctx.config.issuer + connectionPath(c.id, 'callback');
}

/**
 * What every start (OIDC and SAML) checks first: the pending authorization request still opens (refused
 * here, not after the round trip), and this IP has not started too many sign-ins through `c`.
 */
export async function admitStart(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedConnection,
): Promise<{ interaction: string | undefined; at: number }> {
  const interaction = req.url.searchParams.get('interaction') ?? undefined;
  if (interaction !== undefined) openInteraction(ctx, interaction);
  const at = ctx.now();
  const limit = await ctx.store.hitRateLimit(
    `connection-start:${c.id}:${rateLimitKey(req.ip)}`,
    c.maxStartsPerIp,
    c.stateTtlMs,
    at,
  );
  if (!limit.allowed) {
    throw new OAuthError('rate_limited', 'Too many sign-ins were started from here. Try again later.', {
      headers: { 'retry-after': String(limit.retryAfter) },
    });
  }
  return { interaction, at };
}

export async function handleStart(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedOidcConnection,
): Promise<Response> {
  const { interaction, at } = await admitStart(ctx, req, c);
  const config = await providerConfig(ctx, c);
  const { state, setCookie } = await recordStart(ctx, req, c, interaction, at);
  const { verifier, nonce } = derivedChecks(ctx, state);
  const oidc = await openidClient();
  const url = oidc.buildAuthorizationUrl(config, {
    response_type: 'code',
    redirect_uri: callbackUrl(ctx, c),
    scope: c.scopes.join(' '),
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return redirect(url.href, 302, setCookie ? { 'set-cookie': setCookie } : {});
}
