import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import type { AuthorizationCodeRecord, ClientRecord } from '../store/types.js';
import { matchesSecret, parseOpaque } from '../tokens/opaque.js';
import { isValidCodeVerifier, verifyS256 } from '../tokens/pkce.js';
import { canonicalResource } from './audience.js';

/**
 * grant_type=authorization_code: what must match before a code is spent, in order (OAuth 2.1 §4.1.3).
 * The one place these rules live: the store only consumes the code the checks accepted
 * (Store.redeemAuthorizationCode), so a request that fails any of them leaves the code usable by its
 * own client. Every compared column of a code is immutable; only `consumedAt` changes, and the store's
 * atomic consume settles who gets it.
 */

export interface CodeExchange {
  ctx: Context;
  client: ClientRecord;
  params: Params;
  /** The key of the request's DPoP proof (RFC 9449), if it carried one. */
  dpopJkt?: string;
  /** Set by findCode: the stored code whose secret the client presented. */
  code?: AuthorizationCodeRecord;
}

type Check = (exchange: CodeExchange) => void | Promise<void>;

export const invalidGrant = (description: string, detail?: string) =>
  new OAuthError('invalid_grant', description, { detail });

/** OAuth 2.1 §4.1.3: `code` is required. */
const checkCodePresent: Check = ({ params }) => {
  if (!params.get('code')) throw new OAuthError('invalid_request', '"code" is required');
};

/**
 * OAuth 2.1 §4.1.3, RFC 6749 §5.2: codes this server did not issue, altered codes and unknown ones look
 * the same, invalid_grant (the secret is compared in constant time, tokens/opaque.ts).
 */
const findCode: Check = async (exchange) => {
  const parsed = parseOpaque('ghc', exchange.params.get('code')!);
  const code = parsed ? await exchange.ctx.store.getAuthorizationCode(parsed.id) : undefined;
  if (!parsed || !code || !matchesSecret(parsed, code.secretHash))
    throw invalidGrant('the authorization code is invalid');
  exchange.code = code;
};

/** OAuth 2.1 §4.1.3: the code was issued to the authenticated client. */
const checkIssuedToClient: Check = ({ code, client }) => {
  if (code!.clientId !== client.client_id) {
    throw invalidGrant('the authorization code was issued to another client', `code of ${code!.clientId}`);
  }
};

/** OAuth 2.1 §4.1.2: codes are short-lived. */
const checkNotExpired: Check = ({ code, ctx }) => {
  if (code!.expiresAt <= ctx.now()) throw invalidGrant('the authorization code has expired');
};

/**
 * OAuth 2.1 §10.2: when sent, it must equal the authorization request's (RFC 6749 §4.1.3). An OAuth 2.1
 * client omits it, which is safe when PKCE binds the code; without PKCE (an OAuth 2.0 client) RFC 6749's
 * rule stays: required when the authorization request had it.
 */
const checkRedirectUri: Check = ({ code, params }) => {
  const redirectUri = params.get('redirect_uri');
  const requiredButMissing = code!.redirectUriExplicit && code!.codeChallenge === null;
  if (redirectUri !== undefined ? redirectUri !== code!.redirectUri : requiredButMissing) {
    throw invalidGrant('"redirect_uri" does not match the authorization request');
  }
};

/** RFC 7636 §4.6, OAuth 2.1 §4.1.3: the verifier matches the S256 challenge of the request. */
const checkPkce: Check = ({ code, params }) => {
  const verifier = params.get('code_verifier');
  if (code!.codeChallenge === null) {
    // RFC 9700 §4.8.2: a verifier without a challenge is a PKCE downgrade attempt.
    if (verifier !== undefined)
      throw new OAuthError('invalid_request', '"code_verifier" was sent but no code_challenge was');
    return;
  }
  if (verifier === undefined) throw new OAuthError('invalid_request', '"code_verifier" is required');
  if (!isValidCodeVerifier(verifier)) {
    throw new OAuthError(
      'invalid_request',
      '"code_verifier" must be 43-128 unreserved characters (RFC 7636 §4.1)',
    );
  }
  if (!verifyS256(verifier, code!.codeChallenge)) {
    throw invalidGrant('"code_verifier" does not match the code_challenge');
  }
};

/** RFC 8707 §2.2: the resource, if named again, must be the one authorized. */
const checkResource: Check = ({ code, params }) => {
  const resources = params.all('resource');
  if (
    resources.length > 1 ||
    (resources.length === 1 && canonicalResource(resources[0]!) !== canonicalResource(code!.resource))
  ) {
    throw new OAuthError('invalid_target', 'the requested resource was not part of this authorization');
  }
};

/**
 * RFC 9449 §10: a code requested with `dpop_jkt` is redeemed only with a proof of that key. Refused
 * before the code is spent, so the client holding the key can still redeem it.
 */
const checkDpopKey: Check = ({ code, dpopJkt }) => {
  if (code!.dpopJkt !== undefined && code!.dpopJkt !== dpopJkt) {
    throw invalidGrant('the authorization code is bound to another DPoP key (dpop_jkt)');
  }
};

const CHECKS: Check[] = [
  checkCodePresent,
  findCode,
  checkIssuedToClient,
  checkNotExpired,
  checkRedirectUri,
  checkPkce,
  checkResource,
  checkDpopKey,
];

/** Runs the checks in order; returns the code they accepted (spent or not: replay is decided after). */
export async function checkCodeExchange(exchange: CodeExchange): Promise<AuthorizationCodeRecord> {
  for (const check of CHECKS) await check(exchange);
  return exchange.code!;
}
