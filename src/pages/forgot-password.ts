import { errorList, type FormModel, hidden, html, invalidWhen, layout, type PageModel } from './layout.js';

export interface ForgotPasswordModel extends FormModel {
  /** False when no mailer is configured: the page says so instead of showing the form. */
  available: boolean;
  loginHref: string;
}

/** Contract (DESIGN §5): a field labelled Email and a button "Send reset link". */
export function renderForgotPassword(m: ForgotPasswordModel): string {
  return layout(
    { title: 'Forgot password', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Forgot password</h1>
${
  m.available
    ? html`<p>Enter the email address of your account and we will send you a link to choose a new password.</p>
${errorList(m.error)}
<form method="post" action="${m.action}" novalidate>
${hidden({ csrf: m.csrf, interaction: m.interaction })}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${m.email ?? ''}"${invalidWhen(m.error)} autofocus>
<div class="actions stack"><button type="submit" class="primary">Send reset link</button></div>
</form>`
    : html`<p role="note">Password reset by email is not available on this server. Ask an administrator to reset your password.</p>`
}
<p class="muted"><a href="${m.loginHref}">Back to sign in</a></p>`,
  );
}

/** The same answer for every address, known or not (OWASP Forgot Password Cheat Sheet). */
export function renderForgotPasswordSent(m: PageModel & { loginHref: string }): string {
  return layout(
    { title: 'Check your email', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Check your email</h1>
<p role="status">If an account exists for that address, we sent a link to choose a new password. The link works once and expires soon.</p>
<p class="muted"><a href="${m.loginHref}">Back to sign in</a></p>`,
  );
}
