/**
 * `gatehouse/resource`: the protected-resource side of MCP authorization. RFC 9728 metadata, RFC 9068
 * access-token verification (or RFC 7662 introspection), scope checks with a hierarchy, and RFC 6750
 * challenges, as a framework-neutral core with thin helpers for fetch handlers, Express, Hono and the
 * MCP TypeScript SDK. Express and Hono helpers live in `gatehouse/resource/express` and
 * `gatehouse/resource/hono` so that neither framework is loaded unless used.
 */
export type { AccessToken, TokenVerifier } from './access-token.js';
export { type BearerRequest, extractBearerToken } from './bearer.js';
export { buildChallenge, type Challenge, challengeResponse } from './challenge.js';
export {
  ALLOW_HEADERS,
  allowedRequestHeaders,
  corsHeaders,
  EXPOSE_HEADERS,
  MCP_REQUEST_HEADERS,
  preflightHeaders,
  preflightResponse,
} from './cors.js';
export { authorizationServerMetadataUrl } from './discovery.js';
export {
  accessTokenHash,
  DPOP_ALGORITHMS,
  DpopProofError,
  htuMatches,
  normaliseHtu,
  verifyDpopProof,
} from './dpop.js';
export { BearerError, type BearerErrorCode, isBearerError, ResourceConfigError } from './errors.js';
export { type ScopeRequirement, withBearerAuth, withCors } from './fetch.js';
export {
  type McpAuthInfo,
  type McpScopePolicy,
  mcpRequiredScopes,
  protectMcpEndpoint,
  toAuthInfo,
} from './mcp.js';
export {
  buildMetadata,
  metadataPath,
  metadataUrl,
  type ProtectedResourceMetadata,
  WELL_KNOWN,
} from './metadata.js';
export type {
  DpopNonceOptions,
  IntrospectionOptions,
  ProtectedResourceOptions,
  ResolvedResourceOptions,
} from './options.js';
export {
  type AuthenticationResult,
  createProtectedResource,
  type ProtectedResource,
} from './protected-resource.js';
export { expandScopes, missingScopes, splitScope } from './scopes.js';
export {
  createTokenExchanger,
  type ExchangedToken,
  type ExchangeTarget,
  TokenExchangeError,
  type TokenExchanger,
  type TokenExchangerOptions,
} from './token-exchange.js';
