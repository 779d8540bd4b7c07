import { type Html, hidden, html, layout, type PageModel } from './layout.js';

export interface ConsentModel extends PageModel {
  action: string;
  csrf: string;
  interaction: string;
  clientName: string;
  /** For URL client_ids (CIMD): the host, shown prominently. */
  clientHost?: string;
  /** e.g. "verified" for first-party, "unverified" for DCR. */
  clientBadge?: string;
  /** Served from Gatehouse's own origin (CIMD logos are fetched once and cached). */
  logoUrl?: string;
  redirectHost: string;
  scopes: { name: string; description?: string }[];
  resourceName: string;
  resource: string;
  userEmail: string;
  warnings: string[];
}

/**
 * Consent page. Contract (DESIGN §5): buttons Allow and Deny; shows the client's name, the host of its
 * client_id (CIMD), the redirect host, the scopes and the resource (OAuth 2.1 §7.9 consent phishing).
 */
export function renderConsent(m: ConsentModel): string {
  const scopes: Html = m.scopes.length
    ? html`<ul class="scopes">${m.scopes.map((s) => html`<li><code>${s.name}</code>${s.description ? html` — ${s.description}` : ''}</li>`)}</ul>`
    : html`<p>No specific permissions.</p>`;
  return layout(
    {
      title: 'Authorize access',
      basePath: m.basePath,
      frame: m.frame,
      page: 'consent',
      values: { client_name: m.clientName },
    },
    html`${m.logoUrl ? html`<img class="client-logo" src="${m.logoUrl}" alt="" width="48" height="48">` : ''}
<h1 id="page-title"><span id="client-name">${m.clientName}</span>${m.clientBadge ? html`<span class="badge">${m.clientBadge}</span>` : ''} wants to access your account</h1>
${m.warnings.map((w) => html`<p class="warning" role="note">${w}</p>`)}
<dl>
${m.clientHost ? html`<dt>Application site</dt><dd><strong id="client-host">${m.clientHost}</strong></dd>` : ''}
<dt>Sends you back to</dt><dd><strong id="redirect-host">${m.redirectHost}</strong></dd>
<dt>Resource</dt><dd><span id="resource-name">${m.resourceName}</span><br><code class="muted">${m.resource}</code></dd>
<dt>Permissions</dt><dd>${scopes}</dd>
<dt>Signed in as</dt><dd>${m.userEmail}</dd>
</dl>
<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, interaction: m.interaction })}
<div class="actions">
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>
<p class="muted">Only allow applications you trust.</p>`,
  );
}
