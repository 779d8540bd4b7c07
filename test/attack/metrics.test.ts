import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { authorizationUrl, DocumentHost } from '../helpers/cimd.js';
import { register } from '../helpers/dcr.js';
import { baseOptions, CONFIDENTIAL_SECRET, MACHINE_SECRET, USER } from '../helpers/fixtures.js';
import { MACHINE_AUTH, obtainTokens, refresh, tokenRequest, WEB_AUTH } from '../helpers/oauth.js';
import { type Exposition, scrape } from '../helpers/prometheus.js';
import { startServer, TEST_SECRET, type TestServer } from '../helpers/server.js';

/**
 * Hostile input against the metrics (docs/security.md): every label value comes from a fixed list or
 * the route table, so a flood of made-up client_ids, paths, methods, grant types and metadata adds no
 * series; and no credential the server handles ever appears in the exposition.
 */

const SCRAPE_TOKEN = 'scrape-token-attack-0123456789-abcdefghij';
const AUTH = { authorization: `Bearer ${SCRAPE_TOKEN}` };

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function start(host = new DocumentHost()): Promise<TestServer> {
  srv = await startServer({
    ...baseOptions(),
    dcr: { enabled: true, maxRegistrationsGlobal: 100_000, maxRegistrationsPerWindow: 25_000 },
    cimd: { enabled: true, fetch: host.fetch },
    metrics: { enabled: true, processMetrics: false, token: SCRAPE_TOKEN },
  });
  return srv;
}

const seriesCount = (e: Exposition) => e.samples.size;
const junk = () => randomBytes(6).toString('hex');

/** One round of requests that each carry values an attacker chooses freely. */
async function hostileRound(s: TestServer, tag: string): Promise<void> {
  const origin = s.origin;
  await Promise.all([
    fetch(`${origin}/${tag}/${junk()}?client_id=${tag}`),
    fetch(`${s.issuer}/admin/api/clients/${tag}`),
    // Node's HTTP parser takes only methods it knows: WebDAV's are the unusual ones that reach Gatehouse.
    fetch(`${s.issuer}/token`, { method: ['PROPFIND', 'MKCOL', 'LOCK'][tag.length % 3]! }),
    tokenRequest(s, { grant_type: `urn:evil:${tag}` }, { authorization: MACHINE_AUTH }),
    tokenRequest(s, { grant_type: 'client_credentials', client_id: `bogus-${tag}`, client_secret: tag }),
    tokenRequest(s, { grant_type: 'authorization_code', code: `ghc_${tag}.${tag}`, client_id: 'native-app' }),
    register(s.issuer, { redirect_uris: [`https://${tag}.example/cb`], client_name: tag }),
    register(s.issuer, { redirect_uris: [`ftp://${tag}.example/cb`] }),
    fetch(
      (await authorizationUrl(s.issuer, `https://${tag}.example/client.json`, 'http://127.0.0.1/cb')).url,
      {
        redirect: 'manual',
      },
    ),
    fetch(`${s.issuer}/authorize?client_id=${tag}&response_type=${tag}`, { redirect: 'manual' }),
  ]);
}

describe('metrics under hostile input', () => {
  it('a flood of distinct client_ids, paths, methods, grant types, registrations and CIMD URLs adds no series once each kind has been seen', async () => {
    const s = await start();
    await hostileRound(s, 'warmup');
    // The first scrape's own request is observed after it answered: the second one sees its series.
    await scrape(`${s.origin}/metrics`, AUTH);
    const settled = await scrape(`${s.origin}/metrics`, AUTH);
    const tags: string[] = [];
    for (let round = 0; round < 15; round++) {
      const tag = `t${round}${junk()}`;
      tags.push(tag);
      await hostileRound(s, tag);
    }
    const flooded = await scrape(`${s.origin}/metrics`, AUTH);
    expect(seriesCount(flooded)).toBe(seriesCount(settled));
    const text = [...flooded.samples.keys()].join('\n');
    for (const tag of tags) expect(text).not.toContain(tag);
    // What moved, moved in the bounded series: made-up grant types and methods are "other".
    expect(flooded.value('gatehouse_oauth_errors_total', { endpoint: 'unmatched', error: 'not_found' })).toBe(
      0,
    );
    expect(
      flooded.value('gatehouse_http_request_duration_seconds_count', {
        route: 'unmatched',
        method: 'GET',
        status_class: '4xx',
      }),
    ).toBe(16);
    expect(
      flooded.value('gatehouse_http_request_duration_seconds_count', {
        route: 'token',
        method: 'other',
        status_class: '4xx',
      }),
    ).toBe(16);
  });

  it('no secret the server handles (client secrets, codes, access and refresh tokens, passwords, the scrape token, the server secret) ever appears in the metrics', async () => {
    const host = new DocumentHost();
    const s = await start(host);
    const tokens = await obtainTokens(s);
    const refreshed = await refresh(s, tokens.refresh_token!);
    const machine = await tokenRequest(
      s,
      { grant_type: 'client_credentials' },
      { authorization: MACHINE_AUTH },
    );
    const web = await tokenRequest(s, { grant_type: 'client_credentials' }, { authorization: WEB_AUTH });
    const registered = await register(s.issuer, {
      redirect_uris: ['https://tool.example/cb'],
      token_endpoint_auth_method: 'client_secret_basic',
    });
    const response = await fetch(`${s.origin}/metrics`, { headers: AUTH });
    const text = await response.text();
    expect(response.status).toBe(200);
    const secrets = [
      CONFIDENTIAL_SECRET,
      MACHINE_SECRET,
      USER.password,
      USER.email,
      TEST_SECRET,
      SCRAPE_TOKEN,
      tokens.access_token,
      tokens.refresh_token!,
      tokens.auth.code!,
      tokens.auth.verifier,
      refreshed.body.access_token,
      refreshed.body.refresh_token,
      machine.body.access_token,
      web.body.access_token,
      String(registered.body.client_id),
      String(registered.body.client_secret ?? 'no-secret-issued'),
    ].filter(Boolean);
    for (const secret of secrets) expect(text).not.toContain(secret);
    // Not even a prefix long enough to narrow a guess.
    for (const secret of secrets) expect(text).not.toContain(secret.slice(0, 12));
  });

  it('a scrape with a wrong token, from any address, is refused before anything is rendered: a burst of refused scrapes costs no database work', async () => {
    const s = await start();
    const before = await scrape(`${s.origin}/metrics`, AUTH);
    const refused = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${s.origin}/metrics`, { headers: { authorization: `Bearer ${junk()}${junk()}${junk()}` } }),
      ),
    );
    expect(refused.map((r) => r.status)).toEqual(Array(50).fill(401));
    const after = await scrape(`${s.origin}/metrics`, AUTH);
    const dbCalls = (e: Exposition) =>
      [...e.samples.entries()]
        .filter(([key]) => key.startsWith('gatehouse_db_query_duration_seconds_count'))
        .reduce((sum, [, value]) => sum + value, 0);
    expect(dbCalls(after)).toBe(dbCalls(before));
    expect(after.value('gatehouse_oauth_errors_total', { endpoint: 'metrics', error: 'invalid_token' })).toBe(
      50,
    );
  });
});
