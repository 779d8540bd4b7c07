import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, type Dispatcher, request } from 'undici';
import { resolveConfig } from '../../src/config/resolve.js';
import { BIN, freePort, tempDir } from './cli.js';
import { baseOptions } from './fixtures.js';
import type { TestServer } from './server.js';
import { TEST_SECRET } from './server.js';

/**
 * `gatehouse serve` as a real child process (built dist/: `npm run build` first), and keep-alive load
 * whose every request is classified: answered, refused at connect, or dropped after it was sent. For
 * the reliability suites (SIGTERM under load, worker supervision, kill -9).
 */

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  origin: string;
  port: number;
  /** The configuration written to the config file (issuer, port, database included). */
  config: Record<string, unknown>;
  dir: string;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Its JSON log lines (pino, one object a line) so far. */
  logs(): Record<string, unknown>[];
  /** Resolves when a log line (or any output line) matches; rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The configuration the suites serve: the HTTP suites' clients (fixtures.ts baseOptions: `native-app`
 * with refresh tokens, `machine` with client_credentials, the user ada@example.com), on `database`.
 */
export function serveConfig(
  port: number,
  database: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ...baseOptions(),
    issuer: `http://127.0.0.1:${port}`,
    port,
    database,
    secret: TEST_SECRET,
    logger: 'info',
    // The suites send refused requests from 127.0.0.1 only; the throttles have their own attack tests.
    rejectionThrottle: { maxRejections: 1_000_000 },
    ...extra,
  };
}

/** Starts `gatehouse serve --config … [--workers N]` and resolves once it printed its ready line. */
export async function startServe(
  database: string,
  options: { extra?: Record<string, unknown>; workers?: number; timeoutMs?: number } = {},
): Promise<ServeProcess> {
  const dir = await tempDir();
  const port = await freePort();
  const config = serveConfig(port, database, options.extra);
  const file = join(dir, 'gatehouse.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  const args = [
    'serve',
    '--config',
    file,
    ...(options.workers ? ['--workers', String(options.workers)] : []),
  ];
  const env = {
    ...process.env,
    GATEHOUSE_SECRET: '',
    GATEHOUSE_DATABASE_URL: '',
    GATEHOUSE_ISSUER: '',
    PORT: '',
  };
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    out += chunk;
    for (const wake of waiters) wake();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      let ended = false;
      const check = () => {
        const line = out.split('\n').find((l) => pattern.test(l));
        if (line === undefined) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; output:\n${out}`));
      }, timeoutMs);
      const done = () => {
        ended = true;
        clearTimeout(timer);
        waiters.delete(check);
      };
      void exited.then(() => {
        if (ended) return;
        check();
        if (ended) return;
        done();
        reject(new Error(`exited before output matching ${pattern}; output:\n${out}`));
      });
      waiters.add(check);
      check();
    });
  await waitFor(/Gatehouse ready/, options.timeoutMs ?? 40_000);
  return {
    child,
    pid: child.pid!,
    origin: `http://127.0.0.1:${port}`,
    port,
    config,
    dir,
    output: () => out,
    logs: () => parseLogLines(out),
    waitFor,
    exited,
  };
}

export function parseLogLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/**
 * A stand-in TestServer for the protocol helpers of oauth.ts (obtainTokens, refresh…), which read the
 * endpoints from `srv.gh.config` and the origin: here the child process's, resolved from its config.
 */
export function asTestServer(proc: ServeProcess): TestServer {
  const config = resolveConfig({ ...proc.config, logger: false } as never);
  return {
    gh: { config } as TestServer['gh'],
    issuer: config.issuer,
    origin: proc.origin,
    close: async () => {},
  };
}

/** A keep-alive client pool, as a load balancer or an SDK keeps one. */
export function keepAliveAgent(connections = 16): Agent {
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000 });
}

/** What became of one request. */
export type Sent =
  | { kind: 'answered'; status: number; connection: string | undefined; body: string }
  /** Refused at connect (ECONNREFUSED): it never reached a server, so a client retries it elsewhere. */
  | { kind: 'refused'; code: string }
  /** Sent, then the connection was reset or closed before a complete response: lost. */
  | { kind: 'dropped'; code: string; message: string };

/** POSTs a form through `dispatcher` and classifies the outcome (never throws). */
export async function sendForm(
  dispatcher: Dispatcher,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Sent> {
  try {
    const response = await request(url, {
      dispatcher,
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    const body = await response.body.text();
    const connection = response.headers['connection'];
    return {
      kind: 'answered',
      status: response.statusCode,
      connection: connection as string | undefined,
      body,
    };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'UNKNOWN';
    const message = (error as Error).message;
    if (code === 'ECONNREFUSED') return { kind: 'refused', code };
    return { kind: 'dropped', code, message };
  }
}

/** Kills a process if it is still running (cleanup); never throws. */
export function killQuietly(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
