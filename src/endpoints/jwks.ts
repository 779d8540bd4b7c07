import type { Handler } from '../context.js';

/**
 * The public signing keys (RFC 7517 §5; RFC 8414 `jwks_uri`): the active key and the keys published
 * before they sign or kept while their tokens live (tokens/keys.ts). Cacheable for `jwksMaxAge` seconds
 * (default 300): the same setting from which operations/keys.ts derives how long a key is published
 * before it signs, so no cache can hold a key set that lacks the signing key (RFC 9111 §5.2.2.1).
 */
export const handleJwks: Handler = async (ctx, req) =>
  new Response(ctx.keys.jwks(), {
    headers: {
      'content-type': 'application/jwk-set+json',
      'cache-control': `public, max-age=${ctx.config.jwksMaxAge}`,
      ...req.cors,
    },
  });
