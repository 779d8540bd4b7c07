/**
 * The one place that knows every upstream connection: the configuration's (read-only) and those stored
 * by administrators (connection-definitions.ts). Everything that needs a connection — the sign-in buttons, the
 * start/callback/link routes, home-realm discovery, the admin views — asks here, never
 * `ctx.config.connections`:
 * - `connectionsOf(ctx)`: all of them, configuration first (enabled or not);
 * - `findConnection(ctx, id)`: one by id;
 * - `enabledConnections(ctx)`: those that may be used (buttons, discovery);
 * - `connectionSource(ctx, id)`: "config" or "database".
 *
 * Stored ones are read whole and cached per instance for at most STORED_TTL_MS (cache/stored-copy.ts): a change made on this
 * instance counts at once (operations call `forgetStoredConnections`), one made on another instance
 * within that time. A read that began before a change is answered but not cached. A stored connection
 * keeps its resolved object while its row is unchanged, so the provider's discovery (provider.ts,
 * cached per object) is not redone at every refresh. A stored id that the configuration also uses is
 * ignored (the configuration wins; the operations refuse to create one).
 */

import { StoredCopy } from '../cache/stored-copy.js';
import type { ResolvedConnection } from '../config/connections.js';
import type { Context } from '../context.js';
import type { ConnectionDefinitionRecord } from '../store/types.js';
import { resolveStored } from './connection-definitions.js';

/** How long a copy of the stored connections is served before the database is read again. */
export const STORED_TTL_MS = 5_000;

export type ConnectionSource = 'config' | 'database';

interface Loaded {
  list: ResolvedConnection[];
  /** id → the row's version and what it resolved to. */
  rows: Map<string, { updatedAt: number; resolved: ResolvedConnection | undefined }>;
}

const copies = new StoredCopy<Loaded>(STORED_TTL_MS);

function resolveRow(
  ctx: Context,
  record: ConnectionDefinitionRecord,
  previous: Loaded['rows'],
): ResolvedConnection | undefined {
  const before = previous.get(record.id);
  if (before && before.updatedAt === record.updatedAt) return before.resolved;
  try {
    return resolveStored(ctx, record);
  } catch (error) {
    // A row this server cannot use (another secret, a schema that tightened): skipped, said once per version.
    ctx.log.warn(
      { connection: record.id, reason: (error as Error).message.slice(0, 200) },
      'stored connection ignored: it cannot be read or is no longer valid',
    );
    return undefined;
  }
}

async function load(ctx: Context, previous: Loaded | undefined): Promise<Loaded> {
  const records = await ctx.store.listConnectionDefinitions();
  const rows: Loaded['rows'] = new Map();
  const list: ResolvedConnection[] = [];
  for (const record of records) {
    if (ctx.config.connections.some((c) => c.id === record.id)) continue;
    const resolved = resolveRow(ctx, record, previous?.rows ?? new Map());
    rows.set(record.id, { updatedAt: record.updatedAt, resolved });
    if (resolved) list.push(resolved);
  }
  return { list, rows };
}

/** The stored connections (cached; see the header). */
export async function storedConnections(ctx: Context): Promise<readonly ResolvedConnection[]> {
  return (await copies.get(ctx.store, (previous) => load(ctx, previous))).list;
}

/** Every connection: the configuration's, then the stored ones (oldest first). */
export async function connectionsOf(ctx: Context): Promise<readonly ResolvedConnection[]> {
  const stored = await storedConnections(ctx);
  return stored.length === 0 ? ctx.config.connections : [...ctx.config.connections, ...stored];
}

export async function findConnection(ctx: Context, id: string): Promise<ResolvedConnection | undefined> {
  return (
    ctx.config.connections.find((c) => c.id === id) ?? (await storedConnections(ctx)).find((c) => c.id === id)
  );
}

/** The connections people may sign in with now (one button each; home-realm discovery). */
export async function enabledConnections(ctx: Context): Promise<ResolvedConnection[]> {
  return (await connectionsOf(ctx)).filter((c) => c.enabled);
}

export function connectionSource(ctx: Context, id: string): ConnectionSource {
  return ctx.config.connections.some((c) => c.id === id) ? 'config' : 'database';
}

/** After a change made here: the next read goes to the database, and reads already under way are not kept. */
export function forgetStoredConnections(ctx: Context): void {
  copies.forget(ctx.store);
}
