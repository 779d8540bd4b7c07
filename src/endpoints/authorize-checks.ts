import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import { findResource, resolveResource, resolveScopes } from '../grants/audience.js';
import type { AuthorizationRequest } from '../grants/authorization-request.js';
import type { Params } from '../http/params.js';
import { checkOrganizationHint } from '../interaction/organization.js';
import { resolveClient } from '../lanes/index.js';
import { matchRedirectUri } from '../lanes/redirect-uri.js';
import type { ClientRecord } from '../store/types.js';
import { isValidS256Challenge } from '../tokens/pkce.js';
import { explainRedirectUri, requestableResources, requestableScopes } from './authorize-explain.js';

/**
 * The authorization endpoint's checks, in order. Until `checkRedirectUri` has verified where to send
 * the user, every error is shown as a page (OAuth 2.1 §4.1.2.1: never redirect to an unverified URI);
 * after it, errors are redirected with `state` and `iss`.
 */

interface Draft {
  ctx: Context;
  ip: string | null;
  params: Params;
  client?: ClientRecord;
  out: Partial<AuthorizationRequest>;
}

type Check = (draft: Draft) => void | Promise<void>;

/** A page error: shown to the user, never redirected; `explanation` tells the developer what to change. */
const page = (description: string, detail?: string, explanation?: OAuthError['explanation']) =>
  new OAuthError('invalid_request', description, { detail, explanation });
/** A redirectable error, once the redirect URI is verified. */
const back = (error: ConstructorParameters<typeof OAuthError>[0], description: string) =>
  new OAuthError(error, description, { redirectable: true });

/** OAuth 2.1 §3.1: client_id and redirect_uri must not repeat; a polluted pair is never redirected. */
const checkClientIdentityNotRepeated: Check = ({ params }) => {
  for (const name of ['client_id', 'redirect_uri']) {
    if (params.all(name).length > 1) throw page(`The "${name}" parameter was sent more than once.`);
  }
};

/** OAuth 2.1 §4.1.2.1: a missing or unknown client is an error shown to the user. */
const checkClient: Check = async (draft) => {
  const clientId = draft.params.get('client_id');
  if (!clientId) {
    throw page('The request does not say which application is asking (client_id is missing).', undefined, {
      facts: [],
      fix: 'Send client_id: the id of a client configured on this server, the client_id returned by dynamic registration, or the https URL of a client metadata document.',
    });
  }
  const resolution = await resolveClient(draft.ctx, clientId, draft.ip);
  if (!resolution.ok) {
    throw new OAuthError(
      resolution.reason === 'unknown' ? 'invalid_request' : 'unauthorized_client',
      resolution.message,
      {
        detail: `client_id ${clientId}: ${resolution.reason}`,
        // Only what the request itself sent: whether a client exists says nothing more than this page.
        explanation: {
          facts: [{ label: 'client_id', values: [clientId] }],
          fix: CLIENT_FIX[resolution.reason],
        },
      },
    );
  }
  draft.client = resolution.client;
  draft.out.client_id = clientId;
};

const CLIENT_FIX: Record<'unknown' | 'disabled' | 'lane_disabled' | 'document_refused', string> = {
  unknown:
    'Check the client_id for typing mistakes. A client must be in gatehouse.json (clients), created in the dashboard, registered through dynamic registration, or be the https URL of a client metadata document when those are enabled.',
  disabled: 'An administrator can enable it again on the dashboard’s Clients page.',
  lane_disabled:
    'Use a client_id registered on this server, or ask the administrator to enable client ID metadata documents (cimd.enabled).',
  document_refused:
    'Fix the metadata document at the client_id URL (see docs/cimd.md for what it must contain), then try again.',
};

/**
 * OAuth 2.1 §4.1.1, §2.3.2: exact match against a registered URI (any port for loopback, RFC 8252 §7.3);
 * may be omitted only when exactly one URI is registered.
 */
