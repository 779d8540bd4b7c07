import type { ResolvedEnterpriseIdp } from '../config/enterprise.js';
import type { ResolvedResource } from '../config/resolve.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import type { Params } from '../http/params.js';
import { JwksUnavailable, jwksCacheOf } from '../lanes/jwks-cache.js';
import type { ClientRecord, TokenEndpointAuthMethod, UserRecord } from '../store/types.js';
import { type IdJagClaims, IdJagRefused, peekIssuer, verifyIdJag } from '../tokens/id-jag.js';
import { canonicalResource, refusalFor, splitRequestedScope, splitScope } from './audience.js';
import { findEnterpriseIdp } from './enterprise-idps.js';
import { userForIdJag } from './id-jag-subject.js';
import { type GrantExchange, issueAccessToken, tokenResponse } from './issue.js';

/**
 * grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer with an ID-JAG `assertion` (RFC 7523 §2.1;
 * draft-ietf-oauth-identity-assertion-authz-grant §4.4; the MCP enterprise-managed authorization
 * extension §5): an ordered list of checks, then an access token for the user the trusted IdP asserts,
 * audience-bound to the ID-JAG's `resource`. No refresh token: the client presents a fresh ID-JAG, so
 * the IdP's policy is asked again each time. Every refusal of the assertion is invalid_grant (§5.2).
 */
export const exchangeIdJag: GrantExchange = async (ctx, client, params, req, method) => {
  const exchange: IdJagExchange = { ctx, client, params, req, method };
  for (const check of CHECKS) await check(exchange);
  const user = exchange.user!;
  const access = await issueAccessToken(ctx, {
    sub: user.id,
    clientId: client.client_id,
    resource: exchange.resource!.resource,
    scope: exchange.scope!,
    // RFC 9449 §5: a proof with the ID-JAG request binds the token to its key.
    jkt: req.dpop?.jkt,
  });
  await ctx.audit(
    {
      type: 'token.id_jag',
      clientId: client.client_id,
      userId: user.id,
      detail: { issuer: exchange.idp!.issuer, resource: exchange.resource!.resource, scope: exchange.scope },
    },
    req,
  );
  return tokenResponse(access, exchange.scope!);
};

interface IdJagExchange {
  ctx: Context;
  client: ClientRecord;
  params: Params;
  req: RequestInfo;
  method: TokenEndpointAuthMethod;
  assertion?: string;
  idp?: ResolvedEnterpriseIdp;
  claims?: IdJagClaims;
  resource?: ResolvedResource;
  scope?: string[];
  user?: UserRecord;
}

type Check = (exchange: IdJagExchange) => void | Promise<void>;

/** An ID-JAG larger than this is refused unread (a JWT of a few claims is well under 2 KB). */
const MAX_ASSERTION_LENGTH = 16_384;
const WINDOW_MS = 60_000;

/** Refused, and audited: the reason names a claim or a rule, never the assertion itself (§7.4.2). */
async function refuse(exchange: IdJagExchange, description: string): Promise<never> {
  await exchange.ctx.audit(
    {
      type: 'token.id_jag_refused',
      clientId: exchange.client.client_id,
      detail: { reason: description, ...(exchange.idp ? { issuer: exchange.idp.issuer } : {}) },
    },
    exchange.req,
  );
  throw new OAuthError('invalid_grant', description);
}

/**
 * MCP extension §5 ("authenticates with its credentials as registered") and §7.5.1: a public client
 * cannot use the grant — a stolen ID-JAG must not be enough on its own. CIMD clients authenticate with
 * private_key_jwt (their document's keys), preregistered ones with a secret or a key.
 */
const checkAuthenticated: Check = ({ method }) => {
  if (method === 'none')
    throw new OAuthError('unauthorized_client', 'the jwt-bearer grant needs client authentication');
};

const checkAssertion: Check = async (exchange) => {
  const assertion = exchange.params.get('assertion');
  // RFC 7523 §2.1: the assertion parameter holds exactly one JWT.
  if (!assertion) throw new OAuthError('invalid_request', '"assertion" is required');
  // Refused before the rate limits count it, so not audited: an audit row per oversized request
  // would let one client grow the audit log without bound.
  if (assertion.length > MAX_ASSERTION_LENGTH)
    throw new OAuthError('invalid_grant', 'the assertion is too large');
  exchange.assertion = assertion;
};

/** Rate limits (MCP extension §7.5.1): per client, then per IdP; every attempt counts. */
const checkRate: Check = async (exchange) => {
  const { ctx, client } = exchange;
  const issuer = peekIssuer(exchange.assertion!);
  // The configuration's IdPs and those an administrator stored (enterprise-idps.ts).
  const idp = await findEnterpriseIdp(ctx, issuer);
  await hit(ctx, `idjag:client:${client.client_id}`, ctx.config.enterprise.maxGrantsPerClient);
  if (!idp) await refuse(exchange, 'the assertion issuer is not a trusted enterprise IdP');
  exchange.idp = idp;
  await hit(ctx, `idjag:idp:${idp!.issuer}`, ctx.config.enterprise.maxGrantsPerIdp);
};

async function hit(ctx: Context, key: string, limit: number): Promise<void> {
  const result = await ctx.store.hitRateLimit(key, limit, WINDOW_MS, ctx.now());
  if (!result.allowed)
    throw new OAuthError('rate_limited', 'too many assertion grants; try again later', {
      headers: { 'retry-after': String(result.retryAfter) },
    });
}

