import type { ClientPresentation } from '../interaction/client-presentation.js';
import type { ConnectionButton } from '../interaction/connection-buttons.js';
import { errorList, type FormModel, hidden, html, invalidWhen, layout } from './layout.js';

export interface LoginModel extends FormModel {
  /** A dashboard path to continue to after signing in (no authorization request). */
  returnTo?: string;
  /** The client of the authorization request being signed in for (src/interaction/client-presentation.ts). */
  client?: ClientPresentation;
  signupHref?: string;
  /** Contract (DESIGN §4): one "Continue with {name}" per enabled upstream connection. */
  connections?: ConnectionButton[];
  /** Contract (DESIGN §5): the sign-in page always links "Forgot password?". */
  forgotHref: string;
  /** Home-realm discovery (interaction/home-realm.ts): a second submit button "Continue with SSO". */
  sso?: boolean;
}

/**
 * Who the person is signing in for. A DCR or CIMD client names itself, so its lane badge, the host of
 * its client_id (CIMD) and the host it returns to are shown here already, not only on the consent page
 * (RFC 9700 §4.15; RFC 7591 §5): the sign-in page is where a phishing client wants to look trusted.
 */
export function clientSummary(c: ClientPresentation | undefined) {
  if (!c) return '';
  const selfDescribed = c.lane !== 'preregistered';
  return html`<p>to continue to <strong id="client-name">${c.clientName}</strong>${c.clientBadge ? html` <span class="badge" id="client-badge">${c.clientBadge}</span>` : ''}</p>
${
  selfDescribed
    ? html`<dl>
${c.clientHost ? html`<dt>Application site</dt><dd><strong id="client-host">${c.clientHost}</strong></dd>` : ''}
<dt>Sends you back to</dt><dd><strong id="redirect-host">${c.redirectHost}</strong></dd>
</dl>
${c.warnings.map((w) => html`<p class="warning" role="note">${w}</p>`)}`
    : ''
}`;
}

/** Sign-in form. Contract (DESIGN §5): fields labelled Email and Password, submit button "Sign in". */
export function renderLogin(m: LoginModel): string {
  return layout(
    {
      title: 'Sign in',
      basePath: m.basePath,
      frame: m.frame,
      page: 'login',
      values: { error: m.error, client_name: m.client?.clientName },
    },
    html`<h1 id="page-title">Sign in</h1>
${clientSummary(m.client)}
${errorList(m.error)}
${
  m.connections?.length
    ? html`<div class="actions stack connections">${m.connections.map((c) => html`<a class="button" href="${c.href}">Continue with ${c.name}</a>`)}</div>
<p class="muted">or sign in with your e-mail and password</p>`
    : ''
}
<form method="post" action="${m.action}" novalidate>
${hidden({ csrf: m.csrf, interaction: m.interaction, return_to: m.returnTo })}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${m.email ?? ''}"${invalidWhen(m.error)}${m.error ? '' : html` autofocus`}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalidWhen(m.error)}${m.error ? html` autofocus` : ''}>
<div class="actions stack"><button type="submit" class="primary">Sign in</button>${m.sso ? html`<button type="submit" name="sso" value="1">Continue with SSO</button>` : ''}</div>
</form>
<p class="muted"><a href="${m.forgotHref}">Forgot password?</a></p>
${m.signupHref ? html`<p class="muted">No account? <a href="${m.signupHref}">Create one</a></p>` : ''}`,
  );
}