const checkRedirectUri: Check = ({ params, client, out }) => {
  const registered = client!.redirect_uris;
  const requested = params.get('redirect_uri');
  if (requested === undefined) {
    if (registered.length !== 1) {
      throw page(
        'The request must say where to return (redirect_uri), because this application registered several.',
        undefined,
        explainRedirectUri(client!, undefined),
      );
    }
    out.redirect_uri = registered[0]!;
    out.redirect_uri_explicit = false;
    return;
  }
  if (!matchRedirectUri(registered, requested)) {
    throw page(
      'The address this request wants to return to is not registered for this application.',
      `redirect_uri ${requested}`,
      explainRedirectUri(client!, requested),
    );
  }
  out.redirect_uri = requested;
  out.redirect_uri_explicit = true;
};

/** From here on the response can go back to the client: record state first so every error carries it. */
const checkState: Check = ({ params, out }) => {
  const states = params.all('state');
  if (states.length === 1) out.state = states[0]!;
  if (states.length > 1) throw back('invalid_request', '"state" must not be repeated');
};

/** OAuth 2.1 §3.1: no parameter may repeat, except `resource` (RFC 8707 §2). */
const checkNoRepeatedParameters: Check = ({ params }) => {
  const repeated = params.repeated().filter((name) => name !== 'resource');
  if (repeated.length) throw back('invalid_request', `"${repeated[0]}" must not be repeated`);
};

/**
 * OIDC Core §6.1, §6.2 (RFC 9101): request objects are not supported (metadata says so); a request
 * carrying one is refused, never served as if the parameters inside it were absent.
 */
const checkNoRequestObject: Check = ({ params }) => {
  if (params.get('request') !== undefined)
    throw back('request_not_supported', 'the "request" parameter is not supported');
  if (params.get('request_uri') !== undefined)
    throw back('request_uri_not_supported', 'the "request_uri" parameter is not supported');
};

/** OAuth 2.1 §4.1.1: only the authorization code flow. */
const checkResponseType: Check = ({ params }) => {
  const responseType = params.get('response_type');
  if (!responseType) throw back('invalid_request', '"response_type" is required');
  if (responseType !== 'code')
    throw back('unsupported_response_type', 'only response_type=code is supported');
};

const checkClientMayUseCodeFlow: Check = ({ client }) => {
  if (!client!.grant_types.includes('authorization_code')) {
    throw back('unauthorized_client', 'this client is not allowed to use the authorization code flow');
  }
};

/**
 * OAuth 2.1 §4.1.2.1, §7.5.1; RFC 7636 §4.4.1: public clients must send an S256 challenge. The method
 * defaults to `plain` when absent, and plain is refused, so S256 is never assumed.
 */
const checkPkce: Check = ({ params, client, out }) => {
  const challenge = params.get('code_challenge');
  const method = params.get('code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined)
      throw back('invalid_request', '"code_challenge_method" was sent without "code_challenge"');
    // A CIMD client is held to PKCE whatever its authentication method (MCP authorization: clients
    // MUST use PKCE); a document offering `none` too may redeem the code without a key.
    if (client!.token_endpoint_auth_method === 'none' || client!.source === 'cimd') {
      throw back('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256');
    }
    return;
  }
  if (method !== 'S256') throw back('invalid_request', 'code_challenge_method must be S256');
  if (!isValidS256Challenge(challenge))
    throw back('invalid_request', '"code_challenge" is not a valid S256 challenge');
  out.code_challenge = challenge;
  out.code_challenge_method = 'S256';
};

/**
 * RFC 8707 §2: the resource must be one this server issues tokens for, through a user's delegation (so
 * never the admin API: audience.ts `mayIssueFor`); refused with a redirected invalid_target.
 */
const checkResource: Check = ({ ctx, params, client, out }) => {
  try {
    out.resource = resolveResource(
      ctx.resources.snapshot(),
      client!,
      params.all('resource'),
      true,
      'user',
    ).resource;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    // Named for the developer: what was asked and what this client may ask for (each resource is in
    // its own protected-resource metadata, RFC 9728, so nothing here is private).
    const asked = params.all('resource');
    const may = requestableResources(ctx.resources.snapshot(), client!).map((r) => r.resource);
    throw back(
      'invalid_target',
      `${error.description} (requested: ${asked.length ? asked.join(', ') : 'none'}; this client may request: ${may.length ? may.join(', ') : 'none'})`,
    );
  }
};

