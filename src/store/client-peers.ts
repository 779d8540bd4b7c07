import pg from 'pg';

/**
 * Tells the other instances on one PostgreSQL database that a client record changed, so their client
 * caches (src/store/client-cache.ts) drop it at once instead of after `clientCacheTtl`: a client disabled,
 * re-keyed, deleted or with an approved CIMD document is refused or changed everywhere within the
 * notification's delivery (milliseconds), not seconds — disabling a client is a security action.
 * PostgreSQL LISTEN/NOTIFY on one dedicated connection per instance (outside the pool). A notification
 * can be lost only while that connection is down; on reconnecting every cached client is dropped, and
 * the TTL still bounds any copy in between.
 */
export interface ClientPeers {
  /** After a write: tells every instance (this one included) to drop `clientId`. Never throws. */
  announce(clientId: string): Promise<void>;
  /** `onChange(clientId)` for one client, `onChange(undefined)` for all (after a reconnect). */
  subscribe(onChange: (clientId?: string) => void): void;
}

const CHANNEL = 'gatehouse_client_changed';
const RECONNECT_MS = 1000;

export class PostgresClientPeers implements ClientPeers {
  #listener: pg.Client | undefined;
  #onChange: ((clientId?: string) => void) | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly pool: pg.Pool,
  ) {}

  async announce(clientId: string): Promise<void> {
    await this.pool.query('select pg_notify($1, $2)', [CHANNEL, clientId]).catch(() => {});
  }

  subscribe(onChange: (clientId?: string) => void): void {
    this.#onChange = onChange;
    void this.#listen();
  }

  async #listen(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    const retry = () => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => {});
      this.#onChange?.();
      if (!this.#closed) this.#timer = setTimeout(() => void this.#listen(), RECONNECT_MS).unref();
    };
    this.#listener = client;
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.#onChange?.(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      // Changes made while no connection listened are unknown: forget every cached client.
      this.#onChange?.();
    } catch {
      retry();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#listener;
    this.#listener = undefined;
    await client?.end().catch(() => {});
  }
}
