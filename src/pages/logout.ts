import { hidden, html, layout, type PageModel } from './layout.js';

export interface LogoutModel extends PageModel {
  action: string;
  csrf: string;
  fields: Record<string, string | undefined>;
  email: string;
}

/** RP-initiated logout asks before ending the session, so a cross-site link cannot sign the user out. */
export function renderLogoutConfirm(m: LogoutModel): string {
  return layout(
    { title: 'Sign out', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Sign out?</h1>
<p>You are signed in as <strong>${m.email}</strong>.</p>
<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, ...m.fields })}
<div class="actions"><button type="submit" class="primary">Sign out</button></div>
</form>`,
  );
}
