import type { ClientPresentation } from '../interaction/client-presentation.js';
import { errorList, type FormModel, hidden, html, invalidWhen, layout } from './layout.js';
import { clientSummary } from './login.js';

export interface SignupModel extends FormModel {
  /** The client of the authorization request, presented as on the sign-in page. */
  client?: ClientPresentation;
  loginHref: string;
}

/** Sign-up form. Contract (DESIGN §5): fields Email and Password, submit button "Create account". */
export function renderSignup(m: SignupModel): string {
  return layout(
    {
      title: 'Create account',
      basePath: m.basePath,
      frame: m.frame,
      page: 'signup',
      values: { error: m.error, client_name: m.client?.clientName },
    },
    html`<h1 id="page-title">Create account</h1>
${clientSummary(m.client)}
${errorList(m.error)}
<form method="post" action="${m.action}" novalidate>
${hidden({ csrf: m.csrf, interaction: m.interaction })}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${m.email ?? ''}"${invalidWhen(m.error)} autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="8" required${invalidWhen(m.error, 'password-hint')}>
<p id="password-hint" class="muted">At least 8 characters.</p>
<div class="actions stack"><button type="submit" class="primary">Create account</button></div>
</form>
<p class="muted">Already have an account? <a href="${m.loginHref}">Sign in</a></p>`,
  );
}
