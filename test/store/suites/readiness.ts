import { expect, it } from 'vitest';
import type { SuiteContext } from '../context.js';
import { raw } from '../context.js';

/** Store.checkWritable: readiness's real write, which must never grow the database. */
export function readinessSuite(ctx: SuiteContext): void {
  it('checkWritable rewrites one row per instance, from any number of callers, and housekeeping removes it an hour after the last write', async () => {
    const store = await ctx.freshStore();
    const rows = () =>
      raw(store)
        .selectFrom('gatehouse_rate_limits')
        .select(['key', 'count'])
        .where('key', 'like', 'ready:%')
        .execute();
    const at = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.checkWritable('instance-a', at + i)));
    for (let i = 0; i < 20; i++) await store.checkWritable('instance-a', at + 100 + i);
    await store.checkWritable('instance-b', at);
    expect((await rows()).sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'ready:instance-a', count: 0 },
      { key: 'ready:instance-b', count: 0 },
    ]);
    await store.purgeExpired(at + 3_600_000 + 60);
    expect((await rows()).map((r) => r.key)).toEqual(['ready:instance-a']);
    await store.purgeExpired(at + 3_600_000 + 200);
    expect(await rows()).toEqual([]);
  });
}
