/**
 * Organization administration, shared by the admin API, the dashboard and the CLI (none of them touches
 * the store), and the configuration's seeding at start. Organizations of the configuration are
 * rewritten on every start, so the surfaces refuse to delete them or to reuse their ids; their members
 * can be managed like any other's (a configured member's roles are written again at the next start).
 * Every change is audited with the acting administrator.
 */
import { z } from 'zod';
import type { ResolvedOrganization } from '../config/organizations.js';
import {
  connectionId,
  domainsSchema,
  organizationIdSchema,
  organizationNameSchema,
  rolesSchema,
} from '../config/organizations.js';
import { describeIssues } from '../config/schema.js';
import type { Context } from '../context.js';
import { OAuthError } from '../errors.js';
import type { OrganizationRecord, Store } from '../store/types.js';
import { UniqueViolation } from '../store/types.js';
import { normaliseEmail } from '../users.js';

/** The id and domain patterns, for the sign-in interaction (which does not read config/ itself). */
export { EMAIL_DOMAIN, ORGANIZATION_ID } from '../config/organizations.js';

export interface OrganizationView {
  id: string;
  name: string;
  domains: string[];
  connection: string | null;
  source: 'config' | 'admin';
  createdAt: number;
  updatedAt: number;
}

export interface MemberView {
  userId: string;
  email: string;
  roles: string[];
  createdAt: number;
}

export interface OrganizationDetailView {
  organization: OrganizationView;
  members: MemberView[];
}

/**
 * Writes the configuration's organizations (upsert: name, domains and connection replaced) and their
 * members that have an account (roles replaced). A domain already claimed by an organization an
 * administrator created stops the start with a message naming both.
 */
export async function seedOrganizations(
  store: Store,
  organizations: readonly ResolvedOrganization[],
  at: number,
): Promise<void> {
  for (const o of organizations) {
    const record: OrganizationRecord = {
      ...o,
      domains: [...o.domains],
      source: 'config',
      createdAt: at,
      updatedAt: at,
    };
    try {
      await store.upsertOrganization(record);
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      throw new Error(
        `organizations: a domain of "${o.id}" (${o.domains.join(', ')}) already belongs to another organization in the database; remove it there first`,
      );
    }
    for (const m of o.members) {
      const user = await store.getUserByEmail(normaliseEmail(m.email));
      if (!user) continue;
      await store.saveMembership({
        organizationId: o.id,
        userId: user.id,
        roles: m.roles,
        createdAt: at,
        updatedAt: at,
      });
    }
  }
}

function parseOr400<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new OAuthError('invalid_request', describeIssues(result.error));
  return result.data;
}

const newOrganizationSchema = z.strictObject({
  id: organizationIdSchema,
  name: organizationNameSchema,
  domains: domainsSchema.optional(),
  connection: connectionId.nullable().optional(),
});

const memberSchema = z.strictObject({
  email: z.email().max(254),
  roles: rolesSchema.optional(),
});

export type NewOrganizationInput = z.input<typeof newOrganizationSchema>;

function present(o: OrganizationRecord): OrganizationView {
  return { ...o, domains: [...o.domains] };
}

async function requireOrganization(ctx: Context, id: string): Promise<OrganizationRecord> {
  const o = await ctx.store.getOrganization(id);
  if (!o) throw new OAuthError('not_found', `no organization ${id}`);
  return o;
}

export async function listOrganizations(ctx: Context): Promise<OrganizationView[]> {
  return (await ctx.store.listOrganizations()).map(present);
}

export async function organizationDetail(ctx: Context, id: string): Promise<OrganizationDetailView> {
  const organization = present(await requireOrganization(ctx, id));
  const members = await ctx.store.listOrganizationMembers(id);
  return {
    organization,
    members: members.map((m) => ({
      userId: m.userId,
      email: m.email,
      roles: m.roles,
      createdAt: m.createdAt,
    })),
  };
}

/** Creates an organization; 409 when its id or one of its domains is taken. */
export async function createOrganization(
  ctx: Context,
  input: unknown,
  actor: string,
): Promise<OrganizationView> {
  const parsed = parseOr400(newOrganizationSchema, input);
  if (ctx.config.organizations.some((o) => o.id === parsed.id))
    throw new OAuthError('invalid_request', `id: "${parsed.id}" is a configured organization`, {
      status: 409,
    });
  const at = ctx.now();
  const record: OrganizationRecord = {
    id: parsed.id,
    name: parsed.name,
    domains: parsed.domains ?? [],
    connection: parsed.connection ?? null,
    source: 'admin',
    createdAt: at,
    updatedAt: at,
  };
  try {
    await ctx.store.createOrganization(record);
  } catch (error) {
    if (error instanceof UniqueViolation)
      throw new OAuthError(
        'invalid_request',
        'an organization with this id, or one of these domains, exists',
        {
          status: 409,
        },
      );
    throw error;
  }
  await ctx.audit({
    type: 'organization.created',
    actor,
    detail: { organization: record.id, domains: record.domains, connection: record.connection },
  });
  return present(record);
}

export async function deleteOrganization(ctx: Context, id: string, actor: string): Promise<void> {
  const o = await requireOrganization(ctx, id);
  if (o.source === 'config')
    throw new OAuthError('invalid_request', `"${id}" comes from the configuration; remove it there`, {
      status: 409,
    });
  await ctx.store.deleteOrganization(id);
  await ctx.audit({ type: 'organization.deleted', actor, detail: { organization: id } });
}

/** Adds the user with this e-mail to the organization, or replaces their roles. */
export async function addMember(
  ctx: Context,
  id: string,
  input: unknown,
  actor: string,
): Promise<MemberView> {
  const { email, roles = [] } = parseOr400(memberSchema, input);
  await requireOrganization(ctx, id);
  const user = await ctx.store.getUserByEmail(normaliseEmail(email));
  if (!user) throw new OAuthError('not_found', `no user with the e-mail ${email}`);
  const at = ctx.now();
  await ctx.store.saveMembership({
    organizationId: id,
    userId: user.id,
    roles,
    createdAt: at,
    updatedAt: at,
  });
  await ctx.audit({
    type: 'organization.member_saved',
    userId: user.id,
    actor,
    detail: { organization: id, roles },
  });
  const saved = await ctx.store.getMembership(id, user.id);
  return { userId: user.id, email: user.email, roles, createdAt: saved?.createdAt ?? at };
}

/**
 * Removes a member, named by user id or e-mail. Their grants in the organization stop refreshing (the
 * refresh grant checks the membership: grants/organization-claims.ts).
 */
export async function removeMember(ctx: Context, id: string, member: string, actor: string): Promise<void> {
  await requireOrganization(ctx, id);
  const user = member.includes('@')
    ? await ctx.store.getUserByEmail(normaliseEmail(member))
    : await ctx.store.getUserById(member);
  if (!user || !(await ctx.store.removeMembership(id, user.id)))
    throw new OAuthError('not_found', `${member} is not a member of ${id}`);
  await ctx.audit({
    type: 'organization.member_removed',
    userId: user.id,
    actor,
    detail: { organization: id },
  });
}
