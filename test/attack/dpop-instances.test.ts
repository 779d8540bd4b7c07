import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpopKey } from '../helpers/dpop.js';
import { baseOptions } from '../helpers/fixtures.js';
import { authorize, redeem } from '../helpers/oauth.js';
import { startTwoInstances, type TestServer } from '../helpers/server.js';

/**
 * DPoP across instances (PostgreSQL, two Gatehouse processes behind a round-robin proxy; requests
 * alternate between them): a proof used at one instance is refused at the other (the jti is recorded
 * in the database, RFC 9449 §11.1), and a nonce handed out by one is accepted by the other (stateless,
 * §8). An in-memory replay cache or nonce store would fail both.
 */

describe('DPoP with two instances on one database', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTwoInstances(() => ({ ...baseOptions(), dpop: { requireNonce: true } }));
  }, 60_000);
  afterAll(() => srv?.close());

  it('a nonce from one instance is accepted by the other, and a proof used at one is refused at the other', async () => {
    const key = await dpopKey();
    const htu = `${srv.issuer}/token`;
    const first = await authorize(srv);
    const second = await authorize(srv);
    // One request per instance in turn: learn the nonce, then use it (at whichever instance answers).
    const challenge = await redeem(srv, first, {}, { dpop: await key.proof({ htm: 'POST', htu }) });
    expect(challenge.body.error).toBe('use_dpop_nonce');
    const nonce = challenge.headers.get('dpop-nonce')!;
    const proof = await key.proof({ htm: 'POST', htu, nonce });
    const responses = [];
    for (const auth of [first, second]) responses.push(await redeem(srv, auth, {}, { dpop: proof }));
    const statuses = responses.map((r) => [r.status, r.body.error ?? r.body.token_type]);
    // Two consecutive requests reach both instances: exactly one accepts the proof.
    expect(statuses).toContainEqual([200, 'DPoP']);
    expect(statuses).toContainEqual([400, 'invalid_dpop_proof']);
  });

  it('every instance accepts the nonce of the other', async () => {
    const key = await dpopKey();
    const htu = `${srv.issuer}/token`;
    for (let round = 0; round < 4; round++) {
      const auth = await authorize(srv);
      const challenge = await redeem(srv, auth, {}, { dpop: await key.proof({ htm: 'POST', htu }) });
      const nonce = challenge.headers.get('dpop-nonce')!;
      const ok = await redeem(srv, auth, {}, { dpop: await key.proof({ htm: 'POST', htu, nonce }) });
      expect([ok.status, ok.body.token_type]).toEqual([200, 'DPoP']);
    }
  });
});
