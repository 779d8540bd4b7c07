import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcrOptions, register } from '../helpers/dcr.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Sends `count` requests with at most `parallel` in flight; returns the statuses. */
async function flood(
  count: number,
  parallel: number,
  send: (i: number) => Promise<number>,
): Promise<number[]> {
  const statuses: number[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        statuses[i] = await send(i);
      }
    }),
  );
  return statuses;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('DCR flooding (checklist §4 attack 30)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    const frozen = Date.now();
    srv = await startServer({
      ...dcrOptions({ maxRegistrationsPerWindow: 25, maxRegistrationsGlobal: 400 }),
      // A frozen clock keeps each flood inside one rate-limit window however slow the machine is.
      clock: () => frozen,
      // The test speaks for many client IPs through a trusted proxy on loopback.
      trustedProxies: ['127.0.0.1'],
    });
  });
  afterAll(() => srv.close());

  const dcrRows = async () => (await srv.gh.store.listClients({ source: 'dcr', limit: 500 })).length;

  it('2,000 registrations from one IP create at most 25 clients; another IP still registers', async () => {
    const statuses = await flood(2000, 20, async (i) => {
      const result = await register(
        srv.issuer,
        { redirect_uris: [`http://127.0.0.1/cb${i}`], client_name: `flood ${i}` },
        { 'x-forwarded-for': '203.0.113.7' },
      );
      if (result.status === 429) expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
      return result.status;
    });
    expect(count(statuses, 201)).toBe(25);
    expect(count(statuses, 429)).toBe(1975);
    expect(await dcrRows()).toBe(25);
    const legit = await register(
      srv.issuer,
      { redirect_uris: ['http://127.0.0.1/legit'] },
      { 'x-forwarded-for': '198.51.100.20' },
    );
    expect(legit.status).toBe(201);
  }, 120_000);

  it('2,000 registrations from 2,000 IPs stop at the global ceiling; known clients re-registering are unaffected', async () => {
    const known = { redirect_uris: ['http://127.0.0.1/known'], client_name: 'Known tool' };
    const before = await register(srv.issuer, known, { 'x-forwarded-for': '198.51.100.30' });
    expect(before.status).toBe(201);
    const statuses = await flood(2000, 20, async (i) => {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      return (
        await register(
          srv.issuer,
          { redirect_uris: [`http://127.0.0.1/many${i}`] },
          { 'x-forwarded-for': ip },
        )
      ).status;
    });
    expect(count(statuses, 201) + count(statuses, 429)).toBe(2000);
    expect(await dcrRows()).toBeLessThanOrEqual(400);
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(2000 - 400);
    const again = await register(srv.issuer, known, { 'x-forwarded-for': '198.51.100.30' });
    expect(again.status).toBe(201);
    expect(again.body.client_id).toBe(before.body.client_id);
  }, 120_000);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const frozen = Date.now();
    const direct = await startServer({
      ...dcrOptions({ maxRegistrationsPerWindow: 2 }),
      clock: () => frozen,
    });
    try {
      const statuses = await flood(
        5,
        1,
        async (i) =>
          (
            await register(
              direct.issuer,
              { redirect_uris: [`http://127.0.0.1/x${i}`] },
              { 'x-forwarded-for': `192.0.2.${i}` },
            )
          ).status,
      );
      expect(statuses).toEqual([201, 201, 429, 429, 429]);
    } finally {
      await direct.close();
    }
  });
});
