import type { ResolvedResource } from '../config/resolve.js';
import type { CimdCacheState } from '../lanes/cimd/service.js';
import { clientKeysOf } from '../lanes/client-keys.js';
import type {
  AuditEventRecord,
  ClientRecord,
  ClientSource,
  GrantRecord,
  SigningKeyRecord,
  UserRecord,
} from '../store/types.js';

/**
 * View models: the only shape in which stored records leave the operations layer. The admin API
 * serialises them as they are, the dashboard's pages render them, the CLI prints them. A credential
 * (client secret hash, password hash, private key) has no field here, so no surface can show one.
 */

/** A client as the admin surfaces show it: never the secret hash, only whether there is one. */
export type ClientView = Omit<ClientRecord, 'secretHash'> & { has_secret: boolean };

export function presentClient(client: ClientRecord): ClientView {
  const { secretHash, metadata, ...rest } = client;
  return { ...rest, has_secret: secretHash !== null, metadata };
}

/** A user as the admin surfaces show it: never the password hash. */
export type UserView = Omit<UserRecord, 'passwordHash'>;

export function presentUser(user: UserRecord): UserView {
  const { passwordHash: _hash, ...rest } = user;
  return rest;
}

/** Grants and audit events hold no credential: shown field for field. */
export type GrantView = GrantRecord;
export type AuditEventView = AuditEventRecord;
export type ClientLane = ClientSource;

/** private_key_jwt: where a client's keys are (RFC 7591 §2 jwks / jwks_uri), never the keys themselves. */
export interface ClientKeysView {
  jwks_uri: string | null;
  /** How many keys are registered inline (0 with a jwks_uri). */
  inlineKeys: number;
  signingAlg: string | null;
  /** A CIMD document that also offers `none` (PKCE only). */
  acceptsNone: boolean;
}

export function presentClientKeys(client: ClientRecord): ClientKeysView | null {
  const keys = clientKeysOf(client);
  if (!keys) return null;
  return {
    jwks_uri: keys.jwks_uri ?? null,
    inlineKeys: keys.jwks?.keys.length ?? 0,
    signingAlg: keys.token_endpoint_auth_signing_alg ?? null,
    acceptsNone: Boolean(keys.acceptsNone),
  };
}

/** The CIMD cache state of a client as the dashboard shows it. */
export interface CimdView {
  fetchedAt: number;
  expiresAt: number;
  pinned: boolean;
  document: unknown;
  pending?: { redirect_uris: string[]; fetchedAt: number };
}

export interface ClientDetailView {
  client: ClientView;
  keys: ClientKeysView | null;
  activeGrants: number;
  recentEvents: AuditEventView[];
  cimd: CimdView | null;
  /** The CIMD cache entry as stored (the admin API shows it whole: a public document and its state). */
  cimdCache: CimdCacheState | null;
}

export interface UserDetailView {
  user: UserView;
  grants: GrantView[];
  events: AuditEventView[];
}

export interface KeyView {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retiring';
  createdAt: number;
  retireAt: number | null;
  /** Active and retiring keys: when the key signs from (null: since it became active). */
  activateAt: number | null;
}

export function presentKey(k: SigningKeyRecord): KeyView {
  const { kid, alg, state, createdAt, retireAt, activateAt } = k;
  return { kid, alg, state, createdAt, retireAt, activateAt };
}

/** An editable protected resource (as the registry holds it now) with who changed it last. */
export type ResourceView = ResolvedResource & { updatedAt: number; updatedBy: string | null };

export interface Overview {
  clients: Record<ClientLane, { active: number; disabled: number }>;
  /** One entry per UTC day, oldest first, ending today. */
  days: { day: string; registrations: number; fetchFailures: number }[];
}
