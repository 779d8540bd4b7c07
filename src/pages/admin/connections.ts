import type { ConnectionView } from '../../operations/connections.js';
import { type Html, html } from '../layout.js';
import { adminPage, type FrameModel, formFields, statusBadge } from './layout.js';

/**
 * Connections: every upstream sign-in method (the configuration file's, read-only, and those stored
 * here, which can be enabled, disabled and deleted), and the form that adds one (OpenID Connect or SAML).
 * Secrets are typed into a password field and never shown again.
 */
export interface ConnectionsModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  connections: ConnectionView[];
}

export interface NewConnectionModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  /** What was typed (never a secret), to fill the form again after a refusal. */
  values: Record<string, string>;
}

function actionForm(m: ConnectionsModel, c: ConnectionView, op: string, label: string, cls = ''): Html {
  return html`<form method="post" action="${m.admin}/connections/action">
${formFields({ csrf: m.csrf, op, id: c.id })}<button type="submit"${cls ? html` class="${cls}"` : ''}>${label}</button></form>`;
}

function row(m: ConnectionsModel, c: ConnectionView): Html {
  const stored = c.source === 'database';
  const where = c.issuer ?? c.metadata_url ?? (c.type === 'saml' ? 'metadata XML' : '');
  return html`<tr><td><code>${c.id}</code></td><td class="wrap">${c.name}</td><td>${c.type === 'saml' ? 'SAML' : 'OpenID Connect'}</td>
<td class="wrap">${where}</td>
<td>${stored ? html`<span class="badge">Dashboard</span>` : html`<span class="badge">Config file</span>`}${c.shadowed ? html` <span class="badge off">Hidden by the config file</span>` : ''}</td>
<td>${statusBadge(!c.enabled, 'Enabled', 'Disabled')}</td>
<td>${
    stored
      ? html`<div class="actions">${c.enabled ? actionForm(m, c, 'disable', 'Disable') : actionForm(m, c, 'enable', 'Enable')}${actionForm(m, c, 'delete', 'Delete…', 'danger')}</div>`
      : html`<span class="muted">Edit the configuration file</span>`
  }</td></tr>`;
}

export function renderConnections(m: ConnectionsModel): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Connections</h1>
<p class="muted">Upstream identity providers people sign in with ("Continue with …"). Changes here apply without a restart.</p>
<p><a class="button" href="${m.admin}/connections/new">Add connection</a></p>
${
  m.connections.length
    ? html`<table id="connections"><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Provider</th><th scope="col">Defined in</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
<tbody>${m.connections.map((c) => row(m, c))}</tbody></table>`
    : html`<p class="muted">No connections yet.</p>`
}`,
  );
}

function field(id: string, label: string, input: Html, hint = ''): Html {
  return html`<div class="field"><label for="${id}">${label}${hint ? html` <span class="muted hint">(${hint})</span>` : ''}</label>
${input}</div>`;
}

function checkbox(name: string, label: string, checked: boolean, hint: string): Html {
  return html`<label><input type="checkbox" name="${name}" value="yes"${checked ? html` checked` : ''}> <strong>${label}</strong> <span class="muted">${hint}</span></label>`;
}

export function renderNewConnection(m: NewConnectionModel): string {
  const v = m.values;
  const type = v['type'] === 'saml' ? 'saml' : 'oidc';
  const text = (name: string, extra: Html | string = '') =>
    html`<input id="${name}" name="${name}" type="text" value="${v[name] ?? ''}"${extra}>`;
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Add a connection</h1>
<form class="card" method="post" action="${m.admin}/connections/new">
${formFields({ csrf: m.csrf })}
<fieldset><legend>Type</legend>
<label><input type="radio" name="type" value="oidc"${type === 'oidc' ? html` checked` : ''}> <strong>OpenID Connect</strong> <span class="muted">Google, Microsoft Entra, Okta, …</span></label>
<label><input type="radio" name="type" value="saml"${type === 'saml' ? html` checked` : ''}> <strong>SAML 2.0</strong> <span class="muted">an IdP's metadata, by URL or pasted</span></label>
</fieldset>
${field('id', 'Id', text('id', html` required maxlength="64" pattern="[a-z0-9][a-z0-9_-]{0,63}"`), 'a-z, 0-9, - and _; part of the callback URL')}
${field('name', 'Name', text('name', html` required maxlength="80"`), 'the button says "Continue with {name}"')}
<fieldset><legend>OpenID Connect</legend>
${field('issuer', 'Issuer URL', text('issuer'), 'https; its discovery document is read from it')}
${field('client_id', 'Client id', text('client_id'))}
${field('client_secret', 'Client secret', html`<input id="client_secret" name="client_secret" type="password" autocomplete="off">`, 'stored encrypted, never shown again')}
${field('scopes', 'Scopes', text('scopes'), 'space-separated; default openid email profile')}
</fieldset>
<fieldset><legend>SAML</legend>
${field('metadata_url', 'IdP metadata URL', text('metadata_url'))}
${field('metadata_xml', 'IdP metadata XML', html`<textarea id="metadata_xml" name="metadata_xml">${v['metadata_xml'] ?? ''}</textarea>`, 'instead of the URL')}
</fieldset>
${field('domains', 'Allowed e-mail domains', text('domains'), 'space-separated; empty for any')}
<fieldset><legend>Accounts</legend>
${checkbox('trustEmailVerified', 'Trust verified e-mail', v['trustEmailVerified'] === 'yes', 'link to an existing account with the address the provider says it verified')}
${checkbox('signup', 'Create accounts', v['signup'] !== 'no', 'a first sign-in creates a Gatehouse user')}
${checkbox('allowLoopback', 'Allow http on loopback', v['allowLoopback'] === 'yes', 'development only')}
</fieldset>
<div class="actions"><button type="submit" class="primary">Add connection</button><a href="${m.admin}/connections">Cancel</a></div>
</form>`,
  );
}
