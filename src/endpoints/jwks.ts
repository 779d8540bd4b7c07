import type { Handler } from '../context.js';

/**
 * The public signing keys (RFC 7517 §5; RFC 8414 `jwks_uri`): the active key and the keys published
 * before they sign or kept while their tokens live (tokens/keys.ts). Cacheable for five minutes.
 */
export const handleJwks: Handler = async (ctx, req) =>
  new Response(ctx.keys.jwks(), {
    headers: {
      'content-type': 'application/jwk-set+json',
      'cache-control': 'public, max-age=300',
      ...req.cors,
    },
  });
