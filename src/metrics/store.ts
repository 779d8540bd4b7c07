import type { Store } from '../store/types.js';

/**
 * Times every Store verb (the storage operation as the rest of Gatehouse asks for it: one or a few SQL
 * statements, the driver's round trips included), for `gatehouse_db_query_duration_seconds` and the
 * tracing's child spans. Put in front of the store only when metrics or tracing are on; otherwise the
 * store is used as it is, and a call costs nothing more.
 */
export type StoreObserver = <T>(operation: string, call: () => Promise<T>) => Promise<T>;

/** Verbs that are not storage operations of a request (lifecycle), or are not async. */
const UNTIMED = new Set(['close', 'migrate', 'cacheClients', 'poolStats']);

export function observeStore(store: Store, observe: StoreObserver): Store {
  const wrapped: Record<string, unknown> = { dialect: store.dialect };
  for (const name of verbNames(store)) {
    const verb = (store as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    wrapped[name] = UNTIMED.has(name)
      ? verb.bind(store)
      : (...args: unknown[]) => observe(name, () => verb.apply(store, args) as Promise<unknown>);
  }
  return wrapped as unknown as Store;
}

/** Every method of the store: its own and its classes' (a KyselyStore keeps them on the prototype). */
function verbNames(store: Store): string[] {
  const names = new Set<string>();
  for (let o: object | null = store; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(o, name);
      if (typeof descriptor?.value === 'function') names.add(name);
    }
  }
  return [...names];
}
