import type { CimdView, ClientDetailView, ClientKeysView, ClientView } from '../../operations/views.js';
import { type Html, html } from '../layout.js';
import {
  adminPage,
  type FrameModel,
  formFields,
  laneBadge,
  query,
  shortTime,
  statusBadge,
  time,
} from './layout.js';

/** The Clients tab: filters, a server-paginated table with lane and status badges, and a detail panel. */
export interface ClientFilters {
  q?: string;
  source?: string;
  status?: string;
  resource?: string;
}

export interface ClientsModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  filters: ClientFilters;
  resources: { resource: string; name: string }[];
  clients: ClientView[];
  /** Cursor of the next page, if any. */
  next: string | null;
  paged: boolean;
  selected?: ClientDetailView;
}

const option = (value: string, label: string, current: string | undefined) =>
  html`<option value="${value}"${current === value ? html` selected` : ''}>${label}</option>`;

function filtersForm(m: ClientsModel): Html {
  const f = m.filters;
  return html`<form class="filters" method="get" action="${m.admin}/clients" role="search" aria-label="Filter clients">
<label>Search<input type="search" name="q" value="${f.q ?? ''}" placeholder="client_id or name"></label>
<label>Lane<select name="source">${option('', 'All lanes', f.source ?? '')}${option('preregistered', 'Preregistered', f.source)}${option('cimd', 'CIMD', f.source)}${option('dcr', 'DCR', f.source)}</select></label>
<label>Status<select name="status">${option('', 'Any status', f.status ?? '')}${option('active', 'Active', f.status)}${option('disabled', 'Disabled', f.status)}</select></label>
<label>Resource<select name="resource">${option('', 'Any resource', f.resource ?? '')}${m.resources.map((r) => option(r.resource, r.name, f.resource))}</select></label>
<button type="submit">Apply filters</button>
<a href="${m.admin}/clients/new">Create client</a>
</form>`;
}

function table(m: ClientsModel): Html {
  const base = { ...m.filters };
  if (m.clients.length === 0) return html`<p class="card">No clients match these filters.</p>`;
  return html`<div class="table-card"><table>
<caption class="muted">Clients, ordered by client_id</caption>
<thead><tr><th scope="col">Client</th><th scope="col">Lane</th><th scope="col">Status</th><th scope="col">Created (UTC)</th><th scope="col">Last used (UTC)</th></tr></thead>
<tbody>${m.clients.map((c) => {
    const current = m.selected?.client.client_id === c.client_id;
    return html`<tr${current ? html` aria-current="true"` : ''}>
<td class="wrap"><a href="${m.admin}/clients${query({ ...base, client: c.client_id })}">${c.client_name ?? c.client_id}</a>${c.client_name ? html`<br><code class="muted">${c.client_id}</code>` : ''}</td>
<td>${laneBadge(c.source)}</td><td>${statusBadge(c.disabledAt !== null)}${pendingOf(c) ? html` <span class="badge warn">Change staged</span>` : ''}</td>
<td class="time">${shortTime(c.createdAt)}</td><td class="time">${shortTime(c.lastUsedAt)}</td></tr>`;
  })}</tbody></table></div>
<nav class="pager" aria-label="Pages">${m.paged ? html`<a href="${m.admin}/clients${query(base)}">First page</a>` : ''}${m.next ? html`<a href="${m.admin}/clients${query({ ...base, after: m.next })}">Next page</a>` : ''}</nav>`;
}

function pendingOf(c: ClientView): boolean {
  const cimd = c.metadata.cimd as { pending?: unknown } | undefined;
  return Boolean(cimd?.pending);
}

function actionForm(m: ClientsModel, op: string, label: string, extra = '', cls = ''): Html {
  const id = m.selected!.client.client_id;
  return html`<form method="post" action="${m.admin}/clients/action">
${formFields({ csrf: m.csrf, op, client_id: id, return_to: `${m.admin}/clients${query({ ...m.filters, client: id })}` })}
<button type="submit"${cls ? html` class="${cls}"` : ''}${extra ? html` aria-label="${extra}"` : ''}>${label}</button></form>`;
}

