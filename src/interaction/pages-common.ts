import { brandedFrame } from '../branding/page.js';
import type { Context, RequestInfo } from '../context.js';
import type { OAuthError } from '../errors.js';
import { interactionFormTargets } from '../grants/authorization-request.js';
import { html } from '../http/respond.js';
import type { PageFrame } from '../pages/branding.js';
import { renderError } from '../pages/error.js';
import type { FormModel } from '../pages/layout.js';
import { preSessionCsrf } from './browser-session.js';

const TITLES: Partial<Record<OAuthError['error'], string>> = {
  forbidden: 'Request refused',
  unauthorized_client: 'Application not allowed',
  rate_limited: 'Too many attempts',
  not_found: 'Page not found',
};

/**
 * The frame of a hosted page rendered now: the branding snapshot in force at this moment, taken once per
 * page so a branding change never mixes two brandings in one document.
 */
export function pageFrame(ctx: Context): PageFrame {
  return brandedFrame(ctx.branding.snapshot());
}

/**
 * The fixed sentence a `?done=…` code selects after a POST/redirect/GET: own keys of `notices` only, so a
 * code naming an inherited property (`constructor`, `toString`, `__proto__`) selects nothing.
 */
export function noticeFor(
  notices: Readonly<Record<string, string>>,
  code: string | null,
): string | undefined {
  return code && Object.hasOwn(notices, code) ? notices[code] : undefined;
}

/** An error shown as a page (with the error's status), never redirected. */
export function errorPage(ctx: Context, error: OAuthError): Response {
  return html(
    renderError({
      basePath: ctx.config.issuerPath,
      frame: pageFrame(ctx),
      title: TITLES[error.error] ?? 'Something is wrong with this request',
      message: error.description,
      code: error.error,
      explanation: error.explanation,
    }),
    { status: error.status === 401 ? 400 : error.status, headers: error.headers },
  );
}

export interface FormPageModel {
  interaction?: string;
  /** Sign-in only: a dashboard path to continue to (see safeReturnTo). */
  returnTo?: string;
  email?: string;
  error?: string;
  status?: number;
  headers?: Record<string, string>;
}

/**
 * Renders a pre-session form page (sign-in, sign-up, forgot and reset password): a CSRF token bound to a fresh cookie, and a
 * CSP that lets the form's redirects reach the verified client redirect URI.
 */
export function formPage(
  ctx: Context,
  req: RequestInfo,
  m: FormPageModel,
  render: (common: Omit<FormModel, 'action'>, query: string) => string,
): Response {
  const csrf = preSessionCsrf(ctx, req);
  const query = m.interaction ? `?interaction=${encodeURIComponent(m.interaction)}` : '';
  const common = {
    basePath: ctx.config.issuerPath,
    frame: pageFrame(ctx),
    csrf: csrf.token,
    interaction: m.interaction,
    email: m.email,
    error: m.error,
  };
  const response = html(render(common, query), {
    status: m.status ?? 200,
    headers: m.headers,
    formTargets: interactionFormTargets(ctx, m.interaction),
  });
  if (csrf.setCookie) response.headers.append('set-cookie', csrf.setCookie);
  return response;
}
