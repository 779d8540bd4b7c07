import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { GatehouseOptions } from '../../src/config/options.js';

/**
 * Instance B of GATEHOUSE_TEST_TOPOLOGY=two-instances: a second Gatehouse process (test/helpers/instance-b.mjs,
 * built dist/) with instance A's resolved options. JSON crosses the process boundary; what does not is
 * bridged: each function option (cimd.fetch, policy hooks, the mailer) is called back here through a
 * loopback HTTP bridge, a test clock is sent with each request by the proxy, and B's log lines are
 * written to the test's log destination.
 */
export const CLOCK_HEADER = 'x-gatehouse-test-clock';
const SCRIPT = join(import.meta.dirname, 'instance-b.mjs');

type Fn = (...args: unknown[]) => unknown;

export interface SplitOptions {
  json: Record<string, unknown>;
  functions: Map<string, Fn>;
  clock?: () => number;
  log?: { level: string; destination: { write(line: string): unknown } };
}

/** Separates the JSON part of the options from the functions, the clock and the log destination. */
export function splitOptions(options: Partial<GatehouseOptions>): SplitOptions {
  const { clock, logger, ...rest } = options;
  const functions = new Map<string, Fn>();
  const walk = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'function') {
      functions.set(JSON.stringify(path), value as Fn);
      return undefined;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]));
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return value;
  };
  const json = walk(rest, []) as Record<string, unknown>;
  const split: SplitOptions = { json, functions };
  if (clock) split.clock = clock;
  if (typeof logger === 'string') json['logger'] = logger;
  else if (logger && typeof logger === 'object' && 'destination' in logger) {
    split.log = { level: logger.level ?? 'info', destination: logger.destination as never };
  } else json['logger'] = false;
  return split;
}

/** Serves POST /call {path, args}: calls the function option at `path`, answers its result as JSON. */
async function startBridge(functions: Map<string, Fn>): Promise<{ origin: string; server: Server }> {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    let answer: unknown;
    try {
      const { path, args } = JSON.parse(body) as { path: string[]; args: unknown[] };
      const result = await functions.get(JSON.stringify(path))!(...args);
      if (result instanceof Response) {
        const bytes = result.body ? Buffer.from(await result.arrayBuffer()).toString('base64') : null;
        answer = {
          response: { status: result.status, headers: Object.fromEntries(result.headers), body: bytes },
        };
      } else answer = { value: result };
    } catch (error) {
      answer = { error: error instanceof Error ? error.message : String(error) };
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export interface InstanceB {
  origin: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts process B with `options` (instance A's, issuer included) and resolves once it listens. */
export async function startInstanceB(options: Partial<GatehouseOptions>): Promise<InstanceB> {
  const split = splitOptions(options);
  const bridge = split.functions.size > 0 ? await startBridge(split.functions) : undefined;
  const spec = {
    options: split.json,
    functions: [...split.functions.keys()].map((k) => JSON.parse(k) as string[]),
    bridge: bridge?.origin,
    clock: split.clock?.(),
    log: split.log?.level,
  };
  const child = spawn(process.execPath, [SCRIPT], {
    env: { ...process.env, GATEHOUSE_INSTANCE_SPEC: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    split.log?.destination.write(`${line}\n`);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let stderr = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      const ready = /READY (\S+)/.exec(stderr);
      if (ready) resolve(ready[1]!);
    });
    void exited.then(() => reject(new Error(`instance B exited before listening:\n${stderr}`)));
  });
  return {
    origin,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      if (bridge) await new Promise<void>((resolve) => bridge.server.close(() => resolve()));
    },
  };
}
