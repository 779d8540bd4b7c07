import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Listening, listen } from '../../src/adapters/node.js';
import { createGatehouse, type Gatehouse } from '../../src/gatehouse.js';
import { freePort } from '../helpers/cli.js';
import { baseOptions } from '../helpers/fixtures.js';
import { TEST_SECRET, testDatabase } from '../helpers/server.js';

/**
 * Issue 15: slow clients (slowloris) cannot hold connections. A client that trickles its headers is
 * cut at `server.headersTimeout`, one that trickles its body at `server.requestTimeout` (node:http
 * answers 408 and closes), and the server answers everyone else meanwhile. Small timeouts here (1 s
 * and 2 s); the defaults (10 s and 30 s) are checked to be what `listen` applies.
 */

const HEADERS_MS = 1000;
const REQUEST_MS = 2000;
/** node:http checks on an interval (adapters/node.ts applyTimeouts: a quarter of the shorter timeout). */
const SLACK_MS = 700;

async function start(server?: Record<string, number>) {
  const port = await freePort();
  const database = await testDatabase();
  const gh = await createGatehouse({
    ...baseOptions(),
    issuer: `http://127.0.0.1:${port}`,
    secret: TEST_SECRET,
    database: database.url,
    logger: false,
    ...(server ? { server } : {}),
  });
  const listening = await listen(gh, { port, host: '127.0.0.1' });
  return { gh, listening, port, database };
}

/** Opens a connection, writes `first`, then `drip` every 100 ms; resolves with what came back and when it closed. */
function trickle(port: number, first: string, drip: string): Promise<{ ms: number; received: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = '';
    const socket: Socket = connect(port, '127.0.0.1', () => {
      socket.write(first);
      const timer = setInterval(() => socket.writable && socket.write(drip), 100);
      socket.once('close', () => {
        clearInterval(timer);
        resolve({ ms: Date.now() - started, received });
      });
    });
    socket.on('data', (d) => {
      received += d;
    });
    socket.on('error', () => {}); // a reset after the 408 is still a close
    setTimeout(() => reject(new Error('the slow client was never cut')), 15_000).unref();
  });
}

/** Metadata requests every 100 ms while `during` runs: every one must be answered 200 quickly. */
async function othersServed(origin: string, during: Promise<unknown>): Promise<number[]> {
  let done = false;
  void during.finally(() => {
    done = true;
  });
  const times: number[] = [];
  while (!done) {
    const started = Date.now();
    const response = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    times.push(Date.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return times;
}

describe('slow clients are cut at the configured timeouts', () => {
  let gh: Gatehouse;
  let listening: Listening;
  let port: number;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const started = await start({ headersTimeout: HEADERS_MS / 1000, requestTimeout: REQUEST_MS / 1000 });
    ({ gh, listening, port } = started);
    cleanup = started.database.cleanup;
  });
  afterAll(async () => {
    await listening.drain(0);
    await gh.close();
    await cleanup();
  });

  it('a client trickling its headers is answered 408 and cut at headersTimeout, while others are served', async () => {
    const slow = trickle(
      port,
      'GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n',
      'X-Slow: a\r\n',
    );
    const times = await othersServed(listening.url, slow);
    const { ms, received } = await slow;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(ms).toBeLessThan(HEADERS_MS + SLACK_MS);
    expect(times.length).toBeGreaterThan(3);
    expect(Math.max(...times)).toBeLessThan(500);
  });

  it('a client trickling its body is answered 408 and cut at requestTimeout, while others are served', async () => {
    const head =
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=';
    const slow = trickle(port, head, 'a');
    const times = await othersServed(listening.url, slow);
    const { ms, received } = await slow;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    expect(ms).toBeLessThan(REQUEST_MS + SLACK_MS);
    expect(Math.max(...times)).toBeLessThan(500);
  });

  it('fifty slow clients at once are all cut, and the server keeps answering', async () => {
    const slow = Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        trickle(port, `GET /jwks HTTP/1.1\r\nHost: x\r\nX-N: ${i}\r\n`, 'X-Slow: a\r\n'),
      ),
    );
    const times = await othersServed(listening.url, slow);
    for (const { ms } of await slow) expect(ms).toBeLessThan(HEADERS_MS + SLACK_MS);
    expect(Math.max(...times)).toBeLessThan(500);
  });
});

describe('the default timeouts', () => {
  it('listen applies 10 s for headers, 30 s for the whole request and 5 s keep-alive', async () => {
    const { gh, listening, database } = await start();
    try {
      expect(listening.server.headersTimeout).toBe(10_000);
      expect(listening.server.requestTimeout).toBe(30_000);
      expect(listening.server.keepAliveTimeout).toBe(5000);
    } finally {
      await listening.drain(0);
      await gh.close();
      await database.cleanup();
    }
  });

  it('a headers timeout longer than the request timeout is refused at start-up, naming the option', async () => {
    await expect(
      createGatehouse({
        issuer: 'http://127.0.0.1:4000',
        secret: TEST_SECRET,
        database: 'sqlite::memory:',
        logger: false,
        server: { headersTimeout: 60, requestTimeout: 30 },
      }),
    ).rejects.toThrow('server.headersTimeout: must not exceed server.requestTimeout');
  });
});
