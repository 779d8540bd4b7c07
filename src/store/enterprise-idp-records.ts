/**
 * Trusted enterprise IdPs stored at run time (issue 17, migration 0015). The definition is the JSON of
 * one `enterprise.idps[]` entry of the configuration, checked by the same schema (config/enterprise.ts)
 * before it is written and again when it is read.
 */

export interface EnterpriseIdpRecord {
  /** The IdP's issuer, exactly as ID-JAGs carry it in `iss`; never one of the configuration's. */
  issuer: string;
  /** JSON of the entry as `enterprise.idps[]` in the configuration reads it. */
  definition: string;
  createdAt: number;
  updatedAt: number;
}

export interface EnterpriseIdpStore {
  /** Every stored IdP, oldest first (a handful: read whole and cached). */
  listEnterpriseIdps(): Promise<EnterpriseIdpRecord[]>;
  /** Inserts. Rejects with `UniqueViolation` if the issuer exists (of concurrent creators, one wins). */
  createEnterpriseIdp(record: EnterpriseIdpRecord): Promise<void>;
  /** Replaces the definition and updatedAt of `record.issuer`; false when there is none. */
  updateEnterpriseIdp(record: EnterpriseIdpRecord): Promise<boolean>;
  /** Deletes; false when there was none. */
  deleteEnterpriseIdp(issuer: string): Promise<boolean>;
}
