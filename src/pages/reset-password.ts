import { errorList, hidden, html, invalidWhen, layout, type PageModel } from './layout.js';

export interface ResetPasswordModel extends PageModel {
  action: string;
  csrf: string;
  token: string;
  email: string;
  error?: string;
}

/** The page a password-reset link opens: one new password, then sign in again. */
export function renderResetPassword(m: ResetPasswordModel): string {
  return layout(
    { title: 'Choose a new password', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Choose a new password</h1>
<p>for <strong>${m.email}</strong></p>
${errorList(m.error)}
<form method="post" action="${m.action}" novalidate>
${hidden({ csrf: m.csrf, token: m.token })}
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8"${invalidWhen(m.error, 'password-hint')} autofocus>
<p id="password-hint" class="muted">At least 8 characters. You will be signed out everywhere.</p>
<div class="actions stack"><button type="submit" class="primary">Set password</button></div>
</form>`,
  );
}
