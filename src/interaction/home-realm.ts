/**
 * Home-realm discovery (docs/sign-in.md "Organizations"): an e-mail whose domain an organization claims,
 * with a `connection`, signs in at that connection instead of with a password. Decided by the domain
 * alone, before any account is looked up, so the answer says whether a domain has single sign-on (public
 * by design: the IdP's login page says as much) and nothing about whether an account exists.
 */
import type { Context } from '../context.js';
import { html } from '../http/respond.js';
import { EMAIL_DOMAIN } from '../operations/organizations.js';
import { renderSingleSignOn } from '../pages/organization.js';
import { connectionPath } from '../paths.js';
import { pageFrame } from './pages-common.js';

/** Shown when "Continue with SSO" is pressed for a domain without single sign-on. */
export const NO_SSO_FOR_DOMAIN =
  'Single sign-on is not set up for this email domain. Sign in with your password instead.';

/** The domain part of an address, lower-cased, when it is a plausible domain. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 1) return undefined;
  const domain = email.slice(at + 1).toLowerCase();
  return EMAIL_DOMAIN.test(domain) ? domain : undefined;
}

/**
 * The answer to a sign-in form submitted with an address of an SSO domain: a page linking to its
 * organization's connection start, carrying the authorization request (pages/organization.ts says why a
 * link and not a redirect). Undefined when the domain has no single sign-on.
 */
export async function homeRealmStart(
  ctx: Context,
  email: string,
  interaction: string | undefined,
): Promise<Response | undefined> {
  const realm = await homeRealmOf(ctx, email);
  if (!realm) return undefined;
  const { domain, organization, connection } = realm;
  const query = interaction ? `?interaction=${encodeURIComponent(interaction)}` : '';
  const href = `${ctx.config.issuerPath}${connectionPath(connection, 'start')}${query}`;
  const page = renderSingleSignOn({
    basePath: ctx.config.issuerPath,
    frame: pageFrame(ctx),
    organizationName: organization.name,
    domain,
    href,
  });
  return html(page);
}

/**
 * The organization whose single sign-on an address's domain routes to, with its connection id; undefined
 * when the domain has none. Used by the sign-in page (homeRealmStart) and the headless identify step.
 */
export async function homeRealmOf(
  ctx: Context,
  email: string,
): Promise<{ domain: string; organization: { name: string }; connection: string } | undefined> {
  const domain = emailDomain(email);
  if (!domain) return undefined;
  const organization = await ctx.store.getOrganizationByDomain(domain);
  if (!organization?.connection) return undefined;
  return { domain, organization, connection: organization.connection };
}

/** Whether the sign-in page offers "Continue with SSO": some organization signs in with a connection. */
export async function singleSignOnOffered(ctx: Context): Promise<boolean> {
  if (ctx.config.organizations.some((o) => o.connection !== null)) return true;
  return (await ctx.store.listOrganizations()).some((o) => o.connection !== null);
}
