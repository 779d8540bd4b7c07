import type { Context, RequestInfo } from '../context.js';
import type { StoredLogo } from '../lanes/cimd/logo.js';

/**
 * GET /client-logo?client_id=…: a CIMD client's logo, served from Gatehouse's origin with the type
 * recognised from its bytes, no script context and no sniffing.
 */
export async function handleClientLogo(ctx: Context, req: RequestInfo): Promise<Response> {
  const clientId = req.url.searchParams.get('client_id');
  const client = clientId ? await ctx.store.getClient(clientId) : undefined;
  const logo = client?.source === 'cimd' ? (client.metadata.logo as StoredLogo | undefined) : undefined;
  if (!logo) return new Response(null, { status: 404, headers: { 'cache-control': 'no-store' } });
  return new Response(Buffer.from(logo.data, 'base64'), {
    headers: {
      'content-type': logo.contentType,
      'content-security-policy': "default-src 'none'; sandbox",
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, max-age=300',
      'cross-origin-resource-policy': 'same-origin',
    },
  });
}
