import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions } from '../helpers/fixtures.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Oversized request bodies are refused without being buffered, whether declared or chunked. */
describe('request body limits', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer(baseOptions());
  });
  afterAll(() => srv.close());

  it('refuses a body that declares more than 64 KiB with 413', async () => {
    const response = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'a'.repeat(70 * 1024)}`,
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('stops reading a chunked body at 64 KiB and answers 413', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // An endless body: the server must stop it, not the client.
        if (sent > 10 * 1024 * 1024) return controller.close();
        sent += 16 * 1024;
        controller.enqueue(new TextEncoder().encode('a'.repeat(16 * 1024)));
      },
    });
    const response = await fetch(`${srv.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(10 * 1024 * 1024);
  });
});
