/** The SAML assertion replay cache of issue 16 (migration 0013), on SQLite and PostgreSQL. */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { postgresBackend, sqliteBackend, twoInstances } from './backends.js';

const AT = 1_800_000_000_000;
const IDP = 'https://idp.acme.example/metadata';

describe.each([sqliteBackend(), postgresBackend()])('SAML replay cache on $name', (backend) => {
  let store: Store;
  let other: Store;

  twoInstances(backend, (a, b) => {
    store = a;
    other = b;
  });

  it('records an assertion ID once per IdP until it expires', async () => {
    expect(await store.useSamlAssertion(IDP, '_a1', AT + 300_000, AT)).toBe(true);
    expect(await store.useSamlAssertion(IDP, '_a1', AT + 300_000, AT + 1)).toBe(false);
    expect(await other.useSamlAssertion(IDP, '_a1', AT + 300_000, AT + 299_999)).toBe(false);
    // Another IdP's assertion with the same ID is another assertion.
    expect(await store.useSamlAssertion('https://other.example/idp', '_a1', AT + 300_000, AT)).toBe(true);
    // After NotOnOrAfter the ID may be recorded again (the assertion itself is refused as expired by then).
    expect(await store.useSamlAssertion(IDP, '_a1', AT + 900_000, AT + 300_000)).toBe(true);
    expect(await store.useSamlAssertion(IDP, '_a1', AT + 900_000, AT + 300_001)).toBe(false);
  });

  it('gives exactly one of many concurrent callers, on two connections, the assertion', async () => {
    const calls = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? other : store).useSamlAssertion(IDP, '_race', AT + 300_000, AT),
    );
    const results = await Promise.all(calls);
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
