import type { Context, RequestInfo } from '../context.js';
import { OAuthError } from '../errors.js';
import { codePoint, refusedCharacter } from '../http/characters.js';
import { requiresDpop } from '../lanes/dpop.js';
import type { ClientRecord } from '../store/types.js';
import {
  currentDpopNonce,
  DpopProofError,
  dpopNonceKey,
  isCurrentDpopNonce,
  verifyDpopProof,
} from '../tokens/dpop.js';

/**
 * DPoP at the token endpoint (RFC 9449 §5): the proof is checked (§4.3, src/resource/dpop.ts), its
 * nonce (§8, when `dpop.requireNonce`) and its `jti` against replay (§11.1), and the key's thumbprint
 * is handed to the grant, which binds the tokens to it. No proof and a client that does not require
 * DPoP: nothing is done (the common path stays as fast as before).
 *
 * Replay cache: the database (the `private_key_jwt` assertion table, keyed `dpop <jkt>` + jti, deleted
 * by housekeeping after expiry), so a proof replayed at another instance is refused too; it is one
 * insert, paid only by requests that carry a proof.
 */

const nonceKeys = new WeakMap<Context, Buffer>();

function nonceKey(ctx: Context): Buffer {
  let key = nonceKeys.get(ctx);
  if (!key) {
    key = dpopNonceKey(ctx.secrets.state);
    nonceKeys.set(ctx, key);
  }
  return key;
}

/** The `DPoP-Nonce` header to send with a token response, when nonces are required. */
export function dpopNonceHeaders(ctx: Context): Record<string, string> {
  if (!ctx.config.dpop.requireNonce) return {};
  return { 'dpop-nonce': currentDpopNonce(nonceKey(ctx), ctx.now(), ctx.config.dpop.nonceLifetime) };
}

function invalidProof(ctx: Context, description: string, detail?: string): OAuthError {
  return new OAuthError('invalid_dpop_proof', description, { detail, headers: dpopNonceHeaders(ctx) });
}

/**
 * Checks the request's DPoP proof: undefined when there is none and the client does not require one
 * (answered at once, without a promise: the path of every bearer token request), else a promise of the
 * key to bind to. Throws invalid_dpop_proof when the client requires a proof and sent none.
 */
export function checkTokenDpop(
  ctx: Context,
  client: ClientRecord,
  req: RequestInfo,
): Promise<{ jkt: string }> | undefined {
  const header = req.request.headers.get('dpop');
  if (header === null) {
    // RFC 9449 §5.2: a client registered with dpop_bound_access_tokens never gets a bearer token.
    if (requiresDpop(client)) {
      throw invalidProof(ctx, 'this client must send a DPoP proof (dpop_bound_access_tokens)');
    }
    return undefined;
  }
  return checkProof(ctx, req, header);
}

async function checkProof(ctx: Context, req: RequestInfo, header: string): Promise<{ jkt: string }> {
  const refused = refusedCharacter(header);
  if (refused !== undefined) throw invalidProof(ctx, `the DPoP header holds ${codePoint(refused)}`);
  // §4.3 step 1: exactly one DPoP header (repeated headers arrive joined by ", "; a JWS has neither).
  if (header.includes(',')) throw invalidProof(ctx, 'send exactly one DPoP header');
  const { dpop } = ctx.config;
  let proof: Awaited<ReturnType<typeof verifyDpopProof>>;
  try {
    proof = await verifyDpopProof({
      proof: header,
      method: req.request.method,
      // htu is compared with the token endpoint as published (RFC 8414 metadata), not the URL this
      // process saw, which differs behind a proxy.
      url: ctx.config.endpoints.token,
      now: ctx.now(),
      maxAge: dpop.proofMaxAge,
      clockSkew: dpop.clockSkew,
    });
  } catch (error) {
    if (error instanceof DpopProofError) throw invalidProof(ctx, error.description, error.detail);
    throw error;
  }
  // §8: a server that requires nonces answers use_dpop_nonce with a fresh one.
  if (
    dpop.requireNonce &&
    (proof.nonce === undefined ||
      !isCurrentDpopNonce(nonceKey(ctx), proof.nonce, ctx.now(), dpop.nonceLifetime))
  ) {
    throw new OAuthError('use_dpop_nonce', 'Authorization server requires nonce in DPoP proof', {
      headers: dpopNonceHeaders(ctx),
      detail: proof.nonce === undefined ? 'no nonce' : 'stale or unknown nonce',
    });
  }
  // §11.1: a proof's jti is used once while its iat is acceptable.
  const expiresAt = (proof.iat + dpop.proofMaxAge + 2 * dpop.clockSkew) * 1000;
  if (!(await ctx.store.useClientAssertion(`dpop ${proof.jkt}`, proof.jti, expiresAt, ctx.now()))) {
    throw invalidProof(ctx, 'the DPoP proof was used before (jti)');
  }
  return { jkt: proof.jkt };
}
