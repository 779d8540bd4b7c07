import { documentPage, escapeHtml, type Html, html } from '../layout.js';

/**
 * The dashboard frame: a top bar with the section navigation (DESIGN §5 contract: a link named
 * exactly "Clients"), the signed-in administrator and a sign-out link, then the page.
 */
export type Section =
  | 'overview'
  | 'clients'
  | 'resources'
  | 'users'
  | 'organizations'
  | 'connections'
  | 'audit'
  | 'keys'
  | 'settings'
  | 'branding'
  | 'enterprise';

export const SECTIONS: [Section, string, string][] = [
  ['overview', 'Overview', ''],
  ['clients', 'Clients', '/clients'],
  ['resources', 'Resources', '/resources'],
  ['users', 'Users', '/users'],
  ['organizations', 'Organizations', '/organizations'],
  ['connections', 'Connections', '/connections'],
  ['audit', 'Audit', '/audit'],
  ['keys', 'Keys', '/keys'],
  ['settings', 'Settings', '/settings'],
  ['branding', 'Branding', '/branding'],
  ['enterprise', 'Enterprise IdPs', '/enterprise'],
];

export interface FrameModel {
  basePath: string;
  title: string;
  section: Section;
  adminEmail: string;
  notice?: string;
  error?: string;
}

export function adminPage(m: FrameModel, body: Html): string {
  const admin = `${m.basePath}/admin`;
  return documentPage(
    `${m.title} · Gatehouse admin`,
    `${admin}/assets/admin.css`,
    html`<header class="top">
<span class="brand">Gatehouse admin</span>
<nav class="main" aria-label="Dashboard">
<ul>${SECTIONS.map(
      ([id, label, path]) =>
        html`<li><a href="${admin}${path}"${m.section === id ? html` aria-current="page"` : ''}>${label}</a></li>`,
    )}</ul>
</nav>
<div class="who"><span>${m.adminEmail}</span><a href="${m.basePath}/logout">Sign out</a></div>
</header>
<main aria-labelledby="page-title">
${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
${m.error ? html`<p class="alert" role="alert">${m.error}</p>` : ''}
${body}
</main>`,
  );
}

/** `2026-11-20 10:00` for table cells whose column header says UTC. */
export function shortTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** `2026-11-20 10:00 UTC`: one unambiguous format everywhere (and stable in screenshots). */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function laneBadge(source: string): Html {
  const label = source === 'preregistered' ? 'Preregistered' : source === 'cimd' ? 'CIMD' : 'DCR';
  return html`<span class="badge">${label}</span>`;
}

export function statusBadge(disabled: boolean, onLabel = 'Active', offLabel = 'Disabled'): Html {
  return disabled
    ? html`<span class="badge off">${offLabel}</span>`
    : html`<span class="badge ok">${onLabel}</span>`;
}

/** A hidden CSRF field plus any other hidden fields. */
export function formFields(fields: Record<string, string | undefined>): Html {
  return html`${Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}`;
}

/** A query string from the non-empty values. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export { escapeHtml };
