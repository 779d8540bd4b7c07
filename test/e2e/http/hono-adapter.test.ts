import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatehouse } from '../../../src/adapters/hono.js';
import { createGatehouse, type Gatehouse } from '../../../src/gatehouse.js';
import { baseOptions, MACHINE_SECRET, RESOURCE } from '../../helpers/fixtures.js';
import { TEST_SECRET, testDatabase } from '../../helpers/server.js';

describe('the Hono adapter', () => {
  let gh: Gatehouse;
  let server: ReturnType<typeof serve>;
  let origin: string;
  let database: Awaited<ReturnType<typeof testDatabase>>;

  beforeAll(async () => {
    const app = new Hono();
    let handler: ReturnType<typeof gatehouse> | undefined;
    app.use((c, next) => handler!(c, next));
    app.get('/hello', (c) => c.text('the app itself'));
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    database = await testDatabase();
    gh = await createGatehouse({
      ...baseOptions(),
      issuer: origin,
      secret: TEST_SECRET,
      database: database.url,
      logger: false,
    });
    handler = gatehouse(gh);
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await gh.close();
    await database.cleanup();
  });

  it('serves Gatehouse routes and passes every other path to the app', async () => {
    const metadata = (await (await fetch(`${origin}/.well-known/oauth-authorization-server`)).json()) as {
      issuer: string;
    };
    expect(metadata.issuer).toBe(origin);
    expect(await (await fetch(`${origin}/hello`)).text()).toBe('the app itself');
  });

  it('issues a client_credentials token through the adapter', async () => {
    const response = await fetch(`${origin}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { token_type: string }).token_type).toBe('Bearer');
  });
});
