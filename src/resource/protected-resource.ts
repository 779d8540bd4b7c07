import type { AccessToken, TokenVerifier } from './access-token.js';
import { type BearerRequest, extractBearerToken } from './bearer.js';
import { buildChallenge, type Challenge } from './challenge.js';
import { createDiscovery } from './discovery.js';
import { boundKey, createDpopChecker, extractDpopToken, isDpopScheme } from './dpop-check.js';
import { createDpopNonces } from './dpop-nonce.js';
import { BearerError } from './errors.js';
import { createIntrospectionVerifier } from './introspection.js';
import {
  buildMetadata,
  createMetadataResponder,
  metadataUrl,
  type ProtectedResourceMetadata,
} from './metadata.js';
import {
  type ProtectedResourceOptions,
  type ResolvedResourceOptions,
  resolveResourceOptions,
} from './options.js';
import { missingScopes } from './scopes.js';
import { createJwtVerifier, createKeySet } from './verify.js';

/**
 * The framework-neutral core of `gatehouse/resource`: metadata, token verification, scope checks
 * and challenges for one protected resource. The helpers (fetch, Express, Hono, MCP SDK) are a few
 * lines each over `authenticate` and `handleMetadata`.
 */

export type AuthenticationResult =
  | {
      ok: true;
      token: AccessToken;
      /** Headers for the response: a fresh `DPoP-Nonce` when this resource requires nonces (RFC 9449 §9). */
      headers?: Record<string, string>;
    }
  | { ok: false; error: BearerError; challenge: Challenge };

export interface ProtectedResource {
  readonly options: ResolvedResourceOptions;
  /** The RFC 9728 document for this resource. */
  readonly metadata: ProtectedResourceMetadata;
  /** Where the metadata lives: the `resource_metadata` of every challenge. */
  readonly metadataUrl: string;
  /** Answers the RFC 9728 well-known routes (GET, HEAD, OPTIONS); `undefined` for any other path. */
  handleMetadata(request: Request): Response | undefined;
  /** The same, from a method and a path (for adapters that have no Request). */
  metadataResponse(method: string, pathname: string): Response | undefined;
  /**
   * Reads the bearer token from the request, verifies it, and checks that it carries `scopes`
   * (taking the scope hierarchy into account). Never throws for a client's mistake: the result holds
   * the challenge to send. Throws only when the issuer cannot be reached.
   */
  authenticate(request: BearerRequest, scopes?: readonly string[]): Promise<AuthenticationResult>;
  /** Verifies a raw token (no scope check); throws BearerError. */
  verifyToken(token: string): Promise<AccessToken>;
  /** The insufficient_scope error for `token` on an operation needing `scopes`, or undefined if it may. */
  checkScopes(token: AccessToken, scopes: readonly string[]): BearerError | undefined;
  /** The challenge for `error` on an operation needing `scopes`. */
  challenge(error: BearerError, scopes?: readonly string[]): Challenge;
}

export function createProtectedResource(options: ProtectedResourceOptions): ProtectedResource {
  const config = resolveResourceOptions(options);
  const discover = createDiscovery(config);
  const verify: TokenVerifier = config.introspection
    ? createIntrospectionVerifier(config, discover)
    : createJwtVerifier(config, createKeySet(config, discover));
  const metadataResponse = createMetadataResponder(config);
  const nonceConfig = config.dpop.nonce;
  const nonces =
    nonceConfig && createDpopNonces(nonceConfig.secret, config.resource, nonceConfig.lifetime, config.clock);
  const checkDpop = createDpopChecker(config, nonces ?? undefined);
  /** RFC 9449 §9: a DPoP request is answered with the nonce to use next, when nonces are required. */
  const nonceHeaders = async (request: BearerRequest): Promise<Record<string, string>> =>
    nonces && isDpopScheme(request.authorization) ? { 'dpop-nonce': await nonces.current() } : {};

  /** RFC 6750 Bearer, or RFC 9449 §7 DPoP (the token, then its proof); a bound token never as Bearer. */
  const verifyRequest = async (request: BearerRequest): Promise<AccessToken> => {
    if (isDpopScheme(request.authorization)) {
      const raw = extractDpopToken(request);
      const token = await verify(raw);
      await checkDpop(request, raw, token);
      return token;
    }
    const token = await verify(extractBearerToken(request));
    // RFC 9449 §7.2: a DPoP-bound token presented as a bearer token is refused.
    if (boundKey(token) !== undefined) {
      throw new BearerError('invalid_token', 'This access token is DPoP-bound: send it with DPoP.', {
        detail: 'DPoP-bound token presented as Bearer',
        dpop: true,
      });
    }
    return token;
  };

  const checkScopes = (token: AccessToken, scopes: readonly string[]): BearerError | undefined => {
    if (missingScopes(token.scopes, scopes, config.scopeHierarchy).length === 0) return undefined;
    // MCP "Scope Challenge Handling": name every scope the operation needs, not only the missing ones.
    return new BearerError(
      'insufficient_scope',
      'The access token does not carry the scope this operation needs.',
      {
        scopes: [...new Set(scopes)],
        detail: `granted: ${token.scopes.join(' ') || '(none)'}; required: ${scopes.join(' ')}`,
      },
    );
  };

  return {
    options: config,
    metadata: buildMetadata(config),
    metadataUrl: metadataUrl(config.resource),
    metadataResponse,
    handleMetadata: (request) => metadataResponse(request.method, new URL(request.url).pathname),
    verifyToken: verify,
    checkScopes,
    challenge: (error, scopes = []) => buildChallenge(config, error, scopes),
    async authenticate(request, scopes = []) {
      try {
        const token = await verifyRequest(request);
        const denied = checkScopes(token, scopes);
        if (denied) throw denied;
        return { ok: true, token, headers: await nonceHeaders(request) };
      } catch (error) {
        if (!(error instanceof BearerError)) throw error;
        const headers: Record<string, string> =
          nonces && error.dpop ? { 'dpop-nonce': await nonces.current() } : {};
        return { ok: false, error, challenge: buildChallenge(config, error, scopes, headers) };
      }
    },
  };
}
