import type { AuditEventView, KeyView, ResourceView } from '../../operations/views.js';
import { type Html, html } from '../layout.js';
import { adminPage, type FrameModel, formFields, query, shortTime, time } from './layout.js';

/** Resources, Audit, Keys and Settings pages. */

export function renderResources(m: {
  frame: FrameModel;
  admin: string;
  csrf: string;
  resources: ResourceView[];
}): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Resources</h1>
<p class="muted">Protected resources (MCP servers and APIs) come from the configuration; their name, scopes and lanes can be changed here. Every instance picks up a change within a few seconds.</p>
<div class="stack">${m.resources.map((r, i) => {
      const id = `r${i}`;
      const lane = (name: 'preregistered' | 'cimd' | 'dcr', label: string) =>
        html`<label><input type="checkbox" name="lane_${name}" value="yes"${r.lanes[name] ? html` checked` : ''}> ${label}</label>`;
      return html`<section class="card resource" aria-labelledby="${id}-title">
<h2 id="${id}-title">${r.name}</h2>
<p><code>${r.resource}</code> <span class="muted">· ${r.updatedBy ? html`edited ${time(r.updatedAt)} by ${r.updatedBy}` : 'as configured'}</span></p>
<form method="post" action="${m.admin}/resources/action">
${formFields({ csrf: m.csrf, op: 'edit', resource: r.resource })}
<div class="field"><label for="${id}-name">Name</label><input id="${id}-name" name="name" type="text" required maxlength="200" value="${r.name}"></div>
<div class="field"><label for="${id}-scopes">Scopes <span class="muted hint">(space-separated)</span></label><input id="${id}-scopes" name="scopes" type="text" value="${r.scopes.join(' ')}"></div>
<div class="field"><label for="${id}-defaults">Default scopes <span class="muted hint">(granted when a client asks for none)</span></label><input id="${id}-defaults" name="default_scopes" type="text" value="${r.defaultScopes.join(' ')}"></div>
<fieldset><legend>Lanes allowed</legend>${lane('preregistered', 'Preregistered')}${lane('cimd', 'CIMD')}${lane('dcr', 'DCR')}</fieldset>
<button type="submit" class="primary">Save ${r.name}</button>
</form></section>`;
    })}</div>`,
  );
}

export interface AuditFilters {
  type?: string;
  client_id?: string;
  user_id?: string;
  since?: string;
  until?: string;
}

export function renderAudit(m: {
  frame: FrameModel;
  admin: string;
  filters: AuditFilters;
  events: AuditEventView[];
  next: number | null;
  paged: boolean;
}): string {
  const f = m.filters;
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Audit log</h1>
<form class="filters" method="get" action="${m.admin}/audit" role="search" aria-label="Filter events">
<label>Type<input type="text" name="type" value="${f.type ?? ''}" placeholder="client.disabled"></label>
<label>Client<input type="text" name="client_id" value="${f.client_id ?? ''}"></label>
<label>User<input type="text" name="user_id" value="${f.user_id ?? ''}" placeholder="usr_…"></label>
<label>From<input type="date" name="since" value="${f.since ?? ''}"></label>
<label>To<input type="date" name="until" value="${f.until ?? ''}"></label>
<button type="submit">Apply filters</button>
<a href="${m.admin}/api/audit/export${query({ ...f })}" download>Export as JSON lines</a>
</form>
${
  m.events.length
    ? html`<div class="table-card"><table><caption class="muted">Newest first</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Type</th><th scope="col">Client</th><th scope="col">User</th><th scope="col">Actor</th><th scope="col">Detail</th></tr></thead>
