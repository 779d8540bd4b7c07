import type { Context } from '../context.js';
import type { OAuthError } from '../errors.js';
import { html } from '../http/respond.js';
import { renderError } from '../pages/error.js';

const TITLES: Partial<Record<OAuthError['error'], string>> = {
  forbidden: 'Request refused',
  unauthorized_client: 'Application not allowed',
  rate_limited: 'Too many attempts',
  not_found: 'Page not found',
};

/** An error shown as a page (with the error's status), never redirected. */
export function errorPage(ctx: Context, error: OAuthError): Response {
  return html(
    renderError({
      basePath: ctx.config.issuerPath,
      title: TITLES[error.error] ?? 'Something is wrong with this request',
      message: error.description,
      code: error.error,
      explanation: error.explanation,
    }),
    { status: error.status === 401 ? 400 : error.status, headers: error.headers },
  );
}
