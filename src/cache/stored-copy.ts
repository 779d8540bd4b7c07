import type { Store } from '../store/types.js';

interface State<T> {
  loaded?: { at: number; value: T };
  inFlight?: Promise<T>;
  /** Bumped by every local change: a read begun under an older generation is not kept. */
  generation: number;
}

/**
 * A per-instance copy of rows administrators change while Gatehouse runs (stored upstream connections,
 * trusted enterprise IdPs): served for `ttlMs`, read from the database once at a time (concurrent
 * callers share the read), and dropped at once by a change made on this instance — a read begun before
 * the change is not kept. Other instances see a change within `ttlMs`. Keyed by the store, so there is
 * one copy per Gatehouse instance whatever copies of the Context handlers make.
 */
export class StoredCopy<T> {
  readonly #states = new WeakMap<Store, State<T>>();

  constructor(readonly ttlMs: number) {}

  #state(store: Store): State<T> {
    let state = this.#states.get(store);
    if (!state) {
      state = { generation: 0 };
      this.#states.set(store, state);
    }
    return state;
  }

  /** The copy in force; `load` reads the database, given the previous copy to reuse what did not change. */
  get(store: Store, load: (previous: T | undefined) => Promise<T>): Promise<T> {
    const state = this.#state(store);
    if (state.loaded && Date.now() - state.loaded.at < this.ttlMs) return Promise.resolve(state.loaded.value);
    if (!state.inFlight) {
      const generation = state.generation;
      const at = Date.now();
      const read = load(state.loaded?.value)
        .then((value) => {
          if (state.generation === generation) state.loaded = { at, value };
          return value;
        })
        .finally(() => {
          if (state.inFlight === read) state.inFlight = undefined;
        });
      state.inFlight = read;
    }
    return state.inFlight;
  }

  /** After a change made here: the next use reads the database again; reads under way are not kept. */
  forget(store: Store): void {
    const state = this.#state(store);
    state.generation += 1;
    if (state.loaded) state.loaded = { ...state.loaded, at: Number.NEGATIVE_INFINITY };
    state.inFlight = undefined;
  }
}
