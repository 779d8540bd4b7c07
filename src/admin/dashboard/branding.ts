import type { Context, RequestInfo } from '../../context.js';
import { OAuthError } from '../../errors.js';
import type { Params } from '../../http/params.js';
import { html } from '../../http/respond.js';
import { getBranding, resetBranding, saveBranding } from '../../operations/branding.js';
import { renderBranding } from '../../pages/admin/branding.js';
import { type AdminView, actionError, afterAction } from './kit.js';

/** The "Branding" page and its actions (save, reset); the operation validates with the one schema. */
export async function showBranding(ctx: Context, _req: RequestInfo, view: AdminView): Promise<Response> {
  return html(
    renderBranding({
      frame: view.frame('branding', 'Branding'),
      admin: view.admin,
      csrf: view.csrf,
      view: await getBranding(ctx),
    }),
  );
}

/** The form as the branding fields: an empty field is unset. */
function fieldsFrom(params: Params): Record<string, unknown> {
  const field = (name: string) => {
    const value = params.get(name)?.trim();
    return value ? value : undefined;
  };
  const colors = { primary: field('primary'), background: field('background'), text: field('text') };
  const fields: Record<string, unknown> = {
    name: field('name'),
    logo: field('logo'),
    colors: Object.values(colors).some((c) => c !== undefined) ? colors : undefined,
    // Kept as typed (a stylesheet may start with a comment or end with a newline), unless blank.
    stylesheet: params.get('stylesheet')?.trim() ? params.get('stylesheet') : undefined,
  };
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return fields;
}

export async function handleBrandingAction(
  ctx: Context,
  _req: RequestInfo,
  view: AdminView,
  params: Params,
): Promise<Response> {
  const back = `${view.admin}/branding`;
  try {
    const op = params.get('op');
    if (op === 'save') {
      await saveBranding(ctx, fieldsFrom(params), view.actor);
      return afterAction(back, 'branding-save');
    }
    if (op === 'reset') {
      await resetBranding(ctx, view.actor);
      return afterAction(back, 'branding-reset');
    }
    throw new OAuthError('invalid_request', 'unknown action');
  } catch (error) {
    return actionError(view, 'branding', error, back);
  }
}
