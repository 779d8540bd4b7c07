import type { JSONWebKeySet } from 'jose';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { hasControlCharacter } from '../http/characters.js';
import type { Params } from '../http/params.js';
import { MAX_CLIENT_ID_LENGTH } from '../lanes/cimd/url.js';
import { clientKeysOf } from '../lanes/client-keys.js';
import { JwksUnavailable, jwksCacheOf } from '../lanes/jwks-cache.js';
import type { ClientRecord } from '../store/types.js';
import {
  AssertionRefused,
  JWT_BEARER_ASSERTION_TYPE,
  peekAssertionClientId,
  verifyClientAssertion,
} from '../tokens/client-assertion.js';

/**
 * `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): the client proves itself with a JWT it
 * signed. Only requests that carry `client_assertion_type` come here, so a client_secret_basic or
 * public client's request never pays for any of this.
 */
export async function authenticateWithAssertion(
  ctx: Context,
  params: Params,
  lookup: (clientId: string) => Promise<ClientRecord | undefined>,
  fail: (description: string, detail?: string) => OAuthError,
): Promise<ClientRecord> {
  const type = params.get('client_assertion_type');
  const assertion = params.get('client_assertion');
  if (type !== JWT_BEARER_ASSERTION_TYPE)
    throw fail(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
  if (!assertion) throw new OAuthError('invalid_request', '"client_assertion" is required');
  // RFC 7523 §3 item 2: sub (and iss, OIDC Core §9) is the client_id; client_id in the body is optional.
  const clientId = params.get('client_id') ?? peekAssertionClientId(assertion);
  // An id read from the JWT has not passed the field limits a body client_id has: the same rules as
  // Basic credentials (parseBasic) before it reaches the store or the CIMD lane.
  if (!clientId || clientId.length > MAX_CLIENT_ID_LENGTH || hasControlCharacter(clientId))
    throw fail('client_assertion does not name its client (sub)');
  const client = await lookup(clientId);
  const keys = client ? clientKeysOf(client) : undefined;
  if (client?.token_endpoint_auth_method !== 'private_key_jwt' || !keys)
    throw fail('client authentication failed', `private_key_jwt not registered for ${clientId}`);
  const now = ctx.now();
  const check = {
    clientId: client.client_id,
    // RFC 7523 §3 item 3 and draft-ietf-oauth-rfc7523bis: the issuer identifier (preferred) or the
    // token endpoint URL, at every endpoint that authenticates clients.
    audiences: [ctx.config.issuer, ctx.config.endpoints.token],
    algorithm: keys.token_endpoint_auth_signing_alg,
    nowMs: now,
  };
  let verified: Awaited<ReturnType<typeof verifyClientAssertion>>;
  try {
    const keySet = await keySetOf(ctx, keys, false);
    try {
      verified = await verifyClientAssertion(assertion, { ...check, keys: keySet });
    } catch (error) {
      // A kid the cached set lacks may be a rotation: one re-fetch, within the cooldown (jwks-cache.ts).
      if (!(error instanceof AssertionRefused && error.unknownKey && keys.jwks_uri)) throw error;
      verified = await verifyClientAssertion(assertion, { ...check, keys: await keySetOf(ctx, keys, true) });
    }
  } catch (error) {
    // The reason is public: it names a claim or the key set, never a secret, and helps developers.
    if (error instanceof AssertionRefused || error instanceof JwksUnavailable)
      throw fail(`client authentication failed: ${error.message}`);
    throw error;
  }
  // RFC 7523 §3 item 7, OIDC Core §9: a jti is used once (kept until the assertion expires).
  if (!(await ctx.store.useClientAssertion(client.client_id, verified.jti, verified.expiresAt, now)))
    throw fail('client authentication failed: client_assertion jti was used before');
  return client;
}

async function keySetOf(
  ctx: Context,
  keys: NonNullable<ReturnType<typeof clientKeysOf>>,
  unknownKid: boolean,
): Promise<JSONWebKeySet> {
  if (keys.jwks) return keys.jwks;
  if (!keys.jwks_uri) throw new JwksUnavailable('the client has no keys');
  return jwksCacheOf(ctx).get(keys.jwks_uri, { trusted: keys.trusted === true, unknownKid });
}
