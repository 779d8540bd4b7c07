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
import { importSigningKey } from './jwt.js';

/**
 * Signing keys: stored encrypted (AES-256-GCM under a key derived from the configured secret), cached
 * in memory as KeyObjects. Rotation pre-publishes: the `next` key is in the JWKS before it signs, and a
 * `retiring` key stays published until every token it signed has expired (OIDC Core §10.1.1).
 * Instances pick up a rotation made elsewhere within `refreshMs`; the hot path never waits on the database.
 */

export interface LoadedKey {
  kid: string;
  alg: SigningAlgorithm;
  state: SigningKeyRecord['state'];
  retireAt: number | null;
  publicJwk: JWK;
  publicKey: KeyObject;
  privateKey: KeyObject;
  /** The private key as a WebCrypto key, for signing (./jwt.ts); imported once when the key loads. */
  signer: Promise<CryptoKey>;
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
  const alg = record.alg as SigningAlgorithm;
  const signer = importSigningKey(alg, privateJwk);
  // Awaited on first use, where a failure surfaces; never an unhandled rejection in between.
  signer.catch(() => {});
  return {
    kid: record.kid,
    alg: record.alg as SigningAlgorithm,
    state: record.state,
    retireAt: record.retireAt,
    publicJwk,
    publicKey: createPublicKey({ key: publicJwk as NodeJwk, format: 'jwk' }),
    privateKey: createPrivateKey({ key: privateJwk, format: 'jwk' }),
    signer,
  };
}

export class KeyRing {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private refreshing: Promise<void> | undefined;
  private jwksBody = '{"keys":[]}';

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
  }

  /**
   * Rotates: next → active, active → retiring (published until `retireAfterMs` from now), new next.
   * @see OIDC Core §10.1.1
   */
  async rotate(retireAfterMs: number): Promise<LoadedKey[]> {
    const at = this.clock();
    const records = await this.store.rotateSigningKeys({
      newNext: await generateSigningKey(this.alg, 'next', this.encryptionKey, at),
      initialActive: await generateSigningKey(this.alg, 'active', this.encryptionKey, at),
      retireAt: at + retireAfterMs,
      at,
    });
    this.apply(records);
    return this.keys;
  }

  /** The key that signs now. */
  signingKey(): LoadedKey {
    this.maybeRefresh();
    const key = this.keys.find((k) => k.state === 'active');
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
    this.apply(await this.store.listSigningKeys());
  }

  private maybeRefresh(): void {
    if (this.refreshing || this.clock() - this.loadedAt < this.refreshMs) return;
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
      return cached ? { ...cached, state: r.state, retireAt: r.retireAt } : loadKey(r, this.encryptionKey);
    });
    const order = { active: 0, next: 1, retiring: 2 } as const;
    const published = [...this.keys].sort((a, b) => order[a.state] - order[b.state]).map((k) => k.publicJwk);
    this.jwksBody = JSON.stringify({ keys: published });
    this.loadedAt = now;
  }
}
