/**
 * Organizations (issue 16, DESIGN §4): `id`, `name`, `domains` and `connection` are the contract;
 * `members` is Gatehouse's own (docs/configuration.md, docs/sign-in.md "Organizations").
 */
import { z } from 'zod';
import { connectionId, domain, EMAIL_DOMAIN } from './upstream-fields.js';

export { connectionId, EMAIL_DOMAIN };

import { displayNameProblem } from '../display-name.js';

/** A member seeded from the configuration, by the e-mail of an existing user. */
export interface OrganizationMemberSeed {
  email: string;
  /** Role names (ROLE). @default [] */
  roles?: string[];
}

/** An organization: people acting in it get `org_id` in their access tokens. @see docs/sign-in.md */
export interface OrganizationOptions {
  /** The access token's `org_id`: 1-64 of a-z, 0-9, "_" and "-", starting with a letter or digit. */
  id: string;
  /** Shown on the organization picker. */
  name: string;
  /**
   * E-mail domains of this organization (lower case). With `connection`, someone who types an address
   * of one of these domains on the sign-in page is sent to that connection (home-realm discovery). A
   * domain belongs to one organization at most. @default []
   */
  domains?: string[];
  /** The connection (`connections[].id`) people of `domains` sign in with. @default none: password */
  connection?: string;
  /**
   * Members, by the e-mail of an existing user, written on every start (their roles replaced). A member
   * whose account does not exist yet is added at the first start after it does. @default []
   */
  members?: OrganizationMemberSeed[];
}

export interface ResolvedOrganization {
  id: string;
  name: string;
  domains: string[];
  connection: string | null;
  members: { email: string; roles: string[] }[];
}

/** An organization id: what `org_id` may be. */
export const ORGANIZATION_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A role name: short, no spaces (roles travel space-separated in storage and as a JSON array in tokens). */
export const ROLE = /^[a-z][a-z0-9_.:-]{0,39}$/;
/** At most this many roles per membership. */
export const MAX_ROLES = 20;
/** An e-mail domain as stored for home-realm discovery (as config/connections.ts `domains`). */

export const organizationIdSchema = z.string().regex(ORGANIZATION_ID, 'must be 1-64 of a-z, 0-9, "-", "_"');
export const organizationNameSchema = z
  .string()
  .min(1)
  .max(80)
  .refine((n) => displayNameProblem(n) === undefined, 'must be a plain display name');
export const rolesSchema = z
  .array(z.string().regex(ROLE, 'must be 1-40 of a-z, 0-9, "_", ".", ":", "-", starting with a letter'))
  .max(MAX_ROLES)
  .refine((roles) => new Set(roles).size === roles.length, 'must not repeat a role');
export const domainsSchema = z
  .array(domain)
  .max(1000)
  .refine((d) => new Set(d).size === d.length, 'must not repeat a domain');

const organizationSchema = z.strictObject({
  id: organizationIdSchema,
  name: organizationNameSchema,
  domains: domainsSchema.optional(),
  connection: connectionId.optional(),
  members: z
    .array(z.strictObject({ email: z.email(), roles: rolesSchema.optional() }))
    .max(10_000)
    .optional(),
});

/** The list, with the rules across organizations: unique ids, and a domain in one organization only. */
export const organizationsSchema = z
  .array(organizationSchema)
  .max(1000)
  .superRefine((list, ctx) => {
    const ids = new Set<string>();
    const domains = new Map<string, string>();
    list.forEach((o, i) => {
      if (ids.has(o.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate "${o.id}"` });
      ids.add(o.id);
      for (const d of o.domains ?? []) {
        const owner = domains.get(d);
        if (owner !== undefined && owner !== o.id)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'domains'],
            message: `"${d}" already belongs to organization "${owner}"`,
          });
        domains.set(d, o.id);
      }
    });
  })
  .optional();

export function resolveOrganizations(o: { organizations?: OrganizationOptions[] }): ResolvedOrganization[] {
  return (o.organizations ?? []).map((org) => ({
    id: org.id,
    name: org.name,
    domains: [...(org.domains ?? [])],
    connection: org.connection ?? null,
    members: (org.members ?? []).map((m) => ({ email: m.email, roles: [...(m.roles ?? [])] })),
  }));
}