function panel(m: ClientsModel): Html {
  const d = m.selected!;
  const c = d.client;
  const id = c.client_id;
  const disabled = c.disabledAt !== null;
  return html`<aside class="card" aria-labelledby="detail-title">
<h2 id="detail-title">${c.client_name ?? c.client_id}</h2>
<p>${laneBadge(c.source)} ${statusBadge(disabled)}</p>
${disabled ? html`<p class="alert">Disabled ${time(c.disabledAt)}: ${c.disabledReason ?? ''}</p>` : ''}
<dl>
<dt>client_id</dt><dd><code>${id}</code></dd>
<dt>Authentication</dt><dd>${c.token_endpoint_auth_method}${c.has_secret ? ' (has a secret)' : ''}</dd>
${keysRow(d.keys)}
<dt>Grant types</dt><dd>${c.grant_types.join(', ') || '—'}</dd>
<dt>Redirect URIs</dt><dd>${c.redirect_uris.length ? html`<ul class="plain">${c.redirect_uris.map((u) => html`<li><code>${u}</code></li>`)}</ul>` : '—'}</dd>
<dt>Scopes</dt><dd>${c.scope ?? 'any scope of its resources'}</dd>
<dt>Resources</dt><dd>${c.resources.length ? c.resources.join(', ') : 'every resource its lane may use'}</dd>
<dt>Active grants</dt><dd>${d.activeGrants}</dd>
<dt>Created</dt><dd>${time(c.createdAt)}</dd>
<dt>Last used</dt><dd>${time(c.lastUsedAt)}</dd>
</dl>
${d.cimd ? cimdSection(m, d.cimd) : ''}
<h3>Actions</h3>
<div class="actions">
${disabled ? actionForm(m, 'enable', 'Enable') : actionForm(m, 'disable', 'Disable…', '', 'danger')}
${actionForm(m, 'revoke-sessions', 'Revoke sessions…')}
${c.source === 'preregistered' && c.token_endpoint_auth_method !== 'none' && c.token_endpoint_auth_method !== 'private_key_jwt' ? actionForm(m, 'rotate-secret', 'Rotate secret…') : ''}
${actionForm(m, 'delete', 'Delete…', '', 'danger')}
</div>
${c.source === 'preregistered' ? editForm(m) : ''}
<h3>Recent events</h3>
${d.recentEvents.length ? html`<ul class="plain">${d.recentEvents.map((e) => html`<li><span class="muted">${time(e.at)}</span> <code>${e.type}</code>${e.actor ? html` by ${e.actor}` : ''}</li>`)}</ul>` : html`<p class="muted">None.</p>`}
<p><a href="${m.admin}/audit${query({ client_id: id })}">All events of this client</a></p>
</aside>`;
}

function cimdSection(m: ClientsModel, cimd: CimdView): Html {
  return html`<h3>Client ID Metadata Document</h3>
<dl><dt>Fetched</dt><dd>${time(cimd.fetchedAt)}</dd><dt>Cache expires</dt><dd>${time(cimd.expiresAt)}</dd>
<dt>Pinned</dt><dd>${cimd.pinned ? 'yes: changes wait for approval' : 'no: changes apply when fetched'}</dd></dl>
<div class="actions">${cimd.pinned ? actionForm(m, 'cimd-unpin', 'Unpin') : actionForm(m, 'cimd-pin', 'Pin: approve future changes')}</div>
${
  cimd.pending
    ? html`<div class="warning" role="region" aria-label="Staged change"><p><strong>Staged change</strong> (fetched ${time(cimd.pending.fetchedAt)}): new redirect URIs</p>
<ul>${cimd.pending.redirect_uris.map((u) => html`<li><code>${u}</code></li>`)}</ul>
<div class="actions">${actionForm(m, 'cimd-approve', 'Approve change', '', 'primary')}${actionForm(m, 'cimd-reject', 'Reject change')}</div></div>`
    : ''
}
<details><summary>Raw document</summary><pre>${JSON.stringify(cimd.document, null, 2)}</pre></details>`;
}

function editForm(m: ClientsModel): Html {
  const c = m.selected!.client;
  return html`<details><summary>Edit redirect URIs and scopes</summary>
<form method="post" action="${m.admin}/clients/action">
${formFields({ csrf: m.csrf, op: 'edit', client_id: c.client_id, return_to: `${m.admin}/clients${query({ ...m.filters, client: c.client_id })}` })}
<div class="field"><label for="edit-redirects">Redirect URIs <span class="muted hint">(one per line)</span></label>
<textarea id="edit-redirects" name="redirect_uris">${c.redirect_uris.join('\n')}</textarea></div>
<div class="field"><label for="edit-scope">Scopes <span class="muted hint">(space-separated; empty for any)</span></label>
<input id="edit-scope" name="scope" type="text" value="${c.scope ?? ''}"></div>
<button type="submit" class="primary">Save changes</button>
</form></details>`;
}

export function renderClients(m: ClientsModel): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Clients</h1>
${filtersForm(m)}
<div class="split${m.selected ? ' with-panel' : ''}">
<section aria-label="Client list">${table(m)}</section>
${m.selected ? panel(m) : ''}
</div>`,
  );
}

/** private_key_jwt: where the client's keys are (RFC 7591 §2 jwks / jwks_uri). */
function keysRow(keys: ClientKeysView | null): Html | string {
  if (!keys) return '';
  const where = keys.jwks_uri
    ? html`<code>${keys.jwks_uri}</code>`
    : html`${String(keys.inlineKeys)} key(s) registered inline`;
  const alg = keys.signingAlg ? html`, ${keys.signingAlg} only` : '';
  const none = keys.acceptsNone ? html`; also offers none (PKCE only)` : '';
  return html`<dt>Keys</dt><dd>${where}${alg}${none}</dd>`;
}
