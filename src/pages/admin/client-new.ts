import { html } from '../layout.js';
import { adminPage, type FrameModel, formFields } from './layout.js';

/** The create-client form. Kinds map to RFC 7591 metadata; see src/admin/dashboard-clients.ts. */
export interface NewClientModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  resources: { resource: string; name: string }[];
  values: {
    name?: string;
    kind?: string;
    redirect_uris?: string;
    scope?: string;
    resources?: string[];
    jwks_uri?: string;
  };
}

const KINDS: [string, string, string][] = [
  ['public', 'Public app', 'Browser or native app; authorization code with PKCE, no secret.'],
  ['confidential', 'Confidential web app', 'Server-side app; authorization code with a client secret.'],
  ['machine', 'Machine client', 'Service or CI job; client_credentials with a client secret, no user.'],
];

export function renderNewClient(m: NewClientModel): string {
  const v = m.values;
  const kind = v.kind ?? 'public';
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Create a preregistered client</h1>
<form class="card" method="post" action="${m.admin}/clients/new">
${formFields({ csrf: m.csrf })}
<div class="field"><label for="name">Name</label>
<input id="name" name="client_name" type="text" maxlength="200" required value="${v.name ?? ''}"></div>
<fieldset><legend>Kind</legend>
${KINDS.map(
  ([value, label, hint]) =>
    html`<label><input type="radio" name="kind" value="${value}"${kind === value ? html` checked` : ''}> <strong>${label}</strong> <span class="muted">${hint}</span></label>`,
)}
</fieldset>
<div class="field"><label for="redirect-uris">Redirect URIs <span class="muted hint">(one per line; not for machine clients)</span></label>
<textarea id="redirect-uris" name="redirect_uris">${v.redirect_uris ?? ''}</textarea></div>
<div class="field"><label for="jwks-uri">Key set URL <span class="muted hint">(optional, confidential and machine clients: authenticate with private_key_jwt, keys at this https jwks_uri, instead of a secret)</span></label>
<input id="jwks-uri" name="jwks_uri" type="url" maxlength="2048" value="${v.jwks_uri ?? ''}"></div>
<div class="field"><label for="scope">Scopes <span class="muted hint">(space-separated; empty for any scope of its resources)</span></label>
<input id="scope" name="scope" type="text" value="${v.scope ?? ''}"></div>
<fieldset><legend>Resources <span class="muted">(none checked: every resource)</span></legend>
${m.resources.map(
  (r) =>
    html`<label><input type="checkbox" name="resources" value="${r.resource}"${v.resources?.includes(r.resource) ? html` checked` : ''}> ${r.name} <code class="muted">${r.resource}</code></label>`,
)}
</fieldset>
<div class="actions"><button type="submit" class="primary">Create client</button><a href="${m.admin}/clients">Cancel</a></div>
</form>`,
  );
}
