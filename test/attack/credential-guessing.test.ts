import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseOptions } from '../helpers/fixtures.js';
import { startServer, type TestServer } from '../helpers/server.js';

describe('guessing codes and tokens at the credential endpoints (checklist §4 attacks 14 and 45)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({
      ...baseOptions(),
      trustedProxies: ['127.0.0.1'],
      maxCredentialFailuresPerMinute: 20,
    });
  });
  afterAll(() => srv.close());

  const guess = (ip: string, i: number) =>
    fetch(`${srv.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'native-app',
        refresh_token: `ghr_${'A'.repeat(22)}.${String(i).padStart(43, 'B')}`,
      }),
    });

  it('answers 429 with Retry-After once one IP has presented too many invalid credentials; others are unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await guess('203.0.113.9', i)).status);
    expect(statuses.slice(0, 20)).toEqual(new Array(20).fill(400));
    expect(statuses.slice(20)).toEqual(new Array(5).fill(429));
    const blocked = await guess('203.0.113.9', 99);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as { error: string }).error).toBe('rate_limited');
    expect((await guess('198.51.100.4', 0)).status).toBe(400);
  });
});
