import type { ResolvedEnterpriseIdp } from '../config/enterprise.js';
import type { Context } from '../context.js';
import { hasInvisibleCharacters } from '../display-name.js';
import { OAuthError } from '../errors.js';
import type { UserRecord } from '../store/types.js';
import { USER_SUBJECT_PREFIX } from '../subjects.js';
import { randomToken } from '../tokens/crypto.js';
import type { IdJagClaims } from '../tokens/id-jag.js';
import { isEmailAddress, normaliseEmail } from '../users.js';

/**
 * Which Gatehouse user an ID-JAG speaks for, per IdP (`enterprise.idps[].subject`, DESIGN §4):
 * - "sub": the identity (issuer, sub) linked to a user — the same links upstream OpenID sign-in keeps
 *   (gatehouse_linked_identities; OIDC Core §2: iss and sub together identify an account; draft-ietf-
 *   oauth-identity-assertion-authz-grant §6: sub is unique only within its issuer);
 * - "email": the existing user whose e-mail is the ID-JAG's `email` and verified at Gatehouse (an
 *   unverified address could have been registered by someone else, ahead of its owner);
 * - either way, with `signup`, a user created just in time from `email` (and linked for "sub").
 * A disabled user is refused. Every refusal is invalid_grant (RFC 6749 §5.2).
 */

/** A user created here signs in only through the IdP: no password can match this hash. */
const NO_PASSWORD = '!enterprise';

const refuse = (description: string) => new OAuthError('invalid_grant', description);

export async function userForIdJag(
  ctx: Context,
  idp: ResolvedEnterpriseIdp,
  claims: IdJagClaims,
): Promise<UserRecord> {
  const user = idp.subject === 'sub' ? await bySubject(ctx, idp, claims) : await byEmail(ctx, idp, claims);
  if (user.disabledAt !== null) throw refuse('the user of this assertion is disabled');
  return user;
}

async function bySubject(ctx: Context, idp: ResolvedEnterpriseIdp, claims: IdJagClaims): Promise<UserRecord> {
  const linked = await ctx.store.getLinkedIdentity(claims.iss, claims.sub);
  if (linked) {
    const user = await ctx.store.getUserById(linked.userId);
    if (!user) throw refuse('the user of this assertion no longer exists');
    await ctx.store.touchLinkedIdentity(claims.iss, claims.sub, ctx.now());
    return user;
  }
  if (!idp.signup) throw refuse('no user is linked to this assertion subject at this IdP');
  const user = await createUser(ctx, usableEmail(claims));
  try {
    await ctx.store.createLinkedIdentity({
      issuer: claims.iss,
      subject: claims.sub,
      connectionId: 'enterprise',
      userId: user.id,
      email: user.email,
      createdAt: ctx.now(),
      lastUsedAt: ctx.now(),
    });
  } catch (error) {
    // A concurrent first use linked it meanwhile; the user just created stays unlinked and unusable.
    if (!isUniqueViolation(error)) throw error;
    return bySubject(ctx, { ...idp, signup: false }, claims);
  }
  return user;
}

async function byEmail(ctx: Context, idp: ResolvedEnterpriseIdp, claims: IdJagClaims): Promise<UserRecord> {
  const email = usableEmail(claims);
  const existing = await ctx.store.getUserByEmail(email);
  if (existing) {
    if (!existing.emailVerified)
      throw refuse('the user with the e-mail of this assertion has not verified it at this server');
    return existing;
  }
  if (!idp.signup) throw refuse('no user has the e-mail of this assertion');
  try {
    return await createUser(ctx, email);
  } catch (error) {
    if (isUniqueViolation(error)) return byEmail(ctx, { ...idp, signup: false }, claims);
    throw error;
  }
}

function usableEmail(claims: IdJagClaims): string {
  const email = claims.email === undefined ? undefined : normaliseEmail(claims.email);
  if (!email || !isEmailAddress(email) || hasInvisibleCharacters(email))
    throw refuse('the assertion has no usable email claim');
  return email;
}

/** Just in time: the operator trusts the IdP's word for its users' addresses, so it counts as verified. */
async function createUser(ctx: Context, email: string): Promise<UserRecord> {
  const user: UserRecord = {
    id: `${USER_SUBJECT_PREFIX}${randomToken(16)}`,
    email,
    passwordHash: NO_PASSWORD,
    admin: false,
    emailVerified: true,
    createdAt: ctx.now(),
    disabledAt: null,
  };
  await ctx.store.createUser(user);
  return user;
}

/** The store's UniqueViolation (store/types.ts), known by name: grants import the store's types only. */
function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && error.name === 'UniqueViolation';
}
