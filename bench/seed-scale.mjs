#!/usr/bin/env node
import { createHash } from 'node:crypto';
/**
 * Fills a migrated Gatehouse database with `rows` clients, users, grants and refresh tokens (one each
 * per i), so the token and authorize measurements can be repeated against large tables.
 *   node bench/seed-scale.mjs --database sqlite:.tmp/big.db --rows 1000000
 *   node bench/seed-scale.mjs --database postgres://postgres@127.0.0.1:5432/big --rows 1000000
 * The rows are generated inside the database (a recursive CTE on SQLite, generate_series on
 * PostgreSQL), in batches of 50,000 per transaction: no per-row round trips. Every seeded client is a
 * confidential first-party client (secret SEED_SECRET) allowed all three grants, so the benchmark can
 * pick any of them at random; users get a fixed, never-used password hash.
 */
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { REDIRECT_URI, RESOURCE } from './lib/common.mjs';

export const SEED_SECRET = 'seed-client-secret-0123456789-abcdefghijklmn';
export const seedClientId = (i) => `seed-client-${String(i).padStart(7, '0')}`;
const BATCH = 50_000;
const HASH = createHash('sha256').update(SEED_SECRET).digest('base64url');
const PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c2VlZHNlZWRzZWVkc2VlZA$0000000000000000000000000000000000000000000';

/** The INSERT … SELECT bodies; `$I` is the padded counter expression, `$N` the now() constant. */
function statements(pad, now) {
  const id = (prefix) => `'${prefix}' || ${pad}`;
  return [
    `insert into gatehouse_clients (client_id, source, client_name, redirect_uris, post_logout_redirect_uris,
       grant_types, response_types, token_endpoint_auth_method, application_type, scope, resources, introspect,
       first_party, secret_hash, metadata, created_at, updated_at)
     select ${id('seed-client-')}, 'preregistered', ${id('Seed client ')}, '["${REDIRECT_URI}"]', '[]',
       '["authorization_code","refresh_token","client_credentials"]', '["code"]', 'client_secret_basic', 'web',
       null, '[]', '[]', 1, '${HASH}', '{}', ${now}, ${now}`,
    `insert into gatehouse_users (id, email, email_lower, password_hash, admin, created_at)
     select ${id('usr_seed')}, ${id('seed')} || '@example.com', ${id('seed')} || '@example.com', '${PASSWORD_HASH}', 0, ${now}`,
    `insert into gatehouse_grants (id, user_id, client_id, scope, resource, session_id, auth_time, created_at)
     select ${id('grt_seed')}, ${id('usr_seed')}, ${id('seed-client-')}, 'todos.read todos.write', '${RESOURCE}', null, ${now}, ${now}`,
    `insert into gatehouse_refresh_tokens (id, secret_hash, grant_id, client_id, scope, resource, created_at, expires_at)
     select ${id('seedrt')}, '${HASH}', ${id('grt_seed')}, ${id('seed-client-')}, 'todos.read todos.write', '${RESOURCE}',
       ${now}, ${now + 14 * 86400_000}`,
  ];
}

async function seedSqlite(file, rows) {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const now = Date.now();
  const prepared = statements("printf('%07d', i)", now).map((body) => {
    const [head, select] = body.split(/\n\s*select /);
    return db.prepare(
      `${head} with recursive s(i) as (select ? union all select i + 1 from s where i < ?) select ${select} from s`,
    );
  });
  const batch = db.transaction((from, to) => {
    for (const statement of prepared) statement.run(from, to);
  });
  for (let from = 0; from < rows; from += BATCH) batch(from, Math.min(rows, from + BATCH) - 1);
  db.exec('analyze');
  db.close();
}

async function seedPostgres(url, rows) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const now = Date.now();
  const prepared = statements("lpad(i::text, 7, '0')", now).map((body) => {
    const [head, select] = body.split(/\n\s*select /);
    return `${head} select ${select} from generate_series($1::int, $2::int) as i`;
  });
  try {
    for (let from = 0; from < rows; from += BATCH) {
      await client.query('begin');
      for (const text of prepared) await client.query(text, [from, Math.min(rows, from + BATCH) - 1]);
      await client.query('commit');
    }
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** Seeds `rows` of each kind into a migrated database; returns the seconds it took. */
export async function seed(database, rows) {
  const started = performance.now();
  if (database.startsWith('sqlite:')) await seedSqlite(database.slice('sqlite:'.length), rows);
  else await seedPostgres(database, rows);
  return (performance.now() - started) / 1000;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { database: { type: 'string' }, rows: { type: 'string', default: '1000000' } },
  });
  if (!values.database) {
    console.error('usage: node bench/seed-scale.mjs --database <sqlite:FILE|postgres://…> [--rows N]');
    process.exit(2);
  }
  const { migrate } = await import('./lib/servers.mjs');
  await migrate(values.database);
  const seconds = await seed(values.database, Number(values.rows));
  console.log(`seeded ${values.rows} clients, users, grants and refresh tokens in ${seconds.toFixed(1)} s`);
}
