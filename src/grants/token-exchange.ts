import type { ResolvedResource } from '../config/resolve.js';
import type { ResolvedTokenExchangeRule } from '../config/token-exchange.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import { clientKeysOf } from '../lanes/client-keys.js';
import type { ClientRecord } from '../store/types.js';
import {
  allowedScopes,
  canonicalResource,
  resolveResource,
  splitRequestedScope,
  splitScope,
} from './audience.js';
import { type ActClaim, type GrantExchange, issueAccessToken, tokenResponse } from './issue.js';
import { type SubjectClaims, verifySubjectToken } from './token-exchange-subject.js';

/**
 * grant_type=urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693), on-behalf-of only: an MCP
 * server holding a user's access token for its own resource A exchanges it for a token for a downstream
 * resource B, as an ordered list of checks (CHECKS below). docs/enterprise.md "Token exchange".
 *
 * Who may exchange (the rule that keeps a leaked token from becoming a key to other APIs):
 * - a confidential client (secret or private_key_jwt) that lists the token-exchange URN in its
 *   grant_types (only preregistered and admin-created clients can; CIMD and DCR documents cannot);
 * - that lists A explicitly in its `resources` — it is A's own client, the MCP server — so a token for
 *   A is useless to any other client, however it was obtained;
 * - that may obtain tokens for B (audience.ts `refusalFor`, the rule of every other grant);
 * - and a `tokenExchange` rule {from: A, to: B} exists.
 * The subject token is verified fully (signature, typ, iss, exp, aud = A, not revoked, its grant
 * active, its user active). The new token keeps `sub`, `gid` (revoking the grant deactivates it) and
 * `auth_time`, names the exchanging client in `act` (RFC 8693 §4.1, nesting the subject token's own
 * `act`), holds requested ∩ subject scope ∩ rule scopes ∩ B's scopes, and ends no later than the
 * subject token. No refresh token is issued: the exchanger exchanges again with a fresh subject token,
 * so the user's grant stays the one thing to refresh and to revoke.
 */

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: the only subject token type and requested/issued token type supported. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export const exchangeToken: GrantExchange = async (ctx, client, params, req) => {
  const exchange: TokenExchange = { ctx, client, params };
  try {
    for (const check of CHECKS) await check(exchange);
  } catch (error) {
    if (error instanceof OAuthError) await auditRefusal(exchange, req, error);
    throw error;
  }
  const subject = exchange.subject!;
  const act: ActClaim = { sub: client.client_id, ...(subject.act ? { act: subject.act } : {}) };
  const access = await issueAccessToken(ctx, {
    sub: subject.sub,
    clientId: client.client_id,
    resource: exchange.target!.resource,
    scope: exchange.scope!,
    grantId: subject.gid!,
    ...(typeof subject.auth_time === 'number' ? { authTime: subject.auth_time * 1000 } : {}),
    act,
    notAfter: subject.exp,
    // RFC 9449 §5: a proof with the exchange request binds the new token to its key.
    jkt: req.dpop?.jkt,
  });
  await ctx.audit(
    {
      type: 'token.exchanged',
      clientId: client.client_id,
      userId: exchange.userId!,
      detail: {
        from: subject.aud,
        to: exchange.target!.resource,
        scope: exchange.scope!.join(' '),
        grantId: subject.gid,
        subjectJti: subject.jti,
        jti: access.jti,
        subjectClientId: subject.client_id,
      },
    },
    req,
  );
  // RFC 8693 §2.2.1: issued_token_type is required; token_type Bearer; no refresh token (see above).
  return tokenResponse(access, exchange.scope!, { issued_token_type: ACCESS_TOKEN_TYPE });
};

export interface TokenExchange {
  ctx: Context;
  client: ClientRecord;
  params: Params;
  /** Set by checkTarget: resource B. */
  target?: ResolvedResource;
  /** Set by checkSubjectToken (token-exchange-subject.ts). */
  subject?: SubjectClaims;
  /** Set by checkSubjectToken: the grant's user. */
  userId?: string;
  /** Set by checkPolicy. */
  rule?: ResolvedTokenExchangeRule;
  /** Set by checkScope. */
  scope?: string[];
}

type Check = (exchange: TokenExchange) => void | Promise<void>;

/** The refusal, audited without the tokens (never a credential in the audit). */
async function auditRefusal(exchange: TokenExchange, req: RequestInfo, error: OAuthError): Promise<void> {
  await exchange.ctx.auditAnonymous(
    {
      type: 'token.exchange_refused',
      clientId: exchange.client.client_id,
      ...(exchange.userId ? { userId: exchange.userId } : {}),
      detail: {
        error: error.error,
        reason: error.description,
        ...(exchange.subject ? { from: exchange.subject.aud, subjectJti: exchange.subject.jti } : {}),
        ...(exchange.target ? { to: exchange.target.resource } : {}),
      },
    },
    req,
  );
}

/** The exchanging client authenticates with a credential (DESIGN §4: a confidential client). */
const checkConfidential: Check = ({ client }) => {
  const hasCredential =
    client.token_endpoint_auth_method === 'private_key_jwt'
      ? clientKeysOf(client) !== undefined
      : client.secretHash !== null;
  if (client.token_endpoint_auth_method === 'none' || !hasCredential || client.source !== 'preregistered') {
    throw new OAuthError('unauthorized_client', 'token exchange is for confidential, preregistered clients');
  }
};

