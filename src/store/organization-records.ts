/**
 * Organizations, their e-mail domains and their members (issue 16; migrations-organizations.ts).
 * An organization comes from the configuration (`source: "config"`, rewritten on every start) or from
 * an administrator (`"admin"`); memberships come from either, and from a sign-in through the
 * organization's own connection.
 */

export type OrganizationSource = 'config' | 'admin';

export interface OrganizationRecord {
  /** `org_…`-style identifier; the access token's `org_id`. */
  id: string;
  name: string;
  /** Lower-case e-mail domains; each belongs to one organization at most (home-realm discovery). */
  domains: string[];
  /** The connection people of these domains sign in with; null: they use a password. */
  connection: string | null;
  source: OrganizationSource;
  createdAt: number;
  updatedAt: number;
}

export interface MembershipRecord {
  organizationId: string;
  userId: string;
  /** Short role names (config/organizations.ts ROLE), in the order given. */
  roles: string[];
  createdAt: number;
  updatedAt: number;
}

/** A user's membership with the organization's name (the picker's rows). */
export interface UserMembership extends MembershipRecord {
  organizationName: string;
}

/** A member of one organization with the user's e-mail (the admin surfaces' rows). */
export interface OrganizationMember extends MembershipRecord {
  email: string;
}

export interface OrganizationStore {
  /** Every organization with its domains, ordered by id (a few hundred at most: read whole). */
  listOrganizations(): Promise<OrganizationRecord[]>;
  getOrganization(id: string): Promise<OrganizationRecord | undefined>;
  /** The organization claiming this (lower-case) domain, if any. One indexed read. */
  getOrganizationByDomain(domain: string): Promise<OrganizationRecord | undefined>;
  /**
   * Inserts the organization and its domains in one transaction. Rejects with `UniqueViolation`,
   * writing nothing, if the id or any domain is taken (of concurrent creators, one wins).
   */
  createOrganization(organization: OrganizationRecord): Promise<void>;
  /**
   * Inserts or replaces (name, connection, domains, source, updatedAt; createdAt and members are kept),
   * in one transaction: configuration seeding. Rejects with `UniqueViolation`, changing nothing, if a
   * domain belongs to another organization. Concurrent writers of one id: the last one wins.
   */
  upsertOrganization(organization: OrganizationRecord): Promise<void>;
  /** Deletes the organization, its domains and its memberships (one transaction); false when absent. */
  deleteOrganization(id: string): Promise<boolean>;
  /**
   * Inserts the membership or replaces its roles (createdAt kept). One upsert: concurrent writers of
   * one (organization, user) leave one row, the last writer's roles. Rejects if either does not exist.
   */
  saveMembership(membership: MembershipRecord): Promise<void>;
  /** Deletes one membership; false when there was none. */
  removeMembership(organizationId: string, userId: string): Promise<boolean>;
  getMembership(organizationId: string, userId: string): Promise<MembershipRecord | undefined>;
  /** The user's memberships with each organization's name, ordered by organization name (one read). */
  listUserMemberships(userId: string): Promise<UserMembership[]>;
  /** The organization's members with their e-mails, ordered by e-mail (one read). */
  listOrganizationMembers(organizationId: string): Promise<OrganizationMember[]>;
}
