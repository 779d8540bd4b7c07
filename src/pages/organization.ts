import { type Html, hidden, html, layout, type PageModel } from './layout.js';

export interface OrganizationPickerModel extends PageModel {
  action: string;
  csrf: string;
  interaction: string;
  clientName: string;
  userEmail: string;
  organizations: { id: string; name: string }[];
  /** Preselected (the request's `organization` hint, when the user belongs to it). */
  selected?: string;
  error?: string;
}

/**
 * The organization picker: after sign-in, for a user who belongs to several organizations. One radio
 * button per organization in a fieldset whose legend names the question, and a button **Continue**.
 */
export function renderOrganizationPicker(m: OrganizationPickerModel): string {
  const options: Html[] = m.organizations.map(
    (o, i) =>
      html`<div class="choice"><input type="radio" id="org-${String(i)}" name="organization" value="${o.id}" required${
        o.id === m.selected || (m.selected === undefined && i === 0) ? html` checked` : ''
      }><label for="org-${String(i)}">${o.name}</label></div>`,
  );
  return layout(
    { title: 'Choose an organization', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Choose an organization</h1>
${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}
<p>You belong to several organizations. <span id="client-name">${m.clientName}</span> will act in the one you choose.</p>
<form method="post" action="${m.action}">
${hidden({ csrf: m.csrf, interaction: m.interaction })}
<fieldset>
<legend>Organization</legend>
${options}
</fieldset>
<div class="actions"><button type="submit" class="primary">Continue</button></div>
</form>
<p class="muted">Signed in as ${m.userEmail}</p>`,
  );
}

export interface SingleSignOnModel extends PageModel {
  organizationName: string;
  domain: string;
  /** Gatehouse's own `/connections/{id}/start` (a GET link: the sign-in form's CSP form-action stays unchanged). */
  href: string;
}

/**
 * Home-realm discovery's answer: the e-mail's domain signs in with its organization's single sign-on.
 * A link, not a redirect, because a browser applies the sign-in form's CSP `form-action` to every
 * redirect that follows the form's submission, and the provider is on another origin.
 */
export function renderSingleSignOn(m: SingleSignOnModel): string {
  return layout(
    { title: 'Single sign-on', basePath: m.basePath, frame: m.frame },
    html`<h1 id="page-title">Sign in with ${m.organizationName}</h1>
<p>People with an <strong>@${m.domain}</strong> email sign in through ${m.organizationName}'s single sign-on.</p>
<div class="actions stack"><a class="button primary" href="${m.href}">Continue to single sign-on</a></div>`,
  );
}
