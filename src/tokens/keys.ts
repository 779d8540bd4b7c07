import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  type JsonWebKey as NodeJwk,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlgorithm } from '../config/options.js';
import type { SigningKeyRecord, Store } from '../store/types.js';
import { decrypt, encrypt } from './crypto.js';

/**
 * Signing keys: stored encrypted (AES-256-GCM under a key derived from the configured secret), cached
 * in memory as KeyObjects. Rotation pre-publishes: the `next` key is in the JWKS before it signs, and a
 * `retiring` key stays published until every token it signed has expired (OIDC Core §10.1.1). A promoted
 * key signs from its stored `activateAt` (src/operations/keys.ts decides when), so every instance changes
 * signing key at the same moment, read from the database rather than at the moment it reloads.
 * Instances reload keys every `refreshMs / 2` in the background (and on a request that finds the copy
 * older than `refreshMs`), so no copy is older than `refreshMs` while the database answers; the hot path
 * never waits on the database.
 */

export interface LoadedKey {
  kid: string;
  alg: SigningAlgorithm;
  state: SigningKeyRecord['state'];
  retireAt: number | null;
  /** When an active or retiring key signs from (null: since it became active). */
  activateAt: number | null;
  createdAt: number;
  publicJwk: JWK;
  publicKey: KeyObject;
  /** Signs (./jwt.ts signJwt, on the thread pool); parsed once when the key loads. */
  privateKey: KeyObject;
}

export async function generateSigningKey(
  alg: SigningAlgorithm,
  state: SigningKeyRecord['state'],
  encryptionKey: Buffer,
  at: number,
): Promise<SigningKeyRecord> {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ed25519');
  const publicJwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const privateJwk = pair.privateKey.export({ format: 'jwk' });
  return {
    kid,
    alg,
    state,
    publicJwk: JSON.stringify({ ...publicJwk, kid, alg, use: 'sig' }),
    privateJwkEncrypted: encrypt(encryptionKey, JSON.stringify(privateJwk)),
    createdAt: at,
    retireAt: null,
    activateAt: null,
  };
}

/** The configured secret cannot decrypt the database's signing keys: they were sealed with another. */
export class SecretMismatchError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(
      'the database was created with a different secret (this one cannot decrypt its signing keys). ' +
        'Use the secret it was created with (`secret`, or GATEHOUSE_SECRET for the CLI), or give this ' +
        "configuration a database of its own (`database`); the default, .gatehouse/gatehouse.db, is the demo's " +
        '(its secret is in .gatehouse/demo.json; the CLI reaches it with --demo)',
      options,
    );
    this.name = 'SecretMismatchError';
  }
}

/** The private JWK, decrypted with the key derived from the configured secret (AES-256-GCM). */
function decryptPrivateJwk(record: SigningKeyRecord, encryptionKey: Buffer): NodeJwk {
  let plaintext: string;
  try {
    plaintext = decrypt(encryptionKey, record.privateJwkEncrypted);
  } catch (error) {
    // GCM's tag check is the only failure a well-formed record can have: a different key.
    throw new SecretMismatchError({ cause: error });
  }
  return JSON.parse(plaintext) as NodeJwk;
}

function loadKey(record: SigningKeyRecord, encryptionKey: Buffer): LoadedKey {
  const publicJwk = JSON.parse(record.publicJwk) as JWK;
  const privateJwk = decryptPrivateJwk(record, encryptionKey);
  return {
    kid: record.kid,
    alg: record.alg as SigningAlgorithm,
    state: record.state,
    retireAt: record.retireAt,
    activateAt: record.activateAt,
    createdAt: record.createdAt,
    publicJwk,
    publicKey: createPublicKey({ key: publicJwk as NodeJwk, format: 'jwk' }),
    privateKey: createPrivateKey({ key: privateJwk, format: 'jwk' }),
  };
}

/** A rotation decided by src/operations/keys.ts: when the promoted key signs, when the demoted one leaves. */
export interface RotationPlan {
  activateAt: number;
  retireAt: number;
  /** The active and next kids the plan was made from: the rotation happens only if they are still so. */
  expect?: { active: string | null; next: string | null };
}

const NEVER = Number.NEGATIVE_INFINITY;

/**
 * The key that signs at `now`: the active key once its `activateAt` has come; before that (a scheduled
 * rotation) the retiring key that was in force most recently, i.e. the latest `activateAt` that has come
 * (null counts as earliest), then the latest created.
 */
export function signerAt<K extends Pick<LoadedKey, 'state' | 'activateAt' | 'createdAt'>>(
  keys: readonly K[],
  now: number,
): K | undefined {
  const active = keys.find((k) => k.state === 'active');
  if (active && (active.activateAt ?? NEVER) <= now) return active;
  let best: K | undefined;
  for (const k of keys) {
    if (k.state !== 'retiring' || (k.activateAt ?? NEVER) > now) continue;
    const a = k.activateAt ?? NEVER;
    const b = best?.activateAt ?? NEVER;
    if (!best || a > b || (a === b && k.createdAt > best.createdAt)) best = k;
  }
  return best ?? active;
}

