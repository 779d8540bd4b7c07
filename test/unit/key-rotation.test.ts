/**
 * The rule of key rotation (src/operations/keys.ts) and which key signs when (src/tokens/keys.ts
 * signerAt), as pure functions: the windows derived from configuration, and, over random sequences of
 * rotations (fast-check), that no key signs before it has been published for the whole window and that
 * the signing key never goes back to an older one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { keyRotationWindows, planRotation } from '../../src/operations/keys.js';
import type { SigningKeyRecord } from '../../src/store/types.js';
import { signerAt } from '../../src/tokens/keys.js';

const base = {
  issuer: 'http://127.0.0.1:4000',
  secret: 'x'.repeat(40),
  database: 'sqlite::memory:',
  logger: false as const,
};

const key = (
  kid: string,
  state: SigningKeyRecord['state'],
  createdAt: number,
  activateAt: number | null = null,
): SigningKeyRecord => ({
  kid,
  alg: 'ES256',
  state,
  publicJwk: '{}',
  privateJwkEncrypted: '',
  createdAt,
  retireAt: null,
  activateAt,
});

describe('key rotation windows', () => {
  it('are derived from the configuration: pre-publication = key cache + JWKS max-age + skew', () => {
    expect(keyRotationWindows(resolveConfig(base))).toEqual({
      instanceCacheMs: 30_000,
      jwksMaxAgeMs: 300_000,
      skewMs: 5000,
      prePublicationMs: 335_000,
      // key cache + skew + accessTokenTtl (3600 s) + signingKeyGracePeriod (300 s)
      retireAfterMs: 30_000 + 5000 + 3_900_000,
    });
    const tuned = resolveConfig({
      ...base,
      signingKeyCacheTtl: 60,
      jwksMaxAge: 600,
      signingKeyClockSkew: 2,
      tokens: { accessTokenTtl: 900, signingKeyGracePeriod: 0 },
    });
    expect(keyRotationWindows(tuned)).toMatchObject({
      prePublicationMs: 662_000,
      retireAfterMs: 60_000 + 2000 + 900_000,
    });
  });
});

describe('planRotation', () => {
  const w = keyRotationWindows(resolveConfig(base));
  const T = Date.UTC(2026, 10, 27, 14, 0, 0);

  it('promotes at once a next key published longer ago than the window', () => {
    const plan = planRotation([key('a', 'active', T - 1e6), key('n', 'next', T - w.prePublicationMs)], T, w);
    expect(plan).toMatchObject({ status: 'rotated', activateAt: T, retireAt: T + w.retireAfterMs });
    expect(plan.expect).toEqual({ active: 'a', next: 'n' });
  });

  it('schedules a younger one for the moment the window has passed, and says so', () => {
    const plan = planRotation([key('a', 'active', T - 1e6), key('n', 'next', T - 12_000)], T, w);
    expect(plan).toMatchObject({ status: 'scheduled', activateAt: T - 12_000 + 335_000 });
    expect(plan.retireAt).toBe(plan.activateAt + w.retireAfterMs);
    expect(plan.message).toBe(
      'The next key n was published 12 s ago; it signs from 2026-11-27 14:05:23 UTC, when every instance ' +
        '(key cache 30 s) and every JWKS cache (max-age 300 s) has seen it, with 5 s for clock skew. Every ' +
        'instance switches to it then (the time is stored); until then key a signs. Nothing more to run.',
    );
  });

  it('refuses (409, Retry-After) while a scheduled rotation is pending, unless forced', () => {
    const keys = [
      key('r', 'retiring', T - 2e6, T - 1e6),
      key('a', 'active', T - 1e6, T + 60_000),
      key('n', 'next', T - 1),
    ];
    expect(() => planRotation(keys, T, w)).toThrow(
      expect.objectContaining({ status: 409, headers: { 'retry-after': '60' } }),
    );
    const forced = planRotation(keys, T, w, { force: true });
    expect(forced).toMatchObject({
      status: 'rotated',
      activateAt: T,
      cost: { instancesMs: 34_999, jwksCachesMs: 334_999 },
    });
  });
});

describe('signerAt', () => {
  it('is the active key once its time has come, and the retiring key most recently in force before', () => {
    const keys = [
      key('old', 'retiring', 0, null),
      key('prev', 'retiring', 0, 100),
      key('now', 'active', 50, 200),
      key('n', 'next', 150),
    ];
    expect(signerAt(keys, 150)?.kid).toBe('prev');
    expect(signerAt(keys, 200)?.kid).toBe('now');
    expect(signerAt(keys, 99)?.kid).toBe('old');
  });
});

/** The store's rotation (src/store/kysely/keys.ts), over an array: promote next, retire active, add next. */
function applyRotation(
  keys: SigningKeyRecord[],
  at: number,
  activateAt: number,
  id: string,
): SigningKeyRecord[] {
  return [
    ...keys.map((k) => {
      if (k.state === 'active') {
        const pending = k.activateAt !== null && k.activateAt > activateAt;
        return { ...k, state: 'retiring' as const, activateAt: pending ? null : k.activateAt };
      }
      if (k.state === 'next') return { ...k, state: 'active' as const, activateAt };
      return k;
    }),
    key(id, 'next', at),
  ];
}

describe('over any sequence of unforced rotations', () => {
  it('no key signs before it has been published for the whole window, and the signer never goes back', () => {
    fc.assert(
      fc.property(
        fc.record({ cache: fc.integer({ min: 0, max: 60 }), maxAge: fc.integer({ min: 0, max: 600 }) }),
        fc.array(fc.integer({ min: 0, max: 400_000 }), { minLength: 1, maxLength: 12 }),
        ({ cache, maxAge }, gaps) => {
          const w = keyRotationWindows(
            resolveConfig({ ...base, signingKeyCacheTtl: cache, jwksMaxAge: maxAge }),
          );
          let keys: SigningKeyRecord[] = [key('k0', 'active', 0), key('k1', 'next', 0)];
          let now = 0;
          const times: number[] = [];
          gaps.forEach((gap, i) => {
            now += gap;
            times.push(now);
            try {
              const plan = planRotation(keys, now, w);
              expect(plan.activateAt).toBeGreaterThanOrEqual(now);
              keys = applyRotation(keys, now, plan.activateAt, `k${i + 2}`);
            } catch (error) {
              expect(error).toMatchObject({ status: 409 });
            }
          });
          const probes = [...times, ...keys.map((k) => k.activateAt ?? 0)].sort((a, b) => a - b);
          let last = -1;
          for (const t of [...probes, now + 10 * w.prePublicationMs]) {
            const signer = signerAt(keys, t)!;
            if (signer.kid !== 'k0') expect(t - signer.createdAt).toBeGreaterThanOrEqual(w.prePublicationMs);
            const index = Number(signer.kid.slice(1));
            expect(index).toBeGreaterThanOrEqual(last);
            last = index;
          }
        },
      ),
    );
  });
});
