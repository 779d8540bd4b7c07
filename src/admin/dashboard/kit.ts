import { OAuthError } from '../../errors.js';
import { html, redirect } from '../../http/respond.js';
import { renderResult } from '../../pages/admin/confirm.js';
import type { FrameModel, Section } from '../../pages/admin/layout.js';

/** What the dashboard's page and action handlers know about the signed-in administrator. */
export interface AdminView {
  actor: string;
  csrf: string;
  /** `{issuerPath}/admin` */
  admin: string;
  frame(section: Section, title: string, extra?: Partial<FrameModel>): FrameModel;
}

/** Where to go back after an action: a dashboard path only (never another origin). */
export function returnPath(view: AdminView, value: string | undefined, fallback: string): string {
  const inside =
    value === view.admin || value?.startsWith(`${view.admin}/`) || value?.startsWith(`${view.admin}?`);
  if (value && inside && !/[\\\s]|\/\/|\/\.\.?(\/|$)/.test(value)) return value;
  return fallback;
}

export function afterAction(path: string, done: string): Response {
  const url = new URL(path, 'http://x');
  url.searchParams.set('done', done);
  return redirect(`${url.pathname}${url.search}`, 303);
}

/** An operation refused (bad input, missing client): shown in the dashboard frame with a way back. */
export function actionError(view: AdminView, section: Section, error: unknown, back: string): Response {
  if (!(error instanceof OAuthError) || error.status >= 500) throw error;
  return html(renderActionError(view.frame(section, 'Not done', { error: error.description }), back), {
    status: error.status === 401 ? 400 : error.status,
  });
}

function renderActionError(frame: FrameModel, back: string): string {
  return renderResult({
    frame,
    heading: 'Not done',
    message: 'Nothing was changed.',
    backHref: back,
    backLabel: 'Go back',
  });
}
