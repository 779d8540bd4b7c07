import { errorList, hidden, html, invalidWhen, layout } from './layout.js';

export interface LoginModel {
  basePath: string;
  action: string;
  csrf: string;
  interaction?: string;
  /** A dashboard path to continue to after signing in (no authorization request). */
  returnTo?: string;
  email?: string;
  error?: string;
  clientName?: string;
  signupHref?: string;
}

/** Sign-in form. Contract (DESIGN §5): fields labelled Email and Password, submit button "Sign in". */
export function renderLogin(m: LoginModel): string {
  return layout(
    { title: 'Sign in', basePath: m.basePath },
    html`<h1 id="page-title">Sign in</h1>
${m.clientName ? html`<p>to continue to <strong>${m.clientName}</strong></p>` : ''}
${errorList(m.error)}
<form method="post" action="${m.action}" novalidate>
${hidden({ csrf: m.csrf, interaction: m.interaction, return_to: m.returnTo })}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${m.email ?? ''}"${invalidWhen(m.error)}${m.error ? '' : html` autofocus`}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalidWhen(m.error)}${m.error ? html` autofocus` : ''}>
<div class="actions stack"><button type="submit" class="primary">Sign in</button></div>
</form>
${m.signupHref ? html`<p class="muted">No account? <a href="${m.signupHref}">Create one</a></p>` : ''}`,
  );
}
