import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { hasInvisibleCharacters } from './display-name.js';
import { FIELD_LIMITS } from './http/limits.js';
import type { Store, UserRecord } from './store/types.js';
import { UniqueViolation } from './store/types.js';
import { USER_SUBJECT_PREFIX } from './subjects.js';
import { randomToken } from './tokens/crypto.js';

/**
 * Users of the hosted pages. Passwords are argon2id with the OWASP parameters (19 MiB, t=2, p=1).
 * User ids are `usr_…`, a namespace no client_id can take, so a user's `sub` never equals a client's.
 */

// Algorithm.Argon2id is a const enum (2), which isolated modules cannot read from a declaration file.
const ARGON2 = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = FIELD_LIMITS.password.max;

let dummyHash: Promise<string> | undefined;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * `local@domain.tld` as the sign-up form has always accepted it (no whitespace, one `@`, a dot inside
 * the domain), checked by scans that cannot backtrack, the length first (254: RFC 5321 §4.5.3.1.3, a
 * 256-octet path less its angle brackets). The pattern it replaces, /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
 * backtracked quadratically on a long domain of dots (seconds for 60 KB).
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > FIELD_LIMITS.email.max || /\s/.test(value)) return false;
  const at = value.indexOf('@');
  if (at < 1 || value.includes('@', at + 1)) return false;
  const domain = value.slice(at + 1);
  const dot = domain.indexOf('.', 1);
  return dot !== -1 && dot < domain.length - 1;
}

export function checkNewCredentials(email: string, password: string): string | undefined {
  // The address is shown to administrators and on consent pages: no invisible or bidi characters
  // that would let it read as someone else's (src/display-name.ts).
  if (!isEmailAddress(email) || hasInvisibleCharacters(email)) return 'Enter a valid email address.';
  if (password.length < MIN_PASSWORD_LENGTH)
    return `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return 'The password is too long.';
  return undefined;
}

export async function createUser(
  store: Store,
  input: { email: string; password: string; admin?: boolean; emailVerified?: boolean },
  at: number,
): Promise<UserRecord> {
  const problem = checkNewCredentials(normaliseEmail(input.email), input.password);
  if (problem) throw new Error(problem);
  const user: UserRecord = {
    id: `${USER_SUBJECT_PREFIX}${randomToken(16)}`,
    email: normaliseEmail(input.email),
    passwordHash: await hash(input.password, ARGON2),
    admin: input.admin ?? false,
    // OIDC Core §5.1: true only with proof of control or an operator's word; a sign-up has neither.
    emailVerified: input.emailVerified ?? false,
    createdAt: at,
    disabledAt: null,
  };
  await store.createUser(user);
  return user;
}

/** Creates seed users that do not exist yet; never changes existing ones. */
export async function seedUsers(
  store: Store,
  seeds: readonly { email: string; password: string; admin: boolean; emailVerified: boolean }[],
  at: number,
): Promise<void> {
  for (const seed of seeds) {
    if (await store.getUserByEmail(seed.email)) continue;
    try {
      await createUser(store, seed, at);
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
    }
  }
}

/**
 * The user whose password this is, or undefined. Unknown e-mails cost the same argon2 verification as
 * known ones, so response time does not reveal which accounts exist.
 */
export async function verifyCredentials(
  store: Store,
  email: string,
  password: string,
): Promise<UserRecord | undefined> {
  const user = await store.getUserByEmail(normaliseEmail(email));
  if (!user) {
    dummyHash ??= hash(randomToken(16), ARGON2);
    await verify(await dummyHash, password).catch(() => false);
    return undefined;
  }
  const ok = await verify(user.passwordHash, password).catch(() => false);
  return ok && user.disabledAt === null ? user : undefined;
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}
