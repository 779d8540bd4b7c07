import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateClientId, generateClientSecret } from '../../src/lanes/preregistered.js';
import { hashSecret, randomToken } from '../../src/tokens/crypto.js';
import { deriveOpaque, matchesSecret, mintOpaque, parseOpaque } from '../../src/tokens/opaque.js';

/**
 * Opaque credentials (codes, refresh tokens, sessions): `prefix_id.secret` from the CSPRNG, only the
 * secret's hash stored (OAuth 2.1 §7.7: guessing probability ≤ 2^-128; checklist §1.6.10, attack 14).
 */

const SHAPE = /^(ghc|ghr|ghs)_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

describe('randomToken (pooled CSPRNG output)', () => {
  it('returns the requested number of bytes, never the same value twice across pool refills', () => {
    const seen = new Set<string>();
    // 20,000 × (16 + 32 + 7) bytes is ~270 pool refills, with draws straddling the refill boundary.
    for (let i = 0; i < 20_000; i++) {
      for (const bytes of [16, 32, 7]) {
        const value = randomToken(bytes);
        expect(Buffer.from(value, 'base64url')).toHaveLength(bytes);
        expect(seen.has(value)).toBe(false);
        seen.add(value);
      }
    }
  });

  it('is not biased: every byte value turns up about equally often', () => {
    const counts = new Array(256).fill(0);
    for (let i = 0; i < 4_000; i++)
      for (const byte of Buffer.from(randomToken(32), 'base64url')) counts[byte]++;
    // 128,000 bytes: 500 expected per value; a uniform source stays well within ±30 %.
    expect(Math.min(...counts)).toBeGreaterThan(350);
    expect(Math.max(...counts)).toBeLessThan(650);
  });

  it('draws large requests directly', () => {
    expect(Buffer.from(randomToken(4096), 'base64url')).toHaveLength(4096);
  });
});

describe('mintOpaque', () => {
  it('produces prefix_id.secret with a 128-bit id and a 256-bit secret', () => {
    for (const kind of ['ghc', 'ghr', 'ghs'] as const) {
      const credential = mintOpaque(kind);
      const match = SHAPE.exec(credential.value);
      expect(match?.[1]).toBe(kind);
      expect(Buffer.from(match![2]!, 'base64url')).toHaveLength(16);
      expect(Buffer.from(match![3]!, 'base64url')).toHaveLength(32);
      expect(credential.id).toBe(match![2]);
    }
  });

  it('stores only a SHA-256 hash of the secret, never the secret', () => {
    const credential = mintOpaque('ghr');
    const secret = credential.value.split('.')[1]!;
    expect(credential.secretHash).toBe(hashSecret(secret));
    expect(credential.secretHash).not.toContain(secret);
    expect(Buffer.from(credential.secretHash, 'base64url')).toHaveLength(32);
  });

  it('1000 minted values have no duplicate ids, secrets or id prefixes', () => {
    const minted = Array.from({ length: 1000 }, () => mintOpaque('ghc'));
    expect(new Set(minted.map((m) => m.id)).size).toBe(1000);
    expect(new Set(minted.map((m) => m.value.split('.')[1])).size).toBe(1000);
    // 48-bit prefixes: a shared one among 1000 CSPRNG values would be a ~2^-29 event.
    expect(new Set(minted.map((m) => m.id.slice(0, 8))).size).toBe(1000);
  });

  it('every bit of the id and the secret varies like CSPRNG output (each bit set in 40–60% of 1000 samples)', () => {
    const samples = Array.from({ length: 1000 }, () => {
      const [id, secret] = mintOpaque('ghr').value.slice(4).split('.') as [string, string];
      return Buffer.concat([Buffer.from(id, 'base64url'), Buffer.from(secret, 'base64url')]);
    });
    const bits = samples[0]!.length * 8;
    expect(bits).toBe(384);
    for (let bit = 0; bit < bits; bit++) {
      let set = 0;
      for (const s of samples) if (s[bit >> 3]! & (0x80 >> (bit & 7))) set++;
      expect(set, `bit ${bit}`).toBeGreaterThan(400);
      expect(set, `bit ${bit}`).toBeLessThan(600);
    }
  });
});

