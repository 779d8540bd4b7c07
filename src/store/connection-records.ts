/** Records and verbs of upstream identity connections (issue 16; migrations-connections.ts). */
import type { ConnectionDefinitionStore } from './connection-definition-records.js';

export * from './connection-definition-records.js';

/** A sign-in sent to an upstream provider, waiting for its callback. */
export interface ConnectionStateRecord {
  /** SHA-256 (base64url) of the `state` sent to the provider: the value itself is never stored. */
  id: string;
  connectionId: string;
  /** SHA-256 of the browser-binding cookie's value. */
  bindingHash: string;
  /** The sealed pending authorization request, carried back unchanged. */
  interaction: string | null;
  /** A same-origin dashboard path to continue to (no authorization request). */
  returnTo: string | null;
  /** Set when a signed-in user links this provider explicitly: the user to link to. */
  linkUserId: string | null;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

/** An upstream identity (issuer + sub) linked to a Gatehouse user. */
export interface LinkedIdentityRecord {
  issuer: string;
  subject: string;
  /** The connection it was linked through (for display; the identity is the issuer's). */
  connectionId: string;
  userId: string;
  /** The e-mail the provider asserted when it was linked (display only). */
  email: string | null;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface ConnectionStore extends ConnectionDefinitionStore {
  createConnectionState(state: ConnectionStateRecord): Promise<void>;
  getConnectionState(id: string): Promise<ConnectionStateRecord | undefined>;
  /**
   * Consumes state `id` if it is bound to `bindingHash`, unconsumed and `expiresAt > at`; returns it,
   * or undefined (nothing written). Atomic: of any number of concurrent callers, at most one gets it.
   */
  consumeConnectionState(
    id: string,
    bindingHash: string,
    at: number,
  ): Promise<ConnectionStateRecord | undefined>;
  getLinkedIdentity(issuer: string, subject: string): Promise<LinkedIdentityRecord | undefined>;
  /** Inserts a link. Rejects with `UniqueViolation` if (issuer, subject) is linked already. */
  createLinkedIdentity(identity: LinkedIdentityRecord): Promise<void>;
  listLinkedIdentities(userId: string): Promise<LinkedIdentityRecord[]>;
  touchLinkedIdentity(issuer: string, subject: string, at: number): Promise<void>;
  /** Removes the user's link; false when there was none. */
  deleteLinkedIdentity(userId: string, issuer: string, subject: string): Promise<boolean>;
}
