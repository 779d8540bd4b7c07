import type { RequestInfo } from '../../context.js';
import { jsonNoStore } from '../../http/respond.js';
import { getBranding, resetBranding, saveBranding } from '../../operations/branding.js';
import { jsonBody, type Register } from './http.js';

/** A body with a 32 KiB stylesheet and a 64 KiB data: logo, with room for JSON escaping. */
const MAX_BRANDING_BODY = 256 * 1024;

function brandingBody(req: RequestInfo): Promise<Record<string, unknown>> {
  return jsonBody(req, { maxBytes: MAX_BRANDING_BODY, required: true });
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
