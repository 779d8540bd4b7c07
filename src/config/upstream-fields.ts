/**
 * Fields shared by the upstream parties an operator configures — OpenID and SAML connections,
 * enterprise IdPs — so each rule is written once (config/connections.ts, saml-connection.ts,
 * enterprise.ts).
 */
import { z } from 'zod';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/**
 * A URL an operator configures for an upstream party (an OIDC issuer, SAML IdP metadata, an enterprise
 * IdP's JWKS): https always; http only on a loopback host with `allowLoopback` (as CIMD's
 * allowLoopback); no userinfo or fragment, and no query unless `query` allows one (metadata URLs may
 * carry one, an issuer identifier may not: OIDC Discovery §3).
 */
export function operatorUrlProblem(
  value: string,
  allowLoopback: boolean,
  options: { query?: boolean } = {},
): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.hash || value.includes('#'))
    return options.query ? 'must not have a fragment' : 'must not have a query or fragment';
  if (!options.query && (url.search || value.includes('?'))) return 'must not have a query or fragment';
  if (url.username || url.password) return 'must not contain userinfo';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) {
    return allowLoopback ? undefined : 'http is allowed only on loopback with "allowLoopback": true';
  }
  return 'must use https';
}

/** A lower-case e-mail domain (one or more labels and a top-level label of letters). */
export const EMAIL_DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An e-mail domain a connection or organization accepts. */
export const domain = z.string().regex(EMAIL_DOMAIN, 'must be a lower-case domain');

/** A connection id: it goes into URLs (`{issuer}/connections/{id}/…`). */
export const connectionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 of a-z, 0-9, "-", "_"');