export class KeyRing {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private refreshing: Promise<void> | undefined;
  private jwksBody = '{"keys":[]}';
  private timer: ReturnType<typeof setInterval> | undefined;
  /** How many key sets have been applied (a reload started before a local rotation must not undo it). */
  private applied = 0;

  constructor(
    private readonly store: Store,
    private readonly encryptionKey: Buffer,
    private readonly alg: SigningAlgorithm,
    private readonly clock: () => number,
    /** config.signingKeyCacheTtlMs */
    private readonly refreshMs: number,
  ) {}

  /** Loads keys, creating the first `active` and `next` pair if the database has none. */
  async init(): Promise<void> {
    let records = await this.store.listSigningKeys();
    if (!records.some((r) => r.state === 'active')) {
      const at = this.clock();
      records = await this.store.ensureSigningKeys(
        await generateSigningKey(this.alg, 'active', this.encryptionKey, at),
        await generateSigningKey(this.alg, 'next', this.encryptionKey, at),
      );
    }
    this.apply(records);
    if (!this.timer) {
      // Bounds every instance's copy to `refreshMs` even when no request arrives to trigger a reload:
      // the pre-publication window of operations/keys.ts counts on it.
      this.timer = setInterval(() => this.maybeRefresh(true), Math.max(this.refreshMs / 2, 50));
      this.timer.unref?.();
    }
  }

  /** Stops the background reload (Gatehouse.close). */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Rotates: next → active (signing from `plan.activateAt`), active → retiring (published until
   * `plan.retireAt`), new next. A number is the immediate form: sign now, retire that many ms from now.
   * This is the mechanism; when a rotation is safe is decided in src/operations/keys.ts, which every
   * surface (CLI, admin API, dashboard) calls. Returns false if `plan.expect` no longer held (nothing changed).
   * @see OIDC Core §10.1.1
   */
  async rotate(plan: RotationPlan | number): Promise<boolean> {
    const at = this.clock();
    const { activateAt, retireAt, expect } =
      typeof plan === 'number' ? { activateAt: at, retireAt: at + plan, expect: undefined } : plan;
    const newNext = await generateSigningKey(this.alg, 'next', this.encryptionKey, at);
    const records = await this.store.rotateSigningKeys({
      newNext,
      initialActive: await generateSigningKey(this.alg, 'active', this.encryptionKey, at),
      retireAt,
      activateAt,
      at,
      ...(expect ? { expect } : {}),
    });
    this.apply(records);
    return records.some((r) => r.kid === newNext.kid);
  }

  /** The key that signs now (a scheduled rotation's key once its activation time has come). */
  signingKey(): LoadedKey {
    this.maybeRefresh();
    const key = signerAt(this.keys, this.clock());
    if (!key) throw new Error('no active signing key (KeyRing.init was not called)');
    return key;
  }

  /** Any published key by kid (for verifying our own tokens). */
  findKey(kid: string): LoadedKey | undefined {
    this.maybeRefresh();
    return this.keys.find((k) => k.kid === kid);
  }

  /** The JWKS document body: public members only (RFC 8414 §2; RFC 7517). */
  jwks(): string {
    this.maybeRefresh();
    return this.jwksBody;
  }

  list(): readonly LoadedKey[] {
    return this.keys;
  }

  /** Reloads from the database now (after a rotation elsewhere). */
  async refresh(): Promise<void> {
    const before = this.applied;
    const records = await this.store.listSigningKeys();
    // A rotation through this instance applied newer keys while the read was under way: keep those.
    if (this.applied === before) this.apply(records);
  }

  private maybeRefresh(now = false): void {
    if (this.refreshing || (!now && this.clock() - this.loadedAt < this.refreshMs)) return;
    this.refreshing = this.refresh()
      .catch(() => {
        // Keep serving the keys we have; the next call tries again.
        this.loadedAt = this.clock();
      })
      .finally(() => {
        this.refreshing = undefined;
      });
  }

  private apply(records: SigningKeyRecord[]): void {
    const now = this.clock();
    const live = records.filter((r) => r.state !== 'retiring' || (r.retireAt ?? 0) > now);
    const previous = new Map(this.keys.map((k) => [k.kid, k]));
    this.keys = live.map((r) => {
      const cached = previous.get(r.kid);
      return cached
        ? { ...cached, state: r.state, retireAt: r.retireAt, activateAt: r.activateAt }
        : loadKey(r, this.encryptionKey);
    });
    const order = { active: 0, next: 1, retiring: 2 } as const;
    const published = [...this.keys].sort((a, b) => order[a.state] - order[b.state]).map((k) => k.publicJwk);
    this.jwksBody = JSON.stringify({ keys: published });
    this.loadedAt = now;
    this.applied += 1;
  }
}
