import type { OrganizationDetailView, OrganizationView } from '../../operations/organizations.js';
import { type Html, html } from '../layout.js';
import { adminPage, type FrameModel, formFields, shortTime } from './layout.js';

/**
 * Organizations (issue 16): every organization with its domains and connection, a form to create one,
 * and for the selected organization its members with their roles, a form to add a member (or change a
 * member's roles) and a Remove button per member.
 */
export interface OrganizationsModel {
  frame: FrameModel;
  admin: string;
  csrf: string;
  organizations: OrganizationView[];
  /** The organization whose members are shown. */
  selected?: OrganizationDetailView;
}

function row(m: OrganizationsModel, o: OrganizationView): Html {
  const href = `${m.admin}/organizations?id=${encodeURIComponent(o.id)}`;
  const action =
    o.source === 'admin'
      ? html`<form method="post" action="${m.admin}/organizations/action">${formFields({ csrf: m.csrf, op: 'delete', id: o.id })}<button type="submit" class="danger">Delete ${o.name}</button></form>`
      : html`<span class="muted">Configuration file</span>`;
  return html`<tr><td class="wrap"><a href="${href}">${o.name}</a><br><code>${o.id}</code></td>
<td class="wrap">${o.domains.length ? o.domains.join(', ') : '—'}</td><td>${o.connection ?? '—'}</td>
<td class="time">${shortTime(o.createdAt)}</td><td>${action}</td></tr>`;
}

function createForm(m: OrganizationsModel): Html {
  return html`<details class="card"${m.organizations.length ? '' : ' open'}><summary>Create an organization</summary>
<form method="post" action="${m.admin}/organizations/action">
${formFields({ csrf: m.csrf, op: 'create' })}
<div class="field"><label for="org-id">Organization id</label><input id="org-id" name="id" required maxlength="64" autocomplete="off" placeholder="org_acme"></div>
<div class="field"><label for="org-name">Name</label><input id="org-name" name="name" required maxlength="80" autocomplete="off"></div>
<div class="field"><label for="org-domains">E-mail domains (comma-separated)</label><input id="org-domains" name="domains" autocomplete="off" placeholder="acme.example"></div>
<div class="field"><label for="org-connection">Sign-in connection id</label><input id="org-connection" name="connection" autocomplete="off"></div>
<div class="actions"><button type="submit" class="primary">Create organization</button></div>
</form></details>`;
}

function members(m: OrganizationsModel, d: OrganizationDetailView): Html {
  const id = d.organization.id;
  const rows = d.members.map(
    (
      member,
    ) => html`<tr><td>${member.email}</td><td>${member.roles.length ? member.roles.join(', ') : '—'}</td>
<td class="time">${shortTime(member.createdAt)}</td>
<td><form method="post" action="${m.admin}/organizations/action">${formFields({ csrf: m.csrf, op: 'remove-member', id, member: member.userId })}<button type="submit" class="danger">Remove ${member.email}</button></form></td></tr>`,
  );
  return html`<h2 id="members-title">Members of ${d.organization.name}</h2>
${
  d.members.length
    ? html`<div class="table-card"><table id="organization-members" aria-labelledby="members-title"><thead><tr><th scope="col">E-mail</th><th scope="col">Roles</th><th scope="col">Since (UTC)</th><th scope="col">Action</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p class="card">No members yet.</p>`
}
<form class="card" method="post" action="${m.admin}/organizations/action">
${formFields({ csrf: m.csrf, op: 'add-member', id })}
<div class="field"><label for="member-email">Member e-mail</label><input id="member-email" name="email" type="email" required autocomplete="off"></div>
<div class="field"><label for="member-roles">Roles (comma-separated)</label><input id="member-roles" name="roles" autocomplete="off" placeholder="admin, billing"></div>
<div class="actions"><button type="submit" class="primary">Save member</button></div>
</form>`;
}

export function renderOrganizations(m: OrganizationsModel): string {
  return adminPage(
    m.frame,
    html`<h1 id="page-title">Organizations</h1>
<p class="muted">People acting in an organization get its <code>org_id</code> (and, with the <code>roles</code> scope, their roles) in their access tokens.</p>
${
  m.organizations.length
    ? html`<div class="table-card"><table id="organizations"><thead><tr><th scope="col">Organization</th><th scope="col">Domains</th><th scope="col">Connection</th><th scope="col">Created (UTC)</th><th scope="col">Action</th></tr></thead>
<tbody>${m.organizations.map((o) => row(m, o))}</tbody></table></div>`
    : html`<p class="card">No organization yet.</p>`
}
${createForm(m)}
${m.selected ? members(m, m.selected) : ''}`,
  );
}
