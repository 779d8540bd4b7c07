import type { LinkedIdentityView } from '../../operations/connections.js';
import type { UserDetailView, UserView } from '../../operations/views.js';
import { type Html, html } from '../layout.js';
import { adminPage, type FrameModel, formFields, query, shortTime, statusBadge, time } from './layout.js';

/** Users: search, a paginated list, a detail panel with grants, and the create form. */
export interface UsersModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  q?: string;
  users: UserView[];
  next: string | null;
  paged: boolean;
  mailer: boolean;
  selected?: UserDetailView;
  /** The selected user's linked upstream identities (docs/sign-in.md). */
  identities?: LinkedIdentityView[];
}

function actionForm(m: UsersModel, op: string, label: string, cls = ''): Html {
  const id = m.selected!.user.id;
  return html`<form method="post" action="${m.admin}/users/action">
${formFields({ csrf: m.csrf, op, user_id: id, return_to: `${m.admin}/users${query({ q: m.q, user: id })}` })}
<button type="submit"${cls ? html` class="${cls}"` : ''}>${label}</button></form>`;
}

/** Linked sign-in providers, each with a Remove button (the next sign-in through it is a first one). */
function identitiesSection(m: UsersModel): Html {
  const list = m.identities ?? [];
  const id = m.selected!.user.id;
  const back = `${m.admin}/users${query({ q: m.q, user: id })}`;
  return html`<h3>Linked sign-in providers</h3>
${
  list.length
    ? html`<table id="linked-identities"><thead><tr><th scope="col">Provider</th><th scope="col">E-mail then</th><th scope="col">Last used (UTC)</th><th scope="col">Action</th></tr></thead>
<tbody>${list.map(
        (
          l,
        ) => html`<tr><td class="wrap">${l.connectionName ?? l.connection} <span class="muted">${l.issuer}</span></td><td class="wrap">${l.email ?? ''}</td><td class="time">${l.lastUsedAt === null ? '' : shortTime(l.lastUsedAt)}</td>
<td><form method="post" action="${m.admin}/users/action">${formFields({ csrf: m.csrf, op: 'unlink-identity', user_id: id, issuer: l.issuer, subject: l.subject, return_to: back })}<button type="submit">Remove</button></form></td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">None.</p>`
}`;
}

function panel(m: UsersModel): Html {
  const { user, grants, events } = m.selected!;
  const disabled = user.disabledAt !== null;
  return html`<aside class="card" aria-labelledby="detail-title">
<h2 id="detail-title">${user.email}</h2>
<p>${statusBadge(disabled)}${user.admin ? html` <span class="badge">Administrator</span>` : ''} <span class="badge" id="email-verified">${user.emailVerified ? 'E-mail verified' : 'E-mail not verified'}</span></p>
<dl><dt>User id</dt><dd><code>${user.id}</code></dd><dt>Created</dt><dd>${time(user.createdAt)}</dd>
${disabled ? html`<dt>Disabled</dt><dd>${time(user.disabledAt)}</dd>` : ''}</dl>
<div class="actions">
${disabled ? actionForm(m, 'enable', 'Enable') : actionForm(m, 'disable', 'Disable…', 'danger')}
${actionForm(m, 'revoke-sessions', 'Revoke sessions…')}
${m.mailer && !disabled ? actionForm(m, 'reset-password', 'Send password reset') : ''}
</div>
${m.mailer ? '' : html`<p class="muted">Password resets need a mailer (options.mailer).</p>`}
<h3>Active grants</h3>
${
  grants.length
    ? html`<table><thead><tr><th scope="col">Client</th><th scope="col">Resource</th><th scope="col">Scopes</th><th scope="col">Since (UTC)</th></tr></thead>
<tbody>${grants.map((g) => html`<tr><td class="wrap"><a href="${m.admin}/clients${query({ client: g.clientId })}">${g.clientId}</a></td><td class="wrap">${g.resource}</td><td>${g.scope}</td><td class="time">${shortTime(g.createdAt)}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">None.</p>`
}
${identitiesSection(m)}
<h3>Recent events</h3>
${events.length ? html`<ul class="plain">${events.map((e) => html`<li><span class="muted">${time(e.at)}</span> <code>${e.type}</code></li>`)}</ul>` : html`<p class="muted">None.</p>`}
</aside>`;
}

export function renderUsers(m: UsersModel): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Users</h1>
<form class="filters" method="get" action="${m.admin}/users" role="search" aria-label="Search users">
<label>Search<input type="search" name="q" value="${m.q ?? ''}" placeholder="e-mail"></label>
<button type="submit">Search</button></form>
<div class="split${m.selected ? ' with-panel' : ''}">
<section aria-label="User list">
${
  m.users.length
    ? html`<div class="table-card"><table><thead><tr><th scope="col">E-mail</th><th scope="col">Status</th><th scope="col">Created (UTC)</th></tr></thead>
<tbody>${m.users.map(
        (
          u,
        ) => html`<tr${m.selected?.user.id === u.id ? html` aria-current="true"` : ''}><td><a href="${m.admin}/users${query({ q: m.q, user: u.id })}">${u.email}</a>${u.admin ? html` <span class="badge">Administrator</span>` : ''}</td>
<td>${statusBadge(u.disabledAt !== null)}</td><td class="time">${shortTime(u.createdAt)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="card">No users match.</p>`
}
<nav class="pager" aria-label="Pages">${m.paged ? html`<a href="${m.admin}/users${query({ q: m.q })}">First page</a>` : ''}${m.next ? html`<a href="${m.admin}/users${query({ q: m.q, after: m.next })}">Next page</a>` : ''}</nav>
<details class="card"><summary>Create a user</summary>
<form method="post" action="${m.admin}/users/action">
${formFields({ csrf: m.csrf, op: 'create', return_to: `${m.admin}/users` })}
<div class="field"><label for="new-email">Email</label><input id="new-email" name="email" type="email" required autocomplete="off"></div>
<div class="field"><label for="new-password">Password</label><input id="new-password" name="password" type="password" required minlength="8" autocomplete="new-password"></div>
<label><input type="checkbox" name="admin" value="yes"> Administrator</label>
<label><input type="checkbox" name="email_verified" value="yes"> I vouch that this person controls the address (ID tokens say email_verified)</label>
<div class="actions"><button type="submit" class="primary">Create user</button></div>
</form></details>
</section>
${m.selected ? panel(m) : ''}
</div>`,
  );
}