describe('parseOpaque and matchesSecret', () => {
  it('round-trips a minted value and verifies its secret', () => {
    const credential = mintOpaque('ghs');
    const parsed = parseOpaque('ghs', credential.value);
    expect(parsed?.id).toBe(credential.id);
    expect(matchesSecret(parsed!, credential.secretHash)).toBe(true);
  });

  it('refuses a value of another kind', () => {
    const credential = mintOpaque('ghc');
    expect(parseOpaque('ghr', credential.value)).toBeUndefined();
    expect(parseOpaque('ghs', credential.value)).toBeUndefined();
  });

  it('refuses malformed values', () => {
    const { value } = mintOpaque('ghr');
    for (const bad of [
      '',
      'ghr_',
      value.slice(0, -1),
      `${value}A`,
      value.replace('.', ''),
      value.replace('.', '..'),
      `${value.slice(0, 10)}+${value.slice(11)}`,
      `${value.slice(0, 30)}=${value.slice(31)}`,
      'ghr_'.padEnd(300, 'A'),
    ]) {
      expect(parseOpaque('ghr', bad), bad).toBeUndefined();
    }
  });

  it('a value with the right id but another secret does not match', () => {
    const a = mintOpaque('ghr');
    const b = mintOpaque('ghr');
    const forged = `ghr_${a.id}.${b.value.split('.')[1]}`;
    expect(matchesSecret(parseOpaque('ghr', forged)!, a.secretHash)).toBe(false);
  });
});

describe('generated client identifiers and secrets (CIMD-01 §6.9; OAuth 2.1 §7.7)', () => {
  it('1000 generated client_ids are distinct, never URLs and never user subjects', () => {
    const ids = Array.from({ length: 1000 }, generateClientId);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).not.toMatch(/^https?:/i);
      expect(id).not.toMatch(/^usr_/);
    }
  });

  it('generated client secrets carry 256 bits from the CSPRNG', () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(/^ghsec_/);
    const body = secret.replace(/^ghsec_/, '');
    expect(Buffer.from(body, 'base64url')).toHaveLength(32);
    expect(generateClientSecret()).not.toBe(secret);
  });
});

describe('deriveOpaque (the one successor of a refresh token)', () => {
  const key = Buffer.alloc(32, 7);
  const otherKey = Buffer.alloc(32, 8);
  const parent = () => parseOpaque('ghr', mintOpaque('ghr').value)!;
  const parents = fc.record({
    id: fc.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    secret: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  });

  it('is the same credential every time the same parent is presented, and has the credential shape', () => {
    fc.assert(
      fc.property(parents, (p) => {
        const a = deriveOpaque('ghr', key, p);
        const b = deriveOpaque('ghr', key, { ...p });
        expect(b).toEqual(a);
        expect(a.value).toMatch(SHAPE);
        const parsed = parseOpaque('ghr', a.value)!;
        expect(parsed.id).toBe(a.id);
        expect(matchesSecret(parsed, a.secretHash)).toBe(true);
        expect(a.id).not.toBe(p.id);
      }),
      { numRuns: 200 },
    );
  });

  it('needs the parent secret and the server key: change either and the secret is unrelated', () => {
    fc.assert(
      fc.property(parents, parents, (p, q) => {
        fc.pre(p.secret !== q.secret);
        const a = deriveOpaque('ghr', key, p);
        const wrongSecret = deriveOpaque('ghr', key, { id: p.id, secret: q.secret });
        // The id is the parent id's alone (one row per parent); the secret is not.
        expect(wrongSecret.id).toBe(a.id);
        expect(wrongSecret.secretHash).not.toBe(a.secretHash);
        const otherServer = deriveOpaque('ghr', otherKey, p);
        expect(otherServer.id).not.toBe(a.id);
        expect(otherServer.secretHash).not.toBe(a.secretHash);
      }),
      { numRuns: 200 },
    );
  });

  it('gives distinct parents distinct successors', () => {
    const ids = new Set(Array.from({ length: 5_000 }, () => deriveOpaque('ghr', key, parent()).id));
    expect(ids.size).toBe(5_000);
  });
});
