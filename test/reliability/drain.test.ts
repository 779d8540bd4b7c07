import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen } from '../../src/adapters/node.js';
import { createGatehouse, type Gatehouse } from '../../src/gatehouse.js';
import { freePort } from '../helpers/cli.js';
import { baseOptions } from '../helpers/fixtures.js';
import { MACHINE_AUTH } from '../helpers/oauth.js';
import { TEST_SECRET, testDatabase } from '../helpers/server.js';

/**
 * Issue 15: the drain of src/adapters/node.ts, request by request (the load test is sigterm.test.ts):
 * pipelined requests are all answered before the connection closes; a request on a connection that was
 * idle when the drain began is answered with `Connection: close`, not reset; only the deadline cuts,
 * and says so; and `Gatehouse.close()` waits for the requests in its handlers.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(): Promise<{ gh: Gatehouse; listening: Listening; port: number }> {
  const port = await freePort();
  const database = await testDatabase();
  const gh = await createGatehouse({
    ...baseOptions(),
    issuer: `http://127.0.0.1:${port}`,
    secret: TEST_SECRET,
    database: database.url,
    logger: false,
  });
  const listening = await listen(gh, { port, host: '127.0.0.1' });
  cleanups.push(async () => {
    await listening.drain(0);
    await gh.close();
    await database.cleanup();
  });
  return { gh, listening, port };
}

/** A raw connection that collects what it receives and whether it closed. */
function rawConnection(
  port: number,
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, received: () => received, closed }));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('data', (d) => {
      received += d;
    });
    socket.on('error', () => {});
  });
}

const statusLines = (text: string) => text.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? [];
const connectionHeaders = (text: string) =>
  (text.match(/^connection: .*$/gim) ?? []).map((h) => h.toLowerCase());

describe('draining a node:http server', () => {
  it('answers every pipelined request already received; only the last response says Connection: close', async () => {
    const { listening, port } = await start();
    const conn = await rawConnection(port);
    let drained: ReturnType<Listening['drain']> | undefined;
    // The drain begins as soon as the first of the three requests is being handled.
    listening.server.prependOnceListener('request', () => {
      drained = listening.drain(5000);
    });
    conn.socket.write('GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
    await conn.closed;
    expect(statusLines(conn.received())).toEqual(Array(3).fill('HTTP/1.1 200 OK'));
    // The first two keep the connection (no close: HTTP/1.1's default); the third closes it.
    const responses = conn.received().split(/(?=HTTP\/1\.1 )/);
    expect(responses.map((r) => connectionHeaders(r))).toEqual([[], [], ['connection: close']]);
    expect(await drained).toEqual({ cutRequests: 0, closedIdle: 0 });
  });

  it('answers a request sent on a connection that was idle when the drain began, with Connection: close', async () => {
    const { listening, port } = await start();
    const conn = await rawConnection(port);
    conn.socket.write('GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\n');
    while (statusLines(conn.received()).length < 1) await new Promise((r) => setTimeout(r, 10));
    const drained = listening.drain(5000);
    // A new connection is refused; the open one still gets its answer.
    await expect(fetch(`http://127.0.0.1:${port}/.well-known/oauth-authorization-server`)).rejects.toThrow();
    conn.socket.write('GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\n');
    await conn.closed;
    expect(statusLines(conn.received())).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(connectionHeaders(conn.received())).toEqual(['connection: keep-alive', 'connection: close']);
    expect(await drained).toEqual({ cutRequests: 0, closedIdle: 0 });
  });

  it('cuts only at the deadline, and counts a request in progress apart from an idle connection', async () => {
    const { listening, port } = await start();
    const idle = await rawConnection(port);
    idle.socket.write('GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\n');
    while (statusLines(idle.received()).length < 1) await new Promise((r) => setTimeout(r, 10));
    const slow = await rawConnection(port);
    slow.socket.write(
      'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant',
    );
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const result = await listening.drain(400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(result).toEqual({ cutRequests: 1, closedIdle: 1 });
    await Promise.all([idle.closed, slow.closed]);
  });
});

describe('Gatehouse.close() while requests are in progress', () => {
  it('waits for them (each is answered, none fails on a closed database), then answers 503', async () => {
    const { gh } = await start();
    const form = () =>
      new Request('http://127.0.0.1/token', {
        method: 'POST',
        headers: { authorization: MACHINE_AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=todos.read',
      });
    const inFlight = Array.from({ length: 20 }, () => gh.fetch(form(), { remoteAddress: '127.0.0.1' }));
    const closed = gh.close();
    const late = await gh.fetch(form(), { remoteAddress: '127.0.0.1' });
    const statuses = await Promise.all(inFlight.map(async (p) => (await p).status));
    await closed;
    expect(statuses).toEqual(Array(20).fill(200));
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('1');
    expect(await late.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
