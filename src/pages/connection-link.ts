import { errorList, type FormModel, hidden, html, invalidWhen, layout } from './layout.js';

export interface ConnectionLinkModel extends FormModel {
  /** The connection's display name. */
  connectionName: string;
  /** The existing account's e-mail (the one the provider asserted). */
  accountEmail: string;
  /** The sealed pending link (connections/link.ts). */
  pending: string;
}

/**
 * Shown when a provider asserts an e-mail that an existing account has, without an assertion the
 * connection trusts (docs/sign-in.md, "Linking"): nothing is linked until the account's owner signs
 * in with their password here, which links the provider to the account explicitly.
 */
export function renderConnectionLink(m: ConnectionLinkModel): string {
  return layout(
    { title: 'Link your account', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">An account with this e-mail already exists</h1>
<p id="link-explanation">An account for <strong id="account-email">${m.accountEmail}</strong> already exists here. ${m.connectionName} did not confirm that this address is verified, so it was not linked automatically. Sign in with your password first to link ${m.connectionName} to it.</p>
${errorList(m.error)}
<form method="post" action="${m.action}" novalidate>
${hidden({ csrf: m.csrf, interaction: m.interaction, pending: m.pending })}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalidWhen(m.error)} autofocus>
<div class="actions stack"><button type="submit" class="primary">Sign in and link ${m.connectionName}</button></div>
</form>`,
  );
}
