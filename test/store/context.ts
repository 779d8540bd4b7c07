/** Shared state handed to each part of the store suite (filled in by store.test.ts's beforeAll). */
import type { KyselyStore } from '../../src/store/kysely-store.js';
import { migrationProvider } from '../../src/store/migrations.js';
import type { Store } from '../../src/store/types.js';
import type { Backend } from './backends.js';

export interface SuiteContext {
  backend: Backend;
  /** URL of the suite's shared, migrated database. */
  url: string;
  /** The main instance (a PostgreSQL pool of 20, so parallel calls really run in parallel). */
  store: Store;
  /** A second, independent instance on the same database (another pool / another SQLite connection). */
  other: Store;
  /** Opens another instance (closed by the suite's afterAll). */
  open(url: string): Promise<Store>;
  /** A new, empty, migrated database, for tests that need a table to start empty. */
  freshStore(): Promise<Store>;
}

/** The tests inspect tables directly through the Kysely handle of the one implementation. */
export const raw = (store: Store) => (store as KyselyStore).db;

/** How many migrations a fully migrated database records (each applied exactly once). */
export const MIGRATION_COUNT = Object.keys(await migrationProvider('sqlite').getMigrations()).length;
