import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/cli.js';
import {
  checkSessions,
  openSessions,
  queryRows,
  runLoad,
  serveOnPort,
  sleep,
} from '../helpers/fault-load.js';
import { keepAliveAgent, killQuietly, type ServeProcess } from '../helpers/processes.js';
import type { TestServer } from '../helpers/server.js';
import { postgresBackend, sqliteBackend } from '../store/backends.js';

/**
 * Issue 15: `gatehouse serve` killed with SIGKILL in the middle of refresh and code-exchange load, then
 * started again on the same database and port, several times. Clients retry as real ones do (a refresh
 * whose response was cut is sent again with the token they still hold). Afterwards: no rotation a
 * client received is lost, none is doubled (a grant never has two live refresh tokens), no code is
 * redeemed twice, no client whose response was lost lost its session (the retry with the old token is
 * answered 200: src/grants/refresh-rotation.ts), and on SQLite `PRAGMA integrity_check` is ok.
 * GATEHOUSE_RELIABILITY_LONG=1 (npm run reliability:long) kills more often over a longer run.
 */

const LONG = process.env['GATEHOUSE_RELIABILITY_LONG'] === '1';
const KILLS = LONG ? 12 : 2;
const BETWEEN_KILLS_MS = LONG ? 4000 : 900;
const SESSIONS = 6;
const CODERS = 2;

describe.each([sqliteBackend(), postgresBackend()])('kill -9 under load on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it(
    'loses no received rotation, doubles none, redeems no code twice; a retry after a lost response keeps the session',
    async () => {
      const database = await backend.freshUrl();
      const port = await freePort();
      let current: { proc: ServeProcess; srv: TestServer } = await serveOnPort(database, port);
      const agent = keepAliveAgent();
      try {
        const sessions = await openSessions(current.srv, SESSIONS);
        const load = runLoad(() => current.srv, agent, sessions, CODERS);
        for (let kill = 0; kill < KILLS; kill++) {
          await sleep(BETWEEN_KILLS_MS);
          current.proc.child.kill('SIGKILL');
          expect((await current.proc.exited).signal).toBe('SIGKILL');
          current = await serveOnPort(database, port);
        }
        await sleep(BETWEEN_KILLS_MS);
        const stats = await load.stop();

        // Only successes and answers of a starting server: never 500, never invalid_grant for a
        // legitimate retry, no error page in the code flow.
        expect(sessions.flatMap((s) => s.failures)).toEqual([]);
        expect(stats.codeFailures).toEqual([]);
        expect(stats.statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
        // The kills did cut requests, and each cut refresh was retried with the old token and kept
        // its session (200), beyond the 10 s grace period clients used to have.
        const lost = sessions.reduce((n, s) => n + s.lost, 0);
        const retries = sessions.flatMap((s) => s.retriesAfterLoss);
        expect(lost).toBeGreaterThan(0);
        expect(retries.length).toBeGreaterThan(0);
        expect(retries.filter((status) => status !== 200)).toEqual([]);
        // The load was real: many rotations, and codes exchanged.
        expect(sessions.reduce((n, s) => n + s.received.length, 0)).toBeGreaterThan(KILLS * 20);
        expect(stats.codes.size).toBeGreaterThan(0);
        expect([...stats.codes].filter(([, ok]) => ok > 1)).toEqual([]);

        expect(await checkSessions(database, sessions)).toEqual([]);
        if (database.startsWith('sqlite:')) {
          const [check] = await queryRows<{ integrity_check: string }>(database, 'pragma integrity_check');
          expect(check?.integrity_check).toBe('ok');
        }
        console.info(
          `[kill -9 on ${backend.name}] ${KILLS} kills, ${stats.statuses.length} answers, ` +
            `${lost} refreshes cut and retried, ${stats.refused} refused at connect, ${stats.codes.size} codes`,
        );
      } finally {
        await agent.close();
        killQuietly(current.proc.child.exitCode === null ? current.proc.pid : undefined);
      }
    },
    LONG ? 600_000 : 120_000,
  );
});