/** RFC 6749 §3.3: unknown scopes are refused; scopes the client may not have are dropped; none means the defaults. */
const checkScope: Check = ({ ctx, params, client, out }) => {
  const resource = findResource(ctx, out.resource!)!;
  try {
    out.scope = resolveScopes(resource, client!, params.get('scope'), {
      redirectable: true,
      identityScopes: true,
    });
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    // Named for the developer: the scopes this resource offers, and the client's own limit if it has one.
    const limit = client!.scope === null ? '' : `; this client is registered with scope: ${client!.scope}`;
    throw back(
      'invalid_scope',
      `${error.description} (resource ${resource.resource} offers: ${requestableScopes(resource).join(' ')}${limit})`,
    );
  }
};

/** OIDC Core §3.1.2.1 prompt: none, login, consent; `none` cannot be combined. */
const checkPrompt: Check = ({ params, out }) => {
  const values = [...new Set((params.get('prompt') ?? '').split(' ').filter(Boolean))];
  for (const value of values) {
    if (value !== 'none' && value !== 'login' && value !== 'consent') {
      throw back('invalid_request', `prompt=${value} is not supported`);
    }
  }
  if (values.includes('none') && values.length > 1)
    throw back('invalid_request', 'prompt=none cannot be combined');
  out.prompt = values as AuthorizationRequest['prompt'];
};

/**
 * OIDC Core §3.1.2.1 max_age: seconds since the user last actively signed in; past it the user must
 * sign in again (authorize.ts turns it into the sign-in time the session must not predate).
 */
const checkMaxAge: Check = ({ params, out }) => {
  const maxAge = params.get('max_age');
  if (maxAge === undefined) return;
  if (!/^\d{1,10}$/.test(maxAge)) throw back('invalid_request', '"max_age" must be a number of seconds');
  out.max_age = Number(maxAge);
};

const checkNonce: Check = ({ params, out }) => {
  const nonce = params.get('nonce');
  if (nonce !== undefined) {
    out.nonce = nonce;
  }
};

/** RFC 9449 §10: `dpop_jkt` is a JWK SHA-256 thumbprint (RFC 7638): 43 base64url characters. */
const checkDpopJkt: Check = ({ params, out }) => {
  const jkt = params.get('dpop_jkt');
  if (jkt === undefined) return;
  if (!/^[A-Za-z0-9_-]{43}$/.test(jkt)) {
    throw back('invalid_request', 'dpop_jkt must be a JWK SHA-256 thumbprint (RFC 9449 §10)');
  }
  out.dpop_jkt = jkt;
};

const CHECKS: Check[] = [
  checkClientIdentityNotRepeated,
  checkClient,
  checkRedirectUri,
  checkState,
  checkNoRepeatedParameters,
  checkNoRequestObject,
  checkResponseType,
  checkClientMayUseCodeFlow,
  checkPkce,
  checkResource,
  checkScope,
  checkPrompt,
  checkMaxAge,
  checkNonce,
  checkDpopJkt,
  checkOrganizationHint,
];

export interface ValidationFailure {
  error: OAuthError;
  /** Set once the redirect URI was verified: where a redirectable error may go, and for which client. */
  redirect?: Pick<AuthorizationRequest, 'client_id' | 'redirect_uri' | 'state'>;
}

export async function validateAuthorizationRequest(
  ctx: Context,
  params: Params,
  ip: string | null,
): Promise<
  { ok: true; request: AuthorizationRequest; client: ClientRecord } | ({ ok: false } & ValidationFailure)
> {
  const draft: Draft = { ctx, ip, params, out: {} };
  for (const check of CHECKS) {
    try {
      await check(draft);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.redirectable && draft.out.redirect_uri !== undefined) {
        return {
          ok: false,
          error,
          redirect: {
            client_id: draft.out.client_id!,
            redirect_uri: draft.out.redirect_uri,
            state: draft.out.state,
          },
        };
      }
      return { ok: false, error };
    }
  }
  return { ok: true, request: draft.out as AuthorizationRequest, client: draft.client! };
}
