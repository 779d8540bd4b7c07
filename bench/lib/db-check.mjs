/**
 * After a refresh-token run, compares what the clients saw with Gatehouse's table. Every chain is one
 * grant (its seed came from its own authorization code), so for each chain the grant must hold exactly
 * `ok + 1` refresh tokens (the seed plus one successor per 200 response), exactly one of them live
 * (neither rotated nor revoked), and that one must be the last token the client received.
 *   lost:    the database rotated more often than the client was told (a successor nobody holds)
 *   doubled: more live tokens than one, or fewer rows than successes (a rotation answered twice)
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const idOf = (token) => token.slice(4, 26); // ghr_<22-char id>.<secret>

async function query(database) {
  if (database.startsWith('sqlite:')) {
    const db = new BetterSqlite3(database.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    const grantOf = db.prepare('select grant_id from gatehouse_refresh_tokens where id = ?');
    const rows = db.prepare(
      'select id, rotated_at, revoked_at from gatehouse_refresh_tokens where grant_id = ?',
    );
    return {
      grantOf: async (id) => grantOf.get(id)?.grant_id,
      rows: async (grantId) => rows.all(grantId),
      close: async () => db.close(),
    };
  }
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  return {
    grantOf: async (id) =>
      (await client.query('select grant_id from gatehouse_refresh_tokens where id = $1', [id])).rows[0]
        ?.grant_id,
    rows: async (grantId) =>
      (
        await client.query(
          'select id, rotated_at, revoked_at from gatehouse_refresh_tokens where grant_id = $1',
          [grantId],
        )
      ).rows,
    close: () => client.end(),
  };
}

export async function checkRotations(database, chains) {
  const q = await query(database);
  const report = { chains: chains.length, rotations: 0, lost: 0, doubled: 0, staleLive: 0, failedChains: 0 };
  try {
    for (const chain of chains) {
      report.rotations += chain.ok;
      if (chain.failed) report.failedChains += 1;
      const grantId = await q.grantOf(idOf(chain.first));
      const rows = grantId ? await q.rows(grantId) : [];
      const live = rows.filter((r) => r.rotated_at === null && r.revoked_at === null);
      if (rows.length > chain.ok + 1) report.lost += rows.length - chain.ok - 1;
      if (rows.length < chain.ok + 1 || live.length > 1)
        report.doubled += Math.max(1, chain.ok + 1 - rows.length);
      if (!chain.failed && (live.length !== 1 || live[0].id !== idOf(chain.latest))) report.staleLive += 1;
    }
  } finally {
    await q.close();
  }
  report.ok = report.lost === 0 && report.doubled === 0 && report.staleLive === 0;
  return report;
}
