/**
 * `GET {issuer}/connections/{id}/callback`: the provider's redirect back (DESIGN §4). In order:
 * 1. `state`: its SHA-256 must name an unconsumed, unexpired sign-in of this connection started by
 *    this browser (state.ts); it is consumed here, once, before anything else is done with the code.
 * 2. openid-client checks the response (RFC 9207 `iss` when the provider advertises
 *    authorization_response_iss_parameter_supported, an `error` response), redeems the code with the
 *    PKCE verifier and the client authentication, and validates the ID token: signature against the
 *    provider's JWKS (non-repudiation checks on), `iss`, `aud`, `azp`, `exp` and `iat` within the
 *    connection's clockTolerance, `nonce` (OIDC Core §3.1.3.7).
 * 3. `iat` no older than maxIdTokenAge; then the account (accounts.ts), a browser session, and the
 *    authorization request continues exactly as after a password sign-in (/authorize/resume).
 */
import type { IDToken } from 'openid-client';
import type { ResolvedOidcConnection } from '../config/connections.js';
import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { hashSecret } from '../tokens/crypto.js';
import { normaliseEmail } from '../users.js';
import { resolveAccount, type UpstreamIdentity } from './accounts.js';
import { openidClient } from './libraries.js';
import { collisionPage, signInAndContinue } from './link.js';
import { providerConfig } from './provider.js';
import { callbackUrl } from './start.js';
import { derivedChecks, readBinding } from './state.js';

const STALE =
  'This sign-in could not be completed: it expired, was already used, or was started in another browser. Start again.';

async function consumeState(ctx: Context, req: RequestInfo, c: ResolvedOidcConnection) {
  const state = req.url.searchParams.get('state');
  const binding = readBinding(ctx, req);
  if (!state || !binding)
    throw new OAuthError('invalid_request', STALE, { detail: 'no state or no binding cookie' });
  const id = hashSecret(state);
  const record = await ctx.store.consumeConnectionState(id, hashSecret(binding), ctx.now());
  if (record?.connectionId === c.id) return { state, record };
  // Why it failed, for the log and the audit trail only.
  const seen = record ?? (await ctx.store.getConnectionState(id));
  const reason = !seen
    ? 'unknown state'
    : seen.connectionId !== c.id
      ? 'state of another connection'
      : seen.consumedAt !== null
        ? 'replayed'
        : seen.expiresAt <= ctx.now()
          ? 'expired'
          : 'another browser';
  await ctx.auditAnonymous({ type: 'connection.refused', detail: { connection: c.id, reason } }, req);
  throw new OAuthError('invalid_request', STALE, { detail: `connection ${c.id}: ${reason}` });
}

/** What failed, for logs and the audit trail: the library's code and message, and the claim or parameter it names. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'failed';
  const code = (error as { code?: string }).code ?? error.name;
  // openid-client wraps oauth4webapi's error, whose message names the claim or parameter.
  const inner = error.cause instanceof Error ? error.cause : undefined;
  return `${code}: ${error.message}${inner ? ` (${inner.message})` : ''}`;
}

/** The provider's response redeemed and its ID token validated, or a refusal page. */
async function redeem(ctx: Context, req: RequestInfo, c: ResolvedOidcConnection, state: string) {
  const config = await providerConfig(ctx, c);
  const oidc = await openidClient();
  const { verifier, nonce } = derivedChecks(ctx, state);
  // The registered redirect URI, with the parameters the provider sent (never the Host header's idea).
  const current = new URL(callbackUrl(ctx, c));
  for (const [k, v] of req.url.searchParams) current.searchParams.append(k, v);
  try {
    return await oidc.authorizationCodeGrant(config, current, {
      expectedState: state,
      expectedNonce: nonce,
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
    });
  } catch (error) {
    const reason = describeFailure(error);
    await ctx.auditAnonymous({ type: 'connection.refused', detail: { connection: c.id, reason } }, req);
    if (error instanceof oidc.AuthorizationResponseError) {
      throw new OAuthError('access_denied', `The sign-in at ${c.name} did not complete (${error.error}).`, {
        detail: reason,
      });
    }
    throw new OAuthError(
      'invalid_request',
      `The answer from ${c.name} could not be verified, so you were not signed in. Start again.`,
      { detail: `connection ${c.id}: ${reason}` },
    );
  }
}

function identityOf(ctx: Context, c: ResolvedOidcConnection, claims: IDToken): UpstreamIdentity {
  const now = Math.floor(ctx.now() / 1000);
  if (claims.iat > now + c.clockToleranceS || claims.iat < now - c.maxIdTokenAgeS - c.clockToleranceS) {
    throw new OAuthError('invalid_request', `The answer from ${c.name} is too old. Start again.`, {
      detail: `connection ${c.id}: iat ${claims.iat} outside the accepted window`,
    });
  }
  const email = claims[c.claims.email];
  return {
    issuer: claims.iss,
    subject: claims.sub,
    email: typeof email === 'string' ? normaliseEmail(email) : undefined,
    emailVerified: claims[c.claims.emailVerified] === true,
  };
}

export async function handleCallback(
  ctx: Context,
  req: RequestInfo,
  c: ResolvedOidcConnection,
): Promise<Response> {
  const { state, record } = await consumeState(ctx, req, c);
  const tokens = await redeem(ctx, req, c, state);
  const claims = tokens.claims();
  if (!claims) throw new OAuthError('invalid_request', `${c.name} sent no ID token.`);
  const identity = identityOf(ctx, c, claims);
  const outcome = await resolveAccount(ctx, c, identity);
  if (outcome.kind === 'collision')
    return collisionPage(ctx, req, c, identity, outcome.email, record.interaction);
  await ctx.audit(
    { type: 'login.succeeded', userId: outcome.user.id, detail: { connection: c.id, how: outcome.how } },
    req,
  );
  return signInAndContinue(ctx, req, outcome.user, record.interaction, c.id);
}
