import type { Context, Handler } from '../context.js';
import { OAuthError } from '../errors.js';
import { readCappedBytes } from '../lanes/cimd/fetcher.js';
import { sniffImage } from '../lanes/cimd/logo.js';
import type { BrandingSnapshot } from './registry.js';
import { type LogoType, MAX_LOGO_BYTES } from './schema.js';

/**
 * GET /assets/gatehouse.css: the hosted pages' stylesheet with the branding applied. Pages link it as
 * `?v={hash}`; that exact version may be cached for good, anything else is revalidated soon.
 */
export const handleBrandStylesheet: Handler = async (ctx, req) => {
  const s = ctx.branding.snapshot();
  const v = req.url.searchParams.get('v');
  const cache =
    v === s.cssVersion
      ? 'public, max-age=31536000, immutable'
      : v === null
        ? 'public, max-age=60'
        : 'no-store';
  return new Response(s.css, {
    headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': cache },
  });
};

/**
 * The logo is served from Gatehouse's own origin, never referenced from elsewhere, so the pages' CSP
 * stays `img-src 'self' data:`, no third party learns who opens a sign-in page, and one page weight does
 * not depend on a data: URL. Served as a sandboxed document (an SVG opened directly runs no script).
 */
function logoResponse(type: string, bytes: Buffer, cache: string): Response {
  return new Response(new Uint8Array(bytes), {
    headers: {
      'content-type': type,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'x-content-type-options': 'nosniff',
      'cache-control': cache,
      'cross-origin-resource-policy': 'same-origin',
    },
  });
}

const REMOTE_TIMEOUT_MS = 5_000;
const REMOTE_KEEP_MS = 3_600_000;
const remote = new WeakMap<Context, { url: string; at: number; logo: Promise<Logo | undefined> }>();

type Logo = { type: LogoType | 'image/jpeg' | 'image/gif'; bytes: Buffer };

/** An https logo as fetched: at most MAX_LOGO_BYTES, type recognised from its bytes (SVG by its text). */
async function fetchRemoteLogo(url: string): Promise<Logo | undefined> {
  try {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS) });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    const declared = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const bytes = await readCappedBytes(response, MAX_LOGO_BYTES);
    const raster = sniffImage(bytes);
    if (raster) return { type: raster, bytes };
    const text = bytes.subarray(0, 256).toString('utf8').trimStart();
    if (declared === 'image/svg+xml' && /^(<\?xml|<svg)/.test(text)) return { type: 'image/svg+xml', bytes };
    return undefined;
  } catch {
    return undefined;
  }
}

/** The https logo of `s`, fetched once per URL and kept for an hour (a failure is retried after a minute). */
function remoteLogo(ctx: Context, url: string): Promise<Logo | undefined> {
  const now = performance.now();
  const held = remote.get(ctx);
  if (held && held.url === url && now - held.at < REMOTE_KEEP_MS) return held.logo;
  const logo = fetchRemoteLogo(url);
  remote.set(ctx, { url, at: now, logo });
  void logo.then((found) => {
    if (!found && remote.get(ctx)?.logo === logo)
      remote.set(ctx, { url, at: now - REMOTE_KEEP_MS + 60_000, logo });
  });
  return logo;
}

async function currentLogo(ctx: Context, s: BrandingSnapshot): Promise<Logo | undefined> {
  if (s.inlineLogo) return s.inlineLogo;
  return s.fields.logo?.startsWith('https:') ? remoteLogo(ctx, s.fields.logo) : undefined;
}

/** GET /assets/brand-logo: the configured logo, or 404 when there is none (or it cannot be fetched). */
export const handleBrandLogo: Handler = async (ctx, req) => {
  const s = ctx.branding.snapshot();
  const logo = await currentLogo(ctx, s);
  // A 404 page like any other missing page (an empty 404 without a type was the one exception).
  if (!logo) throw new OAuthError('not_found', 'This server has no logo.');
  const cache = req.url.searchParams.get('v') === s.logoVersion ? 'public, max-age=86400' : 'no-cache';
  return logoResponse(logo.type, logo.bytes, cache);
};