/**
 * RFC 8693 §2.1: subject_token and subject_token_type are required; only access tokens are exchanged
 * here and only access tokens issued; actor_token is not accepted (the authenticated client is the
 * actor). Anything else is invalid_request (§2.2.2).
 */
const checkParameters: Check = ({ params }) => {
  const bad = (description: string) => new OAuthError('invalid_request', description);
  if (!params.get('subject_token')) throw bad('"subject_token" is required');
  const type = params.get('subject_token_type');
  if (!type) throw bad('"subject_token_type" is required');
  if (type !== ACCESS_TOKEN_TYPE) throw bad(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  if (params.get('actor_token') || params.get('actor_token_type')) {
    throw bad('actor_token is not supported: the authenticated client is the actor');
  }
  const requested = params.get('requested_token_type');
  if (requested && requested !== ACCESS_TOKEN_TYPE) {
    throw bad(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
};

/**
 * RFC 8693 §2.1: `resource` and `audience` name the target; both may be sent, naming the same
 * resource. One target per token (audience.ts); unknown or not allowed for this client: invalid_target
 * (§2.2.2). The admin API is never a target (issuance path 'user': a user's token cannot reach it).
 */
const checkTarget: Check = (exchange) => {
  const { ctx, client, params } = exchange;
  const named = [...params.all('resource'), ...params.all('audience')];
  const distinct = [...new Set(named.map((n) => canonicalResource(n) ?? n))];
  if (distinct.length === 0) throw new OAuthError('invalid_target', '"resource" or "audience" is required');
  if (distinct.length > 1)
    throw new OAuthError('invalid_target', 'only one target resource may be requested');
  exchange.target = resolveResource(ctx.resources.snapshot(), client, [named[0]!], false, 'user');
};

/** The subject token: see token-exchange-subject.ts. */
const checkSubjectToken: Check = async (exchange) => {
  const verified = await verifySubjectToken(exchange.ctx, exchange.params.get('subject_token')!);
  exchange.subject = verified.claims;
  exchange.userId = verified.userId;
};

/**
 * Only A's own client may exchange A's tokens: the client lists A in its `resources` (a client allowed
 * every resource by an empty list does not count), and may still obtain tokens for A. RFC 8693 §2.2.2:
 * a subject token unacceptable by policy is invalid_request.
 */
const checkExchangerOwnsSource: Check = ({ ctx, client, subject }) => {
  const from = canonicalResource(subject!.aud);
  const listed = client.resources.some((r) => canonicalResource(r) === from);
  const refused = () =>
    new OAuthError('invalid_request', 'the subject token is not for a resource this client serves');
  if (!listed) throw refused();
  try {
    resolveResource(ctx.resources.snapshot(), client, [subject!.aud], false, 'user');
  } catch (error) {
    if (error instanceof OAuthError) throw refused();
    throw error;
  }
};

/** The configured `tokenExchange` rule from A to B; none: invalid_target (§2.2.2). */
const checkPolicy: Check = (exchange) => {
  const from = canonicalResource(exchange.subject!.aud);
  const to = canonicalResource(exchange.target!.resource);
  const rule = exchange.ctx.config.tokenExchange.find(
    (r) => canonicalResource(r.from) === from && canonicalResource(r.to) === to,
  );
  if (!rule)
    throw new OAuthError('invalid_target', 'no token exchange policy allows this target from this token');
  exchange.rule = rule;
};

/**
 * RFC 8693 §2.1 `scope`, never wider than the subject token (§1.1): what carries over is the subject
 * token's scope ∩ the rule's scopes ∩ B's scopes that this client may hold. A requested scope outside
 * that is invalid_scope; nothing requested means all of it; nothing carrying over is invalid_scope.
 */
export function exchangedScope(input: {
  subject: readonly string[];
  rule: readonly string[];
  target: readonly string[];
  permitted: (scope: string) => boolean;
  requested: readonly string[];
}): string[] {
  const carries = input.subject.filter(
    (s) => input.rule.includes(s) && input.target.includes(s) && input.permitted(s),
  );
  if (input.requested.some((s) => !carries.includes(s))) {
    throw new OAuthError(
      'invalid_scope',
      'the requested scope exceeds what the subject token may carry over',
    );
  }
  const scope = input.requested.length ? [...new Set(input.requested)] : [...new Set(carries)];
  if (scope.length === 0) throw new OAuthError('invalid_scope', 'no scope of the subject token carries over');
  return scope;
}

const checkScope: Check = (exchange) => {
  const { rule, target, client, subject } = exchange;
  exchange.scope = exchangedScope({
    subject: splitScope(subject!.scope),
    rule: rule!.scopes,
    target: target!.scopes,
    permitted: (s) => allowedScopes(target!, client, [s]).length === 1,
    requested: splitRequestedScope(exchange.params.get('scope')),
  });
};

const CHECKS: Check[] = [
  checkConfidential,
  checkParameters,
  checkTarget,
  checkSubjectToken,
  checkExchangerOwnsSource,
  checkPolicy,
  checkScope,
];
