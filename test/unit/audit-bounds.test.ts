/**
 * The audit writer's bounds, as properties: every stored field within its cap whatever an event holds,
 * and under any mix of anonymous events, at most perType + perType / perNetwork + 1 rows per type and
 * window, with every event accounted for (individual rows plus aggregate counts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloodBoundedAudit } from '../../src/audit/flood.js';
import { AUDIT_CAPS, capAuditEvent } from '../../src/store/audit-caps.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

const json = fc.jsonValue({ maxDepth: 6 });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('audit field caps', () => {
  it('every stored field stays within its cap and the detail is always valid JSON', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.string({ maxLength: 200 }),
          clientId: fc.option(fc.string({ unit: 'binary', maxLength: 3000 })),
          userAgent: fc.option(fc.string({ maxLength: 3000 })),
          ip: fc.option(fc.string({ maxLength: 300 })),
          actor: fc.option(fc.string({ maxLength: 3000 })),
          detail: fc.dictionary(fc.string({ maxLength: 300 }), json, { maxKeys: 60 }),
        }),
        (event) => {
          const row = capAuditEvent(event);
          expect(row.type.length).toBeLessThanOrEqual(AUDIT_CAPS.type);
          expect((row.client_id ?? '').length).toBeLessThanOrEqual(AUDIT_CAPS.clientId);
          expect((row.user_agent ?? '').length).toBeLessThanOrEqual(AUDIT_CAPS.userAgent);
          expect((row.ip ?? '').length).toBeLessThanOrEqual(AUDIT_CAPS.ip);
          expect((row.actor ?? '').length).toBeLessThanOrEqual(AUDIT_CAPS.actor);
          expect(Buffer.byteLength(row.detail)).toBeLessThanOrEqual(AUDIT_CAPS.detailBytes);
          expect(() => JSON.parse(row.detail)).not.toThrow();
          // A cut value says so, and the cut never splits a surrogate pair (the row stays valid UTF-8).
          if (row.client_id !== null && event.clientId !== null && row.client_id !== event.clientId) {
            expect(row.client_id).toMatch(/…\[truncated, \d+ chars\]$/);
            expect(row.client_id).not.toMatch(LONE_SURROGATE);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('flood bounds', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    await store.migrate();
  });
  afterAll(() => store.close());

  it('keeps each type within perType + perType/perNetwork + 1 rows per window and loses no event', async () => {
    const bounds = { windowMs: 3_600_000, perNetwork: 3, perType: 20 };
    const limit = bounds.perType + Math.ceil(bounds.perType / bounds.perNetwork) + 1;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            type: fc.constantFrom('a', 'b'),
            network: fc.integer({ min: 0, max: 40 }),
            throttled: fc.boolean(),
            count: fc.integer({ min: 1, max: 5 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        async (events) => {
          // A fresh window (and fresh types) per run: nothing carries over between runs.
          const at = 1_700_000_000_000 + run++ * bounds.windowMs;
          const prefix = `r${run}.`;
          const audit = new FloodBoundedAudit(store, bounds);
          for (const e of events) {
            await audit.record({ type: prefix + e.type }, `net${e.network}`, at, {
              throttled: e.throttled,
              count: e.throttled ? e.count : 1,
            });
          }
          for (const type of ['a', 'b']) {
            const rows = await store.listAuditEvents({ type: prefix + type, limit: 1000 });
            expect(rows.length).toBeLessThanOrEqual(limit);
            const stored = rows.reduce((n, r) => n + (r.count ?? 1), 0);
            const sent = events
              .filter((e) => e.type === type)
              .reduce((n, e) => n + (e.throttled ? e.count : 1), 0);
            expect(stored).toBe(sent);
            expect(rows.filter((r) => r.count === undefined).length).toBeLessThanOrEqual(bounds.perType);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
