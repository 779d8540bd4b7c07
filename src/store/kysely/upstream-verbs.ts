/**
 * The verbs of sign-in through other parties and of the page frame (issue 16 and 17): upstream
 * connections' states and linked identities (connection-records.ts), trusted enterprise IdPs
 * (enterprise-idp-records.ts) and the branding row (branding-records.ts), as a base class of
 * KyselyStore so that file stays one screen of wiring. Each verb's concurrency rule is in its record
 * file's doc comment; the SQL is in ./connections.ts, ./enterprise-idps.ts and ./branding.ts.
 */
import type { BrandingRecord } from '../branding-records.js';
import type { ConnectionStateRecord, LinkedIdentityRecord } from '../connection-records.js';
import type { EnterpriseIdpRecord } from '../enterprise-idp-records.js';
import * as branding from './branding.js';
import { ConnectionDefinitionVerbs } from './connection-definitions.js';
import * as connections from './connections.js';
import type { StoreContext } from './context.js';
import * as idps from './enterprise-idps.js';

export class UpstreamVerbs extends ConnectionDefinitionVerbs {
  protected readonly upstreamCtx: StoreContext;

  constructor(ctx: StoreContext) {
    super(ctx);
    this.upstreamCtx = ctx;
  }

  // ── branding (one settings row) ──────────────────────────────────────────
  getBranding(): Promise<BrandingRecord | undefined> {
    return branding.getBranding(this.upstreamCtx);
  }
  putBranding(record: BrandingRecord): Promise<void> {
    return branding.putBranding(this.upstreamCtx, record);
  }
  deleteBranding(): Promise<boolean> {
    return branding.deleteBranding(this.upstreamCtx);
  }

  // ── enterprise IdPs (enterprise-idp-records.ts) ──────────────────────────
  listEnterpriseIdps = () => idps.listEnterpriseIdps(this.upstreamCtx);
  createEnterpriseIdp = (r: EnterpriseIdpRecord) => idps.createEnterpriseIdp(this.upstreamCtx, r);
  updateEnterpriseIdp = (r: EnterpriseIdpRecord) => idps.updateEnterpriseIdp(this.upstreamCtx, r);
  deleteEnterpriseIdp = (issuer: string) => idps.deleteEnterpriseIdp(this.upstreamCtx, issuer);

  // ── upstream connections (issue 16) ─────────────────────────────────────
  createConnectionState(state: ConnectionStateRecord): Promise<void> {
    return connections.createConnectionState(this.upstreamCtx, state);
  }
  getConnectionState(id: string): Promise<ConnectionStateRecord | undefined> {
    return connections.getConnectionState(this.upstreamCtx, id);
  }
  consumeConnectionState(
    id: string,
    binding: string,
    at: number,
  ): Promise<ConnectionStateRecord | undefined> {
    return connections.consumeConnectionState(this.upstreamCtx, id, binding, at);
  }
  getLinkedIdentity(issuer: string, subject: string): Promise<LinkedIdentityRecord | undefined> {
    return connections.getLinkedIdentity(this.upstreamCtx, issuer, subject);
  }
  createLinkedIdentity(identity: LinkedIdentityRecord): Promise<void> {
    return connections.createLinkedIdentity(this.upstreamCtx, identity);
  }
  listLinkedIdentities(userId: string): Promise<LinkedIdentityRecord[]> {
    return connections.listLinkedIdentities(this.upstreamCtx, userId);
  }
  touchLinkedIdentity(issuer: string, subject: string, at: number): Promise<void> {
    return connections.touchLinkedIdentity(this.upstreamCtx, issuer, subject, at);
  }
  deleteLinkedIdentity(userId: string, issuer: string, subject: string): Promise<boolean> {
    return connections.deleteLinkedIdentity(this.upstreamCtx, userId, issuer, subject);
  }
}