/** MCP extension §7.4.1: the signature by a key of the IdP; typ, alg, iss, aud, sub, iat, exp, jti. */
const checkSignature: Check = async (exchange) => {
  const { ctx, idp } = exchange;
  const check = { idp: idp!, audience: ctx.config.issuer, nowMs: ctx.now() };
  try {
    try {
      exchange.claims = await verifyIdJag(exchange.assertion!, {
        ...check,
        keys: await keysOf(ctx, idp!, false),
      });
    } catch (error) {
      // A kid the cached set lacks may be a rotation: one re-fetch, within the cooldown (jwks-cache.ts).
      if (!(error instanceof IdJagRefused && error.unknownKey && idp!.jwksUri)) throw error;
      exchange.claims = await verifyIdJag(exchange.assertion!, {
        ...check,
        keys: await keysOf(ctx, idp!, true),
      });
    }
  } catch (error) {
    if (error instanceof IdJagRefused) await refuse(exchange, error.message);
    if (error instanceof JwksUnavailable) await refuse(exchange, "the IdP's key set is unavailable");
    throw error;
  }
};

function keysOf(ctx: Context, idp: ResolvedEnterpriseIdp, unknownKid: boolean) {
  if (idp.jwks) return Promise.resolve(idp.jwks);
  // The operator configured this URL: it may be internal (DESIGN §4), so the trusted fetcher.
  return jwksCacheOf(ctx).get(idp.jwksUri!, { trusted: true, unknownKid });
}

/** draft §4.4.1: the ID-JAG's client_id is the client that authenticated this request. */
const checkClient: Check = async (exchange) => {
  if (exchange.claims!.clientId !== exchange.client.client_id)
    await refuse(exchange, 'the assertion was issued to another client');
};

/**
 * MCP extension §5.1 and §7.6.2: `resource` is one of this server's resources, which the token's
 * audience becomes, and which this client may obtain tokens for on a user's behalf (audience.ts). A
 * `resource` parameter, if sent, must name the same one.
 */
const checkResource: Check = async (exchange) => {
  const { ctx, client, claims, params } = exchange;
  if (!claims!.resource) return refuse(exchange, 'the assertion has no resource claim');
  const canonical = canonicalResource(claims!.resource);
  const view = ctx.resources.snapshot();
  const resource = view.resources.find((r) => canonical && canonicalResource(r.resource) === canonical);
  if (!resource) return refuse(exchange, 'the assertion resource is not a resource of this server');
  const refused = refusalFor(view, client, resource, 'user');
  if (refused) return refuse(exchange, refused);
  const asked = params.all('resource');
  if (asked.length > 1 || (asked.length === 1 && canonicalResource(asked[0]!) !== canonical))
    return refuse(exchange, 'the resource parameter differs from the assertion resource');
  exchange.resource = resource;
};

/**
 * MCP extension §7.2.1: the intersection of the requested scopes and the ID-JAG's; §7.6.2: asserted
 * scopes unknown to the resource are invalid_grant. Without a `scope` claim the IdP asserted nothing
 * beyond the resource's defaults. The client's own `scope` narrows further.
 */
const checkScope: Check = async (exchange) => {
  const { client, claims, params } = exchange;
  const resource = exchange.resource!;
  const asserted =
    claims!.scope === undefined ? [...resource.defaultScopes] : splitRequestedScope(claims!.scope);
  if (asserted.some((s) => !resource.scopes.includes(s)))
    return refuse(exchange, 'the assertion scope names a scope the resource does not have');
  const requested = splitScope(params.get('scope'));
  const unknown = requested.filter((s) => !resource.scopes.includes(s));
  if (unknown.length) throw new OAuthError('invalid_scope', `unknown scope: ${unknown.join(' ')}`);
  const scope = grantedScopes(asserted, requested, client.scope);
  if (requested.length && scope.length === 0)
    throw new OAuthError('invalid_scope', 'none of the requested scopes is asserted for this client');
  exchange.scope = scope;
};

/**
 * MCP extension §7.2.1: the asserted scopes the request asks for (all of them when it names none),
 * within the client's own `scope` (null, or only offline_access, limits nothing, as in audience.ts).
 */
export function grantedScopes(
  asserted: readonly string[],
  requested: readonly string[],
  clientScope: string | null,
): string[] {
  const own = clientScope === null ? [] : splitRequestedScope(clientScope);
  return [...new Set(asserted)].filter(
    (s) => (requested.length === 0 || requested.includes(s)) && (own.length === 0 || own.includes(s)),
  );
}

/** MCP extension §7.4.2: each jti once per issuer until exp (in the database, across instances). */
const checkReplay: Check = async (exchange) => {
  const { ctx, claims } = exchange;
  if (!(await ctx.store.useIdJag(claims!.iss, claims!.jti, claims!.expiresAt, ctx.now())))
    await refuse(exchange, 'the assertion was used before');
};

const checkSubject: Check = async (exchange) => {
  try {
    exchange.user = await userForIdJag(exchange.ctx, exchange.idp!, exchange.claims!);
  } catch (error) {
    if (error instanceof OAuthError && error.error === 'invalid_grant')
      await refuse(exchange, error.description);
    throw error;
  }
};

const CHECKS: Check[] = [
  checkAuthenticated,
  checkAssertion,
  checkRate,
  checkSignature,
  checkClient,
  checkResource,
  checkScope,
  checkReplay,
  checkSubject,
];
