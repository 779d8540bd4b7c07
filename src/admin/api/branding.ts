import type { RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import { assertJsonFieldLengths } from '../../http/limits.js';
import { readBody } from '../../http/params.js';
import { jsonNoStore } from '../../http/respond.js';
import { getBranding, resetBranding, saveBranding } from '../../operations/branding.js';
import type { Register } from './http.js';

/** A body with a 32 KiB stylesheet and a 64 KiB data: logo, with room for JSON escaping. */
const MAX_BRANDING_BODY = 256 * 1024;

async function brandingBody(req: RequestInfo): Promise<Record<string, unknown>> {
  const text = await readBody(req.request, MAX_BRANDING_BODY);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {}
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new OAuthError('invalid_request', 'the body must be a JSON object');
  assertJsonFieldLengths(value);
  return value as Record<string, unknown>;
}

/**
 * `GET /admin/api/branding`, `PUT /admin/api/branding` (the whole set of editable fields: name, logo,
 * colors, stylesheet) and `DELETE /admin/api/branding` (back to the configuration's). @see docs/admin-api.md
 */
export function registerBrandingRoutes(route: Register): void {
  route('GET', 'branding', async (ctx) => jsonNoStore(await getBranding(ctx)));
  route('PUT', 'branding', async (ctx, req, actor) =>
    jsonNoStore(await saveBranding(ctx, await brandingBody(req), actor.id)),
  );
  route('DELETE', 'branding', async (ctx, _req, actor) => jsonNoStore(await resetBranding(ctx, actor.id)));
}