<tbody>${m.events.map(
        (e) => html`<tr><td class="time">${shortTime(e.at)}</td><td><code>${e.type}</code>${
          e.count === undefined
            ? ''
            : html` <span class="muted">× ${String(e.count)}, last ${shortTime(e.lastAt ?? e.at)}</span>`
        }</td>
<td class="wrap">${e.clientId ? html`<a href="${m.admin}/clients${query({ client: e.clientId })}">${e.clientId}</a>` : '—'}</td>
<td class="wrap">${e.userId ? html`<a href="${m.admin}/users${query({ user: e.userId })}">${e.userId}</a>` : '—'}</td>
<td class="wrap">${e.actor ?? '—'}</td><td class="wrap"><code>${Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''}</code></td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="card">No events match these filters.</p>`
}
<nav class="pager" aria-label="Pages">${m.paged ? html`<a href="${m.admin}/audit${query({ ...f })}">Newest</a>` : ''}${m.next ? html`<a href="${m.admin}/audit${query({ ...f, before: String(m.next) })}">Older events</a>` : ''}</nav>`,
  );
}

export function renderKeys(m: { frame: FrameModel; admin: string; csrf: string; keys: KeyView[] }): string {
  const label = {
    next: 'Next (published, not yet signing)',
    active: 'Active (signing from the time shown)',
    retiring: 'Retiring (published until its tokens expire)',
  };
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Signing keys</h1>
<div class="table-card"><table><thead><tr><th scope="col">Key id</th><th scope="col">Algorithm</th><th scope="col">State</th><th scope="col">Created (published)</th><th scope="col">Signs from</th><th scope="col">Leaves the JWKS</th></tr></thead>
<tbody>${m.keys.map((k) => html`<tr><td class="wrap"><code>${k.kid}</code></td><td>${k.alg}</td><td><span class="badge${k.state === 'active' ? ' ok' : k.state === 'retiring' ? ' warn' : ''}">${label[k.state]}</span></td><td>${time(k.createdAt)}</td><td>${time(k.activateAt)}</td><td>${time(k.retireAt)}</td></tr>`)}</tbody></table></div>
<form method="post" action="${m.admin}/keys/action" class="actions">
${formFields({ csrf: m.csrf, op: 'rotate' })}
<button type="submit" class="danger">Rotate keys…</button>
<span class="muted">The next key signs once every instance and JWKS cache has seen it (a rotation too soon after the last one is scheduled); the active key retires after its tokens have expired.</span>
</form>`,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function value(v: unknown): Html {
  if (v === null || v === undefined) return html`<span class="muted">none</span>`;
  if (Array.isArray(v)) {
    if (v.length === 0) return html`<span class="muted">none</span>`;
    if (v.every((x) => !isObject(x)))
      return html`${v.map((x, i) => html`${i ? ', ' : ''}<code>${String(x)}</code>`)}`;
    return html`<ul class="plain">${v.map((x) => html`<li class="item">${value(x)}</li>`)}</ul>`;
  }
  if (isObject(v))
    return html`<dl>${Object.entries(v).map(([k, x]) => html`<dt>${k}</dt><dd>${value(x)}</dd>`)}</dl>`;
  return html`<code>${String(v)}</code>`;
}

/** Settings: the effective configuration, one card per section, secrets already replaced upstream. */
export function renderSettings(m: { frame: FrameModel; settings: Record<string, unknown> }): string {
  const entries = Object.entries(m.settings);
  const general = entries.filter(([, v]) => !isObject(v) && !(Array.isArray(v) && v.some(isObject)));
  const sections = entries.filter(([, v]) => isObject(v) || (Array.isArray(v) && v.some(isObject)));
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Settings</h1>
<p class="muted">The effective configuration of this instance, read-only. Secrets are hidden; change settings in the configuration and restart.</p>
<div class="grid settings">
<section class="card" aria-labelledby="settings-general"><h2 id="settings-general">General</h2>${value(Object.fromEntries(general))}</section>
${sections.map(([k, v]) => html`<section class="card" aria-labelledby="settings-${k}"><h2 id="settings-${k}">${k}</h2>${value(v)}</section>`)}
</div>`,
  );
}
