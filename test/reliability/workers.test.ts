import { request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { MACHINE_AUTH } from '../helpers/oauth.js';
import { killQuietly, type ServeProcess, startServe } from '../helpers/processes.js';
import { postgresBackend, sqliteBackend } from '../store/backends.js';

/**
 * Issue 15: `serve --workers N` supervises its workers. A worker killed with SIGKILL is replaced (after
 * a back-off, logged with the worker, its signal and the delay) while the other keeps serving; workers
 * that keep crashing make the primary give up and exit 1 with a clear message, so the service manager
 * sees the failure. On an SQLite file (the workers share it) and on PostgreSQL.
 */

const SLOW = 120_000;

/** A client_credentials request on a new connection (each one may reach any worker). */
function clientCredentials(proc: ServeProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${proc.origin}/token`,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: MACHINE_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('grant_type=client_credentials&scope=todos.read');
  });
}

/** The pid of each worker that said it is ready, in order. */
function readyPids(proc: ServeProcess): number[] {
  return proc
    .logs()
    .filter((l) => typeof l['msg'] === 'string' && / is ready$/.test(l['msg'] as string))
    .map((l) => l['pid'] as number);
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string, proc: ServeProcess) {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`${what} not within ${timeoutMs} ms; output:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each([sqliteBackend(), postgresBackend()])('serve --workers 2 on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it(
    'replaces a worker killed with SIGKILL, logs it, keeps serving, and still stops cleanly on SIGTERM',
    async () => {
      const proc = await startServe(await backend.freshUrl(), { workers: 2 });
      try {
        await waitUntil(() => readyPids(proc).length === 2, 10_000, 'two ready workers', proc);
        const [victim, survivor] = readyPids(proc) as [number, number];
        expect(await clientCredentials(proc)).toBe(200);

        process.kill(victim, 'SIGKILL');
        const exited = () => proc.logs().find((l) => l['pid'] === victim && l['signal'] === 'SIGKILL');
        await waitUntil(() => exited() !== undefined, 5000, 'the exit logged', proc);
        // The survivor serves while the victim is replaced.
        for (let i = 0; i < 10; i++) expect(await clientCredentials(proc)).toBe(200);
        await waitUntil(() => readyPids(proc).length === 3, 15_000, 'a replacement worker', proc);
        const replacement = readyPids(proc)[2]!;
        expect([victim, survivor]).not.toContain(replacement);
        const exit = exited();
        expect(exit, proc.output()).toMatchObject({
          level: 50,
          worker: expect.any(Number),
          restartInMs: 100,
        });
        expect(exit!['msg']).toMatch(
          /^worker \d \(pid \d+\) exited with signal SIGKILL; restarting it in 100 ms$/,
        );
        for (let i = 0; i < 10; i++) expect(await clientCredentials(proc)).toBe(200);

        proc.child.kill('SIGTERM');
        const { code } = await proc.exited;
        expect(code, proc.output()).toBe(0);
        expect(proc.logs().filter((l) => l['msg'] === 'stopped')).toHaveLength(2);
        expect(proc.logs().at(-1)).toMatchObject({ msg: 'every worker has stopped', exitCode: 0 });
      } finally {
        killQuietly(proc.child.exitCode === null ? proc.pid : undefined);
        for (const pid of readyPids(proc)) killQuietly(pid);
      }
    },
    SLOW,
  );
});

// Once is enough for the crash budget, which never touches the database.
describe('serve --workers 2 with workers that keep crashing', () => {
  const backend = sqliteBackend();
  afterAll(() => backend.cleanup());

  it(
    'gives up and exits 1 with one clear line when workers keep crashing (server.maxWorkerRestarts)',
    async () => {
      const proc = await startServe(await backend.freshUrl(), {
        workers: 2,
        extra: { server: { maxWorkerRestarts: 2, workerRestartWindow: 60 } },
      });
      try {
        await waitUntil(() => readyPids(proc).length === 2, 10_000, 'two ready workers', proc);
        // Crash the newest worker each time one becomes ready: three crashes, two restarts allowed.
        for (let crash = 1; crash <= 3; crash++) {
          const pids = readyPids(proc);
          process.kill(pids.at(-1)!, 'SIGKILL');
          if (crash < 3)
            await waitUntil(() => readyPids(proc).length === pids.length + 1, 15_000, 'a replacement', proc);
        }
        const { code } = await proc.exited;
        expect(code, proc.output()).toBe(1);
        const stderr = proc
          .output()
          .split('\n')
          .filter((l) => l.startsWith('gatehouse: '));
        expect(stderr).toEqual([
          expect.stringMatching(
            /^gatehouse: workers crashed 3 times within 60 s \(the last: worker \d, signal SIGKILL\), more than server\.maxWorkerRestarts \(2\); stopping$/,
          ),
        ]);
        // The restarts backed off: 100 ms, then 200 ms.
        const delays = proc
          .logs()
          .flatMap((l) => (typeof l['restartInMs'] === 'number' ? [l['restartInMs']] : []));
        expect(delays).toEqual([100, 200]);
        // The surviving worker drained and stopped; nothing was left running.
        expect(proc.logs().filter((l) => l['msg'] === 'stopped')).toHaveLength(1);
      } finally {
        killQuietly(proc.child.exitCode === null ? proc.pid : undefined);
        for (const pid of readyPids(proc)) killQuietly(pid);
      }
    },
    SLOW,
  );
});
