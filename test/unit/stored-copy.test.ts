import { describe, expect, it } from 'vitest';
import { StoredCopy } from '../../src/cache/stored-copy.js';
import type { Store } from '../../src/store/types.js';

/** The per-instance copy of administrator-managed rows (stored connections, enterprise IdPs). */
describe('StoredCopy', () => {
  const store = {} as Store;

  it('concurrent callers share one database read, and the copy is served until it is old', async () => {
    const copy = new StoredCopy<number>(60_000);
    let reads = 0;
    const load = async () => ++reads;
    const [a, b] = await Promise.all([copy.get(store, load), copy.get(store, load)]);
    expect([a, b, reads]).toEqual([1, 1, 1]);
    expect(await copy.get(store, load)).toBe(1);
  });

  it('a change made here is seen by the next read, and a read begun before it is not kept', async () => {
    const copy = new StoredCopy<string>(60_000);
    let release!: (v: string) => void;
    const before = copy.get(store, () => new Promise<string>((r) => (release = r)));
    copy.forget(store);
    release('before the change');
    expect(await before).toBe('before the change');
    expect(await copy.get(store, async (previous) => `after; previous ${previous}`)).toBe(
      'after; previous undefined',
    );
    copy.forget(store);
    // The previous copy is handed to the next read (to reuse what did not change), never served.
    expect(await copy.get(store, async (previous) => `again; previous ${previous}`)).toBe(
      'again; previous after; previous undefined',
    );
  });

  it('each store (each Gatehouse instance) has its own copy', async () => {
    const copy = new StoredCopy<string>(60_000);
    expect(await copy.get(store, async () => 'one')).toBe('one');
    expect(await copy.get({} as Store, async () => 'two')).toBe('two');
  });

  it('a failed read is not kept: the next caller reads again', async () => {
    const copy = new StoredCopy<string>(60_000);
    await expect(copy.get(store, () => Promise.reject(new Error('database down')))).rejects.toThrow();
    expect(await copy.get(store, async () => 'recovered')).toBe('recovered');
  });
});
