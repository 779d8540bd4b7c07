/**
 * What ties a provider's callback to the browser and the sign-in that started it (RFC 9700 §4.7.1,
 * OIDC Core §3.1.2.1, §15.5.2):
 * - `state`: 256 random bits sent to the provider; only its SHA-256 is stored, with the SHA-256 of a
 *   browser-binding cookie, so a callback is accepted once (consumed atomically), only from the
 *   browser that started it, and only within the connection's `stateTtl`.
 * - the PKCE verifier and the `nonce` are HMACs of the state under the server secret: nothing secret
 *   is stored, and neither can be derived from what the provider or the browser sees.
 */
import type { Context, RequestInfo } from '../context.js';
import { parseCookies, serializeCookie } from '../http/cookies.js';
import { hashSecret, hmac, randomToken } from '../tokens/crypto.js';

const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

function cookieName(ctx: Context): string {
  return ctx.config.secureCookies ? '__Host-gatehouse_upstream' : 'gatehouse_upstream';
}

/** The browser-binding value this browser presents, if any. */
export function readBinding(ctx: Context, req: RequestInfo): string | undefined {
  const value = parseCookies(req.request.headers.get('cookie')).get(cookieName(ctx));
  return value && COOKIE_VALUE.test(value) ? value : undefined;
}

/**
 * The browser's binding value, minted (with its Set-Cookie) when it has none. HttpOnly, SameSite=Lax
 * (sent on the provider's top-level redirect back), `__Host-` on https; a session cookie.
 */
export function bindBrowser(ctx: Context, req: RequestInfo): { value: string; setCookie?: string } {
  const existing = readBinding(ctx, req);
  if (existing) return { value: existing };
  const value = randomToken(32);
  return { value, setCookie: serializeCookie(cookieName(ctx), value, { secure: ctx.config.secureCookies }) };
}

/** The PKCE verifier (RFC 7636 §4.1: 43 characters of base64url) and nonce that belong to `state`. */
export function derivedChecks(ctx: Context, state: string): { verifier: string; nonce: string } {
  return {
    verifier: hmac(ctx.secrets.state, `upstream pkce\n${state}`),
    nonce: hmac(ctx.secrets.state, `upstream nonce\n${state}`),
  };
}

export function newState(): string {
  return randomToken(32);
}

/**
 * Records a sign-in that leaves for a provider (OIDC or SAML): a fresh `state`, stored only as its hash
 * with the hash of this browser's binding (minted when it has none) and the pending authorization
 * request, until the connection's `stateTtl`. Returns the state to send and the binding's Set-Cookie.
 */
export async function recordStart(
  ctx: Context,
  req: RequestInfo,
  c: { id: string; stateTtlMs: number },
  interaction: string | undefined,
  at: number,
): Promise<{ state: string; setCookie?: string }> {
  const binding = bindBrowser(ctx, req);
  const state = newState();
  await ctx.store.createConnectionState({
    id: hashSecret(state),
    connectionId: c.id,
    bindingHash: hashSecret(binding.value),
    interaction: interaction ?? null,
    returnTo: null,
    linkUserId: null,
    createdAt: at,
    expiresAt: at + c.stateTtlMs,
    consumedAt: null,
  });
  return { state, setCookie: binding.setCookie };
}
