import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../src/index.js';
import { baseOptions } from '../helpers/fixtures.js';
import {
  authorize,
  isActive,
  NATIVE_REDIRECT,
  pkce,
  query,
  redeem,
  refresh,
  tokenRequest,
  useServer,
  WEB_AUTH,
  WEB_REDIRECT,
} from '../helpers/oauth.js';
import { TEST_SECRET } from '../helpers/server.js';

/**
 * Authorization-code attacks (checklist §4 attacks 4–7; OAuth 2.1 §4.1.3, §7.5; RFC 7636; RFC 9700 §2.1.1,
 * §4.8.2).
 */

describe('authorization code attacks', () => {
  const srv = useServer();

  it('a replayed code is invalid_grant and the tokens issued from it are revoked', async () => {
    const auth = await authorize(srv());
    const first = await redeem(srv(), auth);
    expect(first.status).toBe(200);
    const replay = await redeem(srv(), auth);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expect(await isActive(srv(), first.body.access_token)).toBe(false);
    expect(await isActive(srv(), first.body.refresh_token)).toBe(false);
  });

  it('a replay with a wrong verifier is refused and revokes nothing', async () => {
    const auth = await authorize(srv());
    const first = await redeem(srv(), auth);
    expect(first.status).toBe(200);
    const replay = await redeem(srv(), { code: auth.code, verifier: pkce().verifier });
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expect(await isActive(srv(), first.body.access_token)).toBe(true);
    expect(await isActive(srv(), first.body.refresh_token)).toBe(true);
  });

  it('a code redeemed by another client is invalid_grant and stays usable by its own client', async () => {
    const auth = await authorize(srv());
    const stolen = await redeem(srv(), auth, { client_id: undefined }, { authorization: WEB_AUTH });
    expect([stolen.status, stolen.body.error]).toEqual([400, 'invalid_grant']);
    const publicOther = await redeem(srv(), auth, { client_id: 'post-app' });
    expect(publicOther.status).toBeGreaterThanOrEqual(400);
    expect((await redeem(srv(), auth)).status).toBe(200);
  });

  it('PKCE downgrade: a verifier for a code issued without a challenge is invalid_request', async () => {
    const auth = await authorize(srv(), {
      client_id: 'web-app',
      redirect_uri: WEB_REDIRECT,
      code_challenge: undefined,
      code_challenge_method: undefined,
    });
    const r = await redeem(
      srv(),
      auth,
      { client_id: undefined, redirect_uri: WEB_REDIRECT },
      { authorization: WEB_AUTH },
    );
    expect([r.status, r.body.error]).toEqual([400, 'invalid_request']);
  });

  it('a plain challenge is refused at the authorization endpoint with invalid_request', async () => {
    const { verifier } = pkce();
    const result = await authorize(srv(), { code_challenge: verifier, code_challenge_method: 'plain' });
    expect(query(result.location).error).toBe('invalid_request');
    expect(result.code).toBeNull();
  });

  it('a wrong verifier is invalid_grant; a missing verifier is invalid_request', async () => {
    const auth = await authorize(srv());
    const wrong = await redeem(srv(), { code: auth.code, verifier: pkce().verifier });
    expect([wrong.status, wrong.body.error]).toEqual([400, 'invalid_grant']);
    const missing = await redeem(srv(), auth, { code_verifier: undefined });
    expect([missing.status, missing.body.error]).toEqual([400, 'invalid_request']);
  });

  it('a 42-character verifier is refused even when the challenge matches it', async () => {
    const short = pkce('a'.repeat(42));
    const auth = await authorize(srv(), { code_challenge: short.challenge });
    const r = await redeem(srv(), { code: auth.code, verifier: short.verifier });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
  });

  it('a 129-character verifier, or one with characters outside the unreserved set, is refused', async () => {
    for (const verifier of ['a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)} `]) {
      const bad = pkce(verifier);
      const auth = await authorize(srv(), { code_challenge: bad.challenge });
      const r = await redeem(srv(), { code: auth.code, verifier });
      expect(r.status, verifier).toBe(400);
    }
  });

  it('verifiers of 43 and 128 characters are accepted (boundaries)', async () => {
    for (const verifier of ['A'.repeat(43), `${'-._~'.repeat(32)}`]) {
      const ok = pkce(verifier);
      const auth = await authorize(srv(), { code_challenge: ok.challenge });
      expect((await redeem(srv(), { code: auth.code, verifier })).status, verifier).toBe(200);
    }
  });

  it('15 parallel redemptions of one code: at most one 200, the rest invalid_grant, and no token survives the replays', async () => {
    const auth = await authorize(srv());
    const results = await Promise.all(Array.from({ length: 15 }, () => redeem(srv(), auth)));
    const ok = results.filter((r) => r.status === 200);
    // The store lets exactly one redemption consume the code; the replays then revoke its grant, or,
    // when they get there before the winner created it, make the winner fail too (OAuth 2.1 §4.1.3).
    expect(ok.length).toBeLessThanOrEqual(1);
    for (const r of results.filter((x) => x.status !== 200))
      expect([r.status, r.body.error]).toEqual([400, 'invalid_grant']);
    for (const r of ok) {
      expect(await isActive(srv(), r.body.access_token as string)).toBe(false);
      expect((await refresh(srv(), r.body.refresh_token as string)).body.error).toBe('invalid_grant');
    }
  });

  it('a code that was altered, or made up, is invalid_grant', async () => {
    const auth = await authorize(srv());
    const code = auth.code!;
    const altered = code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A');
    for (const c of [altered, 'ghc_madeup', `${code}x`, code.replace('ghc_', 'ghr_')]) {
      const r = await redeem(srv(), { code: c, verifier: auth.verifier });
      expect([r.status, r.body.error], c).toEqual([400, 'invalid_grant']);
    }
    expect((await redeem(srv(), auth)).status).toBe(200);
  });

  it('a refresh token presented as a code, or a code as a refresh token, is invalid_grant', async () => {
    const auth = await authorize(srv());
    const asRefresh = await tokenRequest(srv(), {
      grant_type: 'refresh_token',
      refresh_token: auth.code!,
      client_id: 'native-app',
    });
    expect(asRefresh.body.error).toBe('invalid_grant');
    const tokens = await redeem(srv(), auth);
    const asCode = await redeem(srv(), { code: tokens.body.refresh_token, verifier: auth.verifier });
    expect(asCode.body.error).toBe('invalid_grant');
  });
});

/**
 * The instance that issues a code keeps a copy of it (src/store/code-cache.ts) so its exchange is one
 * round trip. The copy must never make a spent code spendable: spent through another instance, the code
 * presented again to the issuing instance (whose copy still reads unconsumed) is a replay.
 */
describe('a code spent through another instance', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-two-instances-')), 'gatehouse.db');
  const shared = process.env['GATEHOUSE_TEST_DATABASE'] === 'postgres' ? {} : { database: `sqlite:${file}` };
  const srv = useServer(() => ({ ...baseOptions(), ...shared }));
  let other: Gatehouse;
  beforeAll(async () => {
    other = await createGatehouse({
      ...baseOptions(),
      issuer: srv().issuer,
      secret: TEST_SECRET,
      database: srv().gh.config.database,
      logger: false,
    });
  });
  afterAll(() => other.close());

  it('is a replay at the instance that issued it: invalid_grant, and the tokens issued from it revoked', async () => {
    const auth = await authorize(srv());
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: auth.code!,
      code_verifier: auth.verifier,
      client_id: 'native-app',
      redirect_uri: NATIVE_REDIRECT,
    });
    const spent = await other.fetch(
      new Request(srv().gh.config.endpoints.token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      }),
      { remoteAddress: '127.0.0.1' },
    );
    expect(spent.status).toBe(200);
    const tokens = (await spent.json()) as { access_token: string; refresh_token: string };
    const replay = await redeem(srv(), auth);
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expect(await isActive(srv(), tokens.access_token)).toBe(false);
    expect(await isActive(srv(), tokens.refresh_token)).toBe(false);
  });
});
