/**
 * Signing keys across instances (issue 15): two instances on one database, each with its own key cache,
 * and key rotations back to back. Before the rule of src/operations/keys.ts, the second rotation made
 * one instance sign with a key the other had not loaded yet (introspection there answered
 * `active: false`) and that no JWKS fetched a moment before contained.
 *
 * Real clock, short configured windows: key cache 0.5 s, JWKS max-age 1 s, clock skew 0.25 s, so a key
 * may sign 1.75 s after it is published. Throughout, both instances issue tokens every few
 * milliseconds (also right after each rotation); every token must introspect active at the other
 * instance and verify against every JWKS snapshot (from either instance) that a cache could still hold
 * when the token was issued (fetched less than max-age earlier).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../src/index.js';
import { rotateKeys } from '../../src/operations/keys.js';
import { baseOptions, MACHINE_SECRET, RESOURCE } from '../helpers/fixtures.js';
import { TEST_SECRET } from '../helpers/server.js';
import { postgresBackend } from '../store/backends.js';

const ISSUER = 'http://127.0.0.1:4000';
const WINDOWS = { signingKeyCacheTtl: 0.5, jwksMaxAge: 1, signingKeyClockSkew: 0.25 };
const PRE_PUBLICATION_MS = 1750;
const MACHINE = `Basic ${Buffer.from(`machine:${MACHINE_SECRET}`).toString('base64')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Issued {
  token: string;
  kid: string;
  at: number;
  from: 'a' | 'b';
}
interface Snapshot {
  at: number;
  jwks: JSONWebKeySet;
  from: 'a' | 'b';
}

function post(gh: Gatehouse, url: string, form: Record<string, string>): Promise<Response> {
  return gh.fetch(
    new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: MACHINE },
      body: new URLSearchParams(form),
    }),
    { remoteAddress: '127.0.0.1' },
  );
}

async function issue(gh: Gatehouse, from: 'a' | 'b'): Promise<Issued> {
  const response = await post(gh, gh.config.endpoints.token, {
    grant_type: 'client_credentials',
    scope: 'todos.read',
    resource: RESOURCE,
  });
  const body = (await response.json()) as { access_token: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  const kid = decodeProtectedHeader(body.access_token).kid!;
  return { token: body.access_token, kid, at: Date.now(), from };
}

async function activeAt(gh: Gatehouse, token: string): Promise<boolean> {
  const response = await post(gh, gh.config.endpoints.introspection, { token });
  return ((await response.json()) as { active: boolean }).active;
}

async function snapshot(gh: Gatehouse, from: 'a' | 'b'): Promise<Snapshot> {
  const at = Date.now();
  const response = await gh.fetch(new Request(gh.config.endpoints.jwks), { remoteAddress: '127.0.0.1' });
  expect(response.headers.get('cache-control')).toBe(`public, max-age=${WINDOWS.jwksMaxAge}`);
  return { at, jwks: (await response.json()) as JSONWebKeySet, from };
}

/** Issues at one instance, introspects at the other, and collects JWKS snapshots, until stopped. */
function traffic(a: Gatehouse, b: Gatehouse) {
  const issued: Issued[] = [];
  const snapshots: Snapshot[] = [];
  const refused: string[] = [];
  let running = true;
  const check = async (from: Gatehouse, to: Gatehouse, name: 'a' | 'b') => {
    const token = await issue(from, name);
    issued.push(token);
    if (!(await activeAt(to, token.token))) refused.push(`${name} → other: kid ${token.kid} at ${token.at}`);
  };
  const loop = (async () => {
    while (running) {
      snapshots.push(await snapshot(a, 'a'), await snapshot(b, 'b'));
      await Promise.all([check(a, b, 'a'), check(b, a, 'b')]);
      await sleep(10);
    }
  })();
  return {
    issued,
    snapshots,
    refused,
    check,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/**
 * Every token verifies against every snapshot a cache could still hold when it was issued (fetched no
 * more than max-age earlier). Snapshots with the same key set are verified against once per token.
 */
async function unverifiable(issued: Issued[], snapshots: Snapshot[]): Promise<string[]> {
  const failures: string[] = [];
  for (const token of issued) {
    const held = snapshots.filter((s) => s.at <= token.at && s.at + WINDOWS.jwksMaxAge * 1000 >= token.at);
    const distinct = new Map(held.map((s) => [JSON.stringify(s.jwks), s]));
    for (const s of distinct.values()) {
      try {
        await jwtVerify(token.token, createLocalJWKSet(s.jwks), { issuer: ISSUER, audience: RESOURCE });
      } catch (error) {
        failures.push(
          `token of ${token.from} (kid ${token.kid}) vs JWKS of ${s.from} fetched ${token.at - s.at} ms before: ${error}`,
        );
      }
    }
  }
  return failures;
}

const backends = [
  {
    name: 'one SQLite file',
    async database() {
      const dir = await mkdtemp(join(tmpdir(), 'gatehouse-keys-'));
      return {
        url: `sqlite:${join(dir, 'gatehouse.db')}`,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'one PostgreSQL database',
    async database() {
      const backend = postgresBackend();
      return { url: await backend.freshUrl(), cleanup: () => backend.cleanup() };
    },
  },
];

describe.each(backends)('signing keys across two instances on $name', (backend) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function instances(): Promise<[Gatehouse, Gatehouse]> {
    const db = await backend.database();
    cleanups.push(db.cleanup);
    const open = () =>
      createGatehouse({
        ...baseOptions(),
        ...WINDOWS,
        issuer: ISSUER,
        secret: TEST_SECRET,
        database: db.url,
        logger: false,
      });
    const a = await open();
    cleanups.push(() => a.close());
    const b = await open();
    cleanups.push(() => b.close());
    return [a, b];
  }

  it('back-to-back rotations: no token either instance issues is refused by the other or by any JWKS a cache may hold', async () => {
    const [a, b] = await instances();
    // The first next key was published when `a` created the keys; let it become old enough.
    await sleep(PRE_PUBLICATION_MS + 100);
    const run = traffic(a, b);
    await sleep(300);

    const first = await rotateKeys(a.context, 'test');
    expect(first.status).toBe('rotated');
    await Promise.all([run.check(a, b, 'a'), run.check(b, a, 'b')]);

    // Moments later, through the same instance: the next key was published by the first rotation and
    // the other instance has not loaded it yet, so it is scheduled rather than made to sign.
    const second = await rotateKeys(a.context, 'test');
    expect(second.status).toBe('scheduled');
    expect(second.message).toMatch(
      /signs from .* UTC, when every instance \(key cache 1 s\) and every JWKS cache \(max-age 1 s\)/,
    );
    await Promise.all([run.check(a, b, 'a'), run.check(b, a, 'b')]);
    const createdAt = (await a.store.listSigningKeys()).find((k) => k.kid === second.active)!.createdAt;
    expect(second.activateAt).toBe(createdAt + PRE_PUBLICATION_MS);

    // A third, through the other instance, while that one is scheduled: refused, nothing changed.
    const keysBefore = await b.store.listSigningKeys();
    await expect(rotateKeys(b.context, 'test')).rejects.toMatchObject({ status: 409 });
    expect(await b.store.listSigningKeys()).toEqual(keysBefore);

    // Past the activation time both instances sign with the scheduled key (each read the time from the
    // database), then traffic goes on for one more cache period.
    await sleep(second.activateAt - Date.now() + 50);
    const [fromA, fromB] = await Promise.all([issue(a, 'a'), issue(b, 'b')]);
    expect([fromA.kid, fromB.kid]).toEqual([second.active, second.active]);
    await sleep(600);
    await run.stop();

    expect(run.refused).toEqual([]);
    const kids = new Set(run.issued.map((t) => t.kid));
    expect(kids).toEqual(new Set([first.retiring, first.active, second.active].filter(Boolean)));
    expect(run.issued.length).toBeGreaterThan(40);
    expect(await unverifiable(run.issued, run.snapshots)).toEqual([]);
  });

  it('two instances rotating at the same moment promote one key now and schedule the other (compare-and-swap)', async () => {
    const [a, b] = await instances();
    await sleep(PRE_PUBLICATION_MS + 100);
    const results = await Promise.all([rotateKeys(a.context, 'test-a'), rotateKeys(b.context, 'test-b')]);
    expect(results.map((r) => r.status).sort()).toEqual(['rotated', 'scheduled']);
    const later = results.find((r) => r.status === 'scheduled')!;
    const keys = await a.store.listSigningKeys();
    const promoted = keys.find((k) => k.kid === later.active)!;
    expect(promoted).toMatchObject({ state: 'active', activateAt: promoted.createdAt + PRE_PUBLICATION_MS });
    expect(later.retiring).toBe(results.find((r) => r.status === 'rotated')!.active);
  });

  it('a forced rotation says what it costs and is audited as forced', async () => {
    const [a] = await instances();
    const forced = await rotateKeys(a.context, 'test', { force: true, reason: 'key leaked in a log' });
    expect(forced.forced).toBe(true);
    expect(forced.message).toMatch(
      /Forced \(emergency\) rotation: .* may be refused by other instances for up to \d+ s/,
    );
    const [event] = await a.store.listAuditEvents({ type: 'keys.rotated', limit: 1 });
    expect(event!.detail).toMatchObject({
      forced: true,
      reason: 'key leaked in a log',
      active: forced.active,
    });
  });
});
