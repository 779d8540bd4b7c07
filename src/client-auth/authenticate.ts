import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { hasControlCharacter } from '../http/characters.js';
import type { Params } from '../http/params.js';
import { MAX_CLIENT_ID_LENGTH } from '../lanes/cimd/url.js';
import { clientKeysOf } from '../lanes/client-keys.js';
import { type ClientResolution, resolveClient } from '../lanes/index.js';
import type { ClientRecord } from '../store/types.js';
import { verifySecret } from '../tokens/crypto.js';
import { authenticateWithAssertion } from './assertion.js';

/**
 * Client authentication at the token, revocation and introspection endpoints (OAuth 2.1 §2.4, §3.2.1):
 * client_secret_basic, client_secret_post, private_key_jwt (RFC 7523 §2.2, client-assertion-auth.ts),
 * or none (public clients name themselves with client_id). Exactly one method per request (§2.4); a
 * failure is 401 with a Basic challenge (§3.2.4).
 */

export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientRecord['token_endpoint_auth_method'];
}

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' };

/** invalid_client, 401 with a Basic challenge (RFC 6749 §5.2; OAuth 2.1 §3.2.4; RFC 9110 §15.5.2). */
export function invalidClient(description: string, detail?: string): OAuthError {
  return new OAuthError('invalid_client', description, { status: 401, headers: BASIC_CHALLENGE, detail });
}

/** `Authorization: Basic` credentials, or undefined when they are malformed. @see RFC 6749 §2.3.1 */
export function parseBasic(header: string): { id: string; secret: string } | undefined {
  // RFC 9110 §11.4: the scheme, case-insensitive, then one or more spaces, then the token68.
  const match = /^Basic +([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  let id: string;
  let secret: string;
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
    secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
  } catch {
    return undefined;
  }
  // Appendix A.1, A.2: client-id and client-secret are *VSCHAR (%x20-7E), so a control character is
  // malformed credentials (http/characters.ts, the rule for every input; PostgreSQL refuses U+0000);
  // the id is no longer than any other client_id may be.
  if (id === '' || id.length > MAX_CLIENT_ID_LENGTH || hasControlCharacter(id) || hasControlCharacter(secret))
    return undefined;
  return { id, secret };
}

export async function authenticateClient(
  ctx: Context,
  request: Request,
  params: Params,
  options: { allowPublic: boolean; ip: string | null },
): Promise<AuthenticatedClient> {
  const authorization = request.headers.get('authorization');
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  // The Basic scheme however it is spaced (or with nothing after it): the client meant Basic, so a
  // malformed one is refused below (RFC 9110 §11.4 wants SP), never ignored as if absent.
  const usesBasic = authorization !== null && /^basic(?:[ \t]|$)/i.test(authorization);
  const usesAssertion =
    params.get('client_assertion_type') !== undefined || params.get('client_assertion') !== undefined;
  if (Number(usesBasic) + Number(bodySecret !== undefined) + Number(usesAssertion) > 1) {
    throw new OAuthError(
      'invalid_request',
      'use one client authentication method, not several (Basic, client_secret, client_assertion)',
    );
  }
  // RFC 9110 §15.5.2: every 401 carries a challenge, whichever method the client tried (or none);
  // OAuth 2.1 §3.2.4 requires it when the client used the Authorization header.
  const fail = invalidClient;

  if (usesAssertion) {
    const client = await authenticateWithAssertion(ctx, params, (id) => lookup(ctx, id, options.ip), fail);
    return { client, method: 'private_key_jwt' };
  }
  if (usesBasic) {
    const credentials = parseBasic(authorization!);
    // RFC 6749 §5.2: the client tried to authenticate through the Authorization header, so malformed
    // credentials (a control character included) are 401 invalid_client, counted as a failure.
    if (!credentials) throw fail('malformed Basic credentials');
    if (bodyId !== undefined && bodyId !== credentials.id) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from the authenticated client');
    }
    const client = await lookup(ctx, credentials.id, options.ip);
    if (client?.token_endpoint_auth_method !== 'client_secret_basic' || client.secretHash === null) {
      throw fail('client authentication failed', `basic auth for ${credentials.id}`);
    }
    if (!verifySecret(credentials.secret, client.secretHash)) throw fail('client authentication failed');
    return { client, method: 'client_secret_basic' };
  }
  if (!bodyId) throw fail('client authentication failed: no client_id');
  const client = await lookup(ctx, bodyId, options.ip);
  if (!client) throw fail('client authentication failed', `unknown client ${bodyId}`);
  if (bodySecret !== undefined) {
    if (client.token_endpoint_auth_method !== 'client_secret_post' || client.secretHash === null) {
      throw fail('client authentication failed', `client_secret_post not allowed for ${bodyId}`);
    }
    if (!verifySecret(bodySecret, client.secretHash)) throw fail('client authentication failed');
    return { client, method: 'client_secret_post' };
  }
  // A CIMD document that also lists `none` may be used without an assertion (docs/cimd.md).
  if (client.token_endpoint_auth_method !== 'none' && clientKeysOf(client)?.acceptsNone !== true) {
    // OAuth 2.1 §3.2.1: a confidential client must authenticate.
    throw fail('client authentication is required for this client');
  }
  if (!options.allowPublic) throw fail('this endpoint requires client authentication');
  return { client, method: 'none' };
}

function lookup(ctx: Context, clientId: string, ip: string | null): Promise<ClientRecord | undefined> {
  return resolveClient(ctx, clientId, ip).then(resolvedClient);
}

const resolvedClient = (resolution: ClientResolution) => (resolution.ok ? resolution.client : undefined);
