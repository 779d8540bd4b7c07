import { html } from '../layout.js';
import { adminPage, type FrameModel, formFields } from './layout.js';

/**
 * The confirmation step of a destructive action: the same form again with `confirmed=yes`, a button
 * that names the action, and a way back. Works without scripts, and states what will happen.
 */
export interface ConfirmModel {
  frame: FrameModel;
  heading: string;
  /** What the action applies to (a client or user), shown first. */
  subject?: string;
  consequences: string[];
  action: string;
  fields: Record<string, string | undefined>;
  button: string;
  cancelHref: string;
  /** Ask for a reason (disabling a client). */
  reason?: { label: string; value?: string };
}

export function renderConfirm(m: ConfirmModel): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">${m.heading}</h1>
<div class="card narrow">
${m.subject ? html`<p><strong>${m.subject}</strong></p>` : ''}
<ul>${m.consequences.map((c) => html`<li>${c}</li>`)}</ul>
<form method="post" action="${m.action}">
${formFields({ ...m.fields, confirmed: 'yes' })}
${
  m.reason
    ? html`<div class="field"><label for="reason">${m.reason.label}</label>
<input id="reason" name="reason" type="text" required maxlength="500" value="${m.reason.value ?? ''}" autofocus></div>`
    : ''
}
<div class="actions"><button type="submit" class="danger primary">${m.button}</button>
<a href="${m.cancelHref}">Cancel</a></div>
</form>
</div>`,
  );
}

/** A result page (a secret shown once, or an error) inside the dashboard frame. */
export function renderResult(m: {
  frame: FrameModel;
  heading: string;
  message: string;
  secret?: { label: string; value: string; clientId: string };
  backHref: string;
  backLabel: string;
}): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">${m.heading}</h1>
<div class="card">
<p>${m.message}</p>
${
  m.secret
    ? html`<dl><dt>client_id</dt><dd><code>${m.secret.clientId}</code></dd></dl>
<div class="field"><label for="client-secret">${m.secret.label}</label>
<input id="client-secret" class="secret" type="text" readonly value="${m.secret.value}" aria-describedby="secret-hint" autocomplete="off" spellcheck="false">
<span id="secret-hint" class="warning">Copy it now: it is shown only once and stored only as a hash.</span></div>`
    : ''
}
<p><a href="${m.backHref}">${m.backLabel}</a></p>
</div>`,
  );
}
