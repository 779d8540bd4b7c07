import type { AccountView } from '../operations/account.js';
import { errorList, hidden, html, layout, type PageModel } from './layout.js';

/**
 * The signed-in user's account page (`{issuer}/account`): the address and whether it is verified, the
 * applications they granted access to (each with a Revoke button), and the upstream identities that
 * sign them in (each with a Remove button). Every form carries the session's CSRF token.
 */
export interface AccountPageModel extends PageModel {
  action: string;
  csrf: string;
  account: AccountView;
  /** What the last action did, shown once as a status message. */
  notice?: string;
  error?: string;
  signOutHref: string;
}

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function verification(m: AccountPageModel) {
  const a = m.account;
  if (a.emailVerified)
    return html`<p>Email: <strong>${a.email}</strong> <span class="badge">Verified</span></p>`;
  return html`<p>Email: <strong>${a.email}</strong> <span class="badge">Not verified</span></p>
${
  a.canVerify
    ? html`<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, action: 'send-verification' })}
<div class="actions"><button type="submit">Send verification email</button></div>
</form>`
    : ''
}`;
}

function grants(m: AccountPageModel) {
  if (m.account.grants.length === 0)
    return html`<p class="muted">You have not given any application access.</p>`;
  return m.account.grants.map(
    (g) => html`<section aria-label="${g.clientName}">
<h3>${g.clientName}</h3>
<dl><dt>Access</dt><dd>${g.scopes.length ? g.scopes.join(', ') : 'sign-in only'}</dd>
<dt>To</dt><dd>${g.resourceName}</dd><dt>Since</dt><dd>${when(g.createdAt)}</dd></dl>
<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, action: 'revoke-grant', grant: g.id })}
<button type="submit">Revoke</button>
</form>
</section>`,
  );
}

function identities(m: AccountPageModel) {
  if (m.account.identities.length === 0) return html`<p class="muted">No other accounts are linked.</p>`;
  return m.account.identities.map(
    (i) => html`<section aria-label="${i.connectionName}">
<h3>${i.connectionName}</h3>
<dl><dt>Account</dt><dd>${i.email ?? i.subject}</dd><dt>Linked</dt><dd>${when(i.createdAt)}</dd></dl>
<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, action: 'unlink', issuer: i.issuer, subject: i.subject })}
<button type="submit">Remove</button>
</form>
</section>`,
  );
}

export function renderAccount(m: AccountPageModel): string {
  return layout(
    { title: 'Your account', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Your account</h1>
${m.notice ? html`<p role="status" class="warning">${m.notice}</p>` : ''}
${errorList(m.error)}
${verification(m)}
<h2>Applications</h2>
${grants(m)}
<h2>Linked accounts</h2>
${identities(m)}
<p class="muted"><a href="${m.signOutHref}">Sign out</a></p>`,
  );
}
