/**
 * Branding edited in the dashboard or through `PUT /admin/api/branding` (issue 16, migration 0016): one
 * settings row that overrides the configuration's `branding` while it exists.
 */

export interface BrandingRecord {
  /** JSON of the edited fields (src/branding/schema.ts brandingFieldsSchema), validated before storing. */
  settings: string;
  updatedAt: number;
  /** The administrator who saved it. */
  updatedBy: string | null;
}

export interface BrandingStore {
  /** The stored branding, or undefined while the configuration's applies. */
  getBranding(): Promise<BrandingRecord | undefined>;
  /** Inserts or replaces the one row. Concurrent writers: the last one wins. */
  putBranding(record: BrandingRecord): Promise<void>;
  /** Deletes the row (the configuration applies again); false when there was none. */
  deleteBranding(): Promise<boolean>;
}
