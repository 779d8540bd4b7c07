import type { EnterpriseIdpView } from '../../operations/enterprise-idps.js';
import { type Html, html } from '../layout.js';
import { adminPage, type FrameModel, formFields, shortTime } from './layout.js';

/**
 * Enterprise IdPs (issue 17): the trusted issuers of ID-JAGs, the configuration's (read-only) and those
 * added here, with a form to add one and a Remove button on each stored one.
 */
export interface EnterpriseModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  idps: EnterpriseIdpView[];
}

const SUBJECT: Record<EnterpriseIdpView['subject'], string> = {
  sub: 'Linked identity (iss + sub)',
  email: 'Verified e-mail of an existing user',
};

function row(m: EnterpriseModel, idp: EnterpriseIdpView): Html {
  const keys = idp.jwks_uri ?? `${idp.jwks?.keys.length ?? 0} inline key(s)`;
  const action =
    idp.source === 'database'
      ? html`<form method="post" action="${m.admin}/enterprise/action">${formFields({ csrf: m.csrf, op: 'remove', issuer: idp.issuer })}<button type="submit" class="danger">Remove</button></form>`
      : html`<span class="muted">Configuration file</span>`;
  return html`<tr><td class="wrap">${idp.name}<br><code>${idp.issuer}</code></td><td class="wrap">${keys}</td>
<td>${SUBJECT[idp.subject]}${idp.signup ? html` <span class="badge">Just-in-time users</span>` : ''}</td>
<td class="time">${idp.createdAt === undefined ? '—' : shortTime(idp.createdAt)}</td><td>${action}</td></tr>`;
}

function addForm(m: EnterpriseModel): Html {
  return html`<details class="card"${m.idps.length ? '' : ' open'}><summary>Add an enterprise IdP</summary>
<form method="post" action="${m.admin}/enterprise/action">
${formFields({ csrf: m.csrf, op: 'add' })}
<div class="field"><label for="idp-issuer">Issuer</label><input id="idp-issuer" name="issuer" type="url" required autocomplete="off" placeholder="https://idp.example.com"></div>
<div class="field"><label for="idp-name">Name</label><input id="idp-name" name="name" maxlength="80" autocomplete="off"></div>
<div class="field"><label for="idp-jwks-uri">JWKS URL</label><input id="idp-jwks-uri" name="jwks_uri" type="url" autocomplete="off"></div>
<div class="field"><label for="idp-jwks">Or the public keys (JWK Set JSON)</label><textarea id="idp-jwks" name="jwks" rows="4"></textarea></div>
<div class="field"><label for="idp-subject">Map the assertion's user by</label><select id="idp-subject" name="subject">
<option value="sub">${SUBJECT.sub}</option><option value="email">${SUBJECT.email}</option></select></div>
<label><input type="checkbox" name="signup" value="yes"> Create a user on first use (just in time) from the assertion's e-mail</label>
<div class="actions"><button type="submit" class="primary">Add IdP</button></div>
</form></details>`;
}

export function renderEnterprise(m: EnterpriseModel): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Enterprise IdPs</h1>
<p class="muted">Identity providers whose ID-JAGs (enterprise-managed authorization) this server accepts at its token endpoint.</p>
${
  m.idps.length
    ? html`<div class="table-card"><table id="enterprise-idps"><thead><tr><th scope="col">IdP</th><th scope="col">Keys</th><th scope="col">Users</th><th scope="col">Added (UTC)</th><th scope="col">Action</th></tr></thead>
<tbody>${m.idps.map((idp) => row(m, idp))}</tbody></table></div>`
    : html`<p class="card">No enterprise IdP is trusted.</p>`
}
${addForm(m)}`,
  );
}
