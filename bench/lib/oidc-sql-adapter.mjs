/**
 * A minimal SQL storage adapter for oidc-provider, so its storage-touching grants hit the same kind
 * of database as Gatehouse does (its bundled memory adapter is an LRU of 1,000 entries, which would
 * both flatter it and evict pre-minted codes). One table, one row per model instance, JSON payload;
 * the access pattern the oidc-provider docs describe for adapters (find by id / uid / userCode,
 * consume, destroy, revoke by grant). SQLite through better-sqlite3 (WAL, synchronous=NORMAL,
 * prepared statements: as fast as that library goes) or PostgreSQL through a pg pool of 10.
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const DDL = [
  `create table if not exists oidc_payloads (
     type text not null, id text not null, payload text not null, grant_id text, user_code text,
     uid text, expires_at bigint, consumed_at bigint, primary key (type, id))`,
  'create index if not exists oidc_payloads_grant on oidc_payloads (grant_id)',
  'create index if not exists oidc_payloads_uid on oidc_payloads (type, uid)',
];

function sqliteDriver(file) {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  for (const statement of DDL) db.exec(statement);
  const s = {
    upsert: db.prepare(
      `insert into oidc_payloads (type, id, payload, grant_id, user_code, uid, expires_at)
       values (?, ?, ?, ?, ?, ?, ?) on conflict (type, id) do update set payload = excluded.payload,
       grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid,
       expires_at = excluded.expires_at`,
    ),
    find: db.prepare('select payload, expires_at, consumed_at from oidc_payloads where type = ? and id = ?'),
    findUid: db.prepare(
      'select payload, expires_at, consumed_at from oidc_payloads where type = ? and uid = ?',
    ),
    findUserCode: db.prepare(
      'select payload, expires_at, consumed_at from oidc_payloads where type = ? and user_code = ?',
    ),
    consume: db.prepare('update oidc_payloads set consumed_at = ? where type = ? and id = ?'),
    destroy: db.prepare('delete from oidc_payloads where type = ? and id = ?'),
    revoke: db.prepare('delete from oidc_payloads where grant_id = ?'),
  };
  return {
    upsert: async (...v) => void s.upsert.run(...v),
    find: async (type, id) => s.find.get(type, id),
    findUid: async (type, uid) => s.findUid.get(type, uid),
    findUserCode: async (type, code) => s.findUserCode.get(type, code),
    consume: async (type, id, at) => void s.consume.run(at, type, id),
    destroy: async (type, id) => void s.destroy.run(type, id),
    revoke: async (grantId) => void s.revoke.run(grantId),
    close: async () => db.close(),
  };
}

async function postgresDriver(url) {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  for (const statement of DDL) await pool.query(statement);
  const one = async (name, text, values) => (await pool.query({ name, text, values })).rows[0];
  const cols = 'payload, expires_at::float8 as expires_at, consumed_at::float8 as consumed_at';
  return {
    upsert: (type, id, payload, grantId, userCode, uid, expiresAt) =>
      one(
        'oidc_upsert',
        `insert into oidc_payloads (type, id, payload, grant_id, user_code, uid, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (type, id) do update set payload = excluded.payload,
         grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid,
         expires_at = excluded.expires_at`,
        [type, id, payload, grantId, userCode, uid, expiresAt],
      ),
    find: (type, id) =>
      one('oidc_find', `select ${cols} from oidc_payloads where type = $1 and id = $2`, [type, id]),
    findUid: (type, uid) =>
      one('oidc_find_uid', `select ${cols} from oidc_payloads where type = $1 and uid = $2`, [type, uid]),
    findUserCode: (type, code) =>
      one('oidc_find_uc', `select ${cols} from oidc_payloads where type = $1 and user_code = $2`, [
        type,
        code,
      ]),
    consume: (type, id, at) =>
      one('oidc_consume', 'update oidc_payloads set consumed_at = $1 where type = $2 and id = $3', [
        at,
        type,
        id,
      ]),
    destroy: (type, id) =>
      one('oidc_destroy', 'delete from oidc_payloads where type = $1 and id = $2', [type, id]),
    revoke: (grantId) => one('oidc_revoke', 'delete from oidc_payloads where grant_id = $1', [grantId]),
    close: () => pool.end(),
  };
}

/** Returns an oidc-provider adapter class bound to `database` ("sqlite:<file>" or "postgres://…"). */
export async function sqlAdapter(database) {
  const driver = database.startsWith('sqlite:')
    ? sqliteDriver(database.slice('sqlite:'.length))
    : await postgresDriver(database);
  const now = () => Math.floor(Date.now() / 1000);
  const decode = (row) => {
    if (!row || (row.expires_at && Number(row.expires_at) <= now())) return undefined;
    const payload = JSON.parse(row.payload);
    return row.consumed_at ? { ...payload, consumed: Number(row.consumed_at) } : payload;
  };
  class SqlAdapter {
    constructor(name) {
      this.name = name;
    }
    async upsert(id, payload, expiresIn) {
      const expiresAt = expiresIn ? now() + expiresIn : null;
      await driver.upsert(
        this.name,
        id,
        JSON.stringify(payload),
        payload.grantId ?? null,
        payload.userCode ?? null,
        payload.uid ?? null,
        expiresAt,
      );
    }
    async find(id) {
      return decode(await driver.find(this.name, id));
    }
    async findByUid(uid) {
      return decode(await driver.findUid(this.name, uid));
    }
    async findByUserCode(userCode) {
      return decode(await driver.findUserCode(this.name, userCode));
    }
    async consume(id) {
      await driver.consume(this.name, id, now());
    }
    async destroy(id) {
      await driver.destroy(this.name, id);
    }
    async revokeByGrantId(grantId) {
      await driver.revoke(grantId);
    }
  }
  return { Adapter: SqlAdapter, close: driver.close };
}
