/**
 * Which Gatehouse user an upstream identity signs in as (docs/sign-in.md, "Linking"):
 * 1. the user it is linked to (issuer + sub: OIDC Core §5.7, the only stable identifier);
 * 2. else an existing user with the asserted e-mail, only when the provider asserts
 *    `email_verified: true` and the connection trusts it (`trustEmailVerified`); any other match is a
 *    collision, never a silent link (the person must sign in with the password to link: link.ts);
 * 3. else a new user (just in time) when the connection allows sign-up.
 * `email_verified` of a Gatehouse user becomes true here only from a trusted assertion of that address.
 */
import type { ResolvedConnection } from '../config/connections.js';
import type { Context } from '../context.js';
import { hasInvisibleCharacters } from '../display-name.js';
import { OAuthError } from '../errors.js';
import { dropUnverifiedAccess } from '../operations/email-verification.js';
import { UniqueViolation, type UserRecord } from '../store/types.js';
import { USER_SUBJECT_PREFIX } from '../subjects.js';
import { randomToken } from '../tokens/crypto.js';
import { isEmailAddress, normaliseEmail } from '../users.js';

export interface UpstreamIdentity {
  issuer: string;
  subject: string;
  /** Normalised; undefined when the provider sent none (or not a string). */
  email: string | undefined;
  /** True only when the provider's claim is the JSON value true. */
  emailVerified: boolean;
}

export type AccountOutcome =
  | { kind: 'user'; user: UserRecord; how: 'linked_before' | 'linked_by_verified_email' | 'signed_up' }
  | { kind: 'collision'; email: string };

/** A password hash no password matches (not a PHC string): a JIT user signs in through the provider. */
const NO_PASSWORD = '!upstream';

function refuse(message: string, detail: string): never {
  throw new OAuthError('forbidden', message, { detail });
}

/** Whether the connection lets this assertion vouch for the address. */
function trusted(c: ResolvedConnection, identity: UpstreamIdentity): boolean {
  return c.trustEmailVerified && identity.emailVerified;
}

export function assertDomainAllowed(c: ResolvedConnection, email: string | undefined): void {
  if (c.domains.length === 0) return;
  const domain = email?.slice(email.lastIndexOf('@') + 1);
  if (!domain || !c.domains.includes(domain)) {
    refuse(
      `Your e-mail address is not in a domain allowed to sign in with ${c.name}.`,
      `connection ${c.id}: domain ${domain ?? '(no e-mail)'} not allowed`,
    );
  }
}

/**
 * A trusted provider's assertion that proves the address of an account nobody had proven yet marks it
 * verified and ends a possible pre-hijack (operations/email-verification.ts): someone may have
 * registered this address first, so the password chosen then stops working (the owner sets one through
 * "Forgot password?") and the identities, sessions and grants attached meanwhile are dropped.
 */
async function markVerified(
  ctx: Context,
  user: UserRecord,
  identity: UpstreamIdentity,
  c: ResolvedConnection,
) {
  if (user.emailVerified || !trusted(c, identity) || identity.email !== normaliseEmail(user.email))
    return user;
  const hadPassword = user.passwordHash.startsWith('$');
  await ctx.store.updateUser(user.id, { emailVerified: true, passwordHash: NO_PASSWORD });
  const dropped = await dropUnverifiedAccess(ctx, user, `e-mail proven by ${c.name}`);
  await ctx.audit({
    type: 'user.email_verified',
    userId: user.id,
    actor: `connection:${c.id}`,
    detail: { ...dropped, passwordCleared: hadPassword },
  });
  return { ...user, emailVerified: true, passwordHash: NO_PASSWORD };
}

function activeOrRefuse(user: UserRecord | undefined, c: ResolvedConnection): UserRecord {
  if (!user || user.disabledAt !== null)
    refuse('This account is disabled.', `connection ${c.id}: linked user missing or disabled`);
  return user;
}

export async function link(
  ctx: Context,
  c: ResolvedConnection,
  identity: UpstreamIdentity,
  user: UserRecord,
) {
  try {
    await ctx.store.createLinkedIdentity({
      issuer: identity.issuer,
      subject: identity.subject,
      connectionId: c.id,
      userId: user.id,
      email: identity.email ?? null,
      createdAt: ctx.now(),
      lastUsedAt: ctx.now(),
    });
  } catch (error) {
    if (!(error instanceof UniqueViolation)) throw error;
    const existing = await ctx.store.getLinkedIdentity(identity.issuer, identity.subject);
    if (existing?.userId !== user.id)
      refuse(
        `This ${c.name} account is already linked to another account.`,
        `connection ${c.id}: linked elsewhere`,
      );
  }
}

export async function resolveAccount(
  ctx: Context,
  c: ResolvedConnection,
  identity: UpstreamIdentity,
): Promise<AccountOutcome> {
  assertDomainAllowed(c, identity.email);
  const linked = await ctx.store.getLinkedIdentity(identity.issuer, identity.subject);
  if (linked) {
    const user = activeOrRefuse(await ctx.store.getUserById(linked.userId), c);
    await ctx.store.touchLinkedIdentity(identity.issuer, identity.subject, ctx.now());
    const proven = await markVerified(ctx, user, identity, c);
    // Proving the address dropped every link made before it, this one included: it is the proof.
    if (proven !== user) await link(ctx, c, identity, proven);
    return { kind: 'user', user: proven, how: 'linked_before' };
  }
  const email = identity.email;
  if (!email || !isEmailAddress(email) || hasInvisibleCharacters(email)) {
    refuse(
      `${c.name} did not share a usable e-mail address, so no account could be found or created.`,
      `connection ${c.id}: no usable e-mail ${c.type === 'oidc' ? `claim "${c.claims.email}"` : 'attribute or NameID'}`,
    );
  }
  const existing = await ctx.store.getUserByEmail(email);
  if (existing) {
    const user = activeOrRefuse(existing, c);
    if (!trusted(c, identity)) return { kind: 'collision', email: user.email };
    const proven = await markVerified(ctx, user, identity, c);
    await link(ctx, c, identity, proven);
    return { kind: 'user', user: proven, how: 'linked_by_verified_email' };
  }
  if (!c.signup) {
    refuse(
      `There is no account for ${email} here, and new accounts cannot be created with ${c.name}. Ask your administrator.`,
      `connection ${c.id}: sign-up off`,
    );
  }
  return signUp(ctx, c, identity, email);
}

async function signUp(
  ctx: Context,
  c: ResolvedConnection,
  identity: UpstreamIdentity,
  email: string,
): Promise<AccountOutcome> {
  const user: UserRecord = {
    id: `${USER_SUBJECT_PREFIX}${randomToken(16)}`,
    email,
    passwordHash: NO_PASSWORD,
    admin: false,
    emailVerified: trusted(c, identity),
    createdAt: ctx.now(),
    disabledAt: null,
  };
  try {
    await ctx.store.createUser(user);
  } catch (error) {
    // Someone signed up with this address meanwhile: the same rule as an existing account.
    if (error instanceof UniqueViolation) return resolveAccount(ctx, c, identity);
    throw error;
  }
  await link(ctx, c, identity, user);
  return { kind: 'user', user, how: 'signed_up' };
}
