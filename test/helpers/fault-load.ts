import Database from 'better-sqlite3';
import pg from 'pg';
import type { Dispatcher } from 'undici';
import { authorize, obtainTokens, signedInAgent } from './oauth.js';
import { asTestServer, type Sent, type ServeProcess, sendForm, startServe } from './processes.js';
import type { TestServer } from './server.js';
import { UserAgent } from './user-agent.js';

/**
 * Refresh and code-exchange load for the fault runs (test/reliability: kill -9, a PostgreSQL restart,
 * the long runs), as clients with a retry policy behave: a refresh whose response was lost (the
 * connection cut mid-request) is retried with the token the client still holds; a request refused at
 * connect or answered 503 is retried after a pause; a code whose exchange response was lost is
 * presented once more. Everything each client received is recorded, and checkSessions compares it with
 * the database afterwards.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The refresh token's id (`ghr_<id>.<secret>`, tokens/opaque.ts), the row's primary key. */
export const tokenId = (token: string) => token.slice(4, token.indexOf('.'));

/** One refresh-token family as its client sees it. */
export interface Session {
  first: string;
  /** The token the client holds: the last successor it received. */
  current: string;
  received: string[];
  /** Refreshes sent whose response never arrived (connection cut by the fault). */
  lost: number;
  /** The answers to the retries that followed a lost response (the old token presented again). */
  retriesAfterLoss: number[];
  pendingRetry: boolean;
  /** Answers that were neither a success nor a 503: each is a finding. */
  failures: string[];
  unavailable: number;
}

export interface LoadStats {
  sessions: Session[];
  /** Per code: how many of its exchanges were answered 200 (never more than one). */
  codes: Map<string, number>;
  codeFailures: string[];
  /** Every answered status, for "no 500". */
  statuses: number[];
  refused: number;
}

/** Obtains `n` sessions of native-app (sign-in and consent through the pages, then the code exchange). */
export async function openSessions(srv: TestServer, n: number): Promise<Session[]> {
  const browser = await signedInAgent(srv);
  const sessions: Session[] = [];
  for (let i = 0; i < n; i++) {
    const token = (await obtainTokens(srv, {}, { agent: browser })).refresh_token!;
    sessions.push({
      first: token,
      current: token,
      received: [token],
      lost: 0,
      retriesAfterLoss: [],
      pendingRetry: false,
      failures: [],
      unavailable: 0,
    });
  }
  return sessions;
}

/** One refresh as a client with a retry policy sends it; updates the session. */
export async function refreshOnce(
  agent: Dispatcher,
  srv: TestServer,
  session: Session,
  stats: LoadStats,
): Promise<Sent> {
  const sent = await sendForm(agent, srv.gh.config.endpoints.token, {
    grant_type: 'refresh_token',
    refresh_token: session.current,
    client_id: 'native-app',
  });
  if (sent.kind === 'refused') stats.refused++;
  if (sent.kind === 'dropped') {
    session.lost++;
    session.pendingRetry = true;
  }
  if (sent.kind !== 'answered') return sent;
  stats.statuses.push(sent.status);
  if (session.pendingRetry) session.retriesAfterLoss.push(sent.status);
  session.pendingRetry = false;
  if (sent.status === 200) {
    session.current = JSON.parse(sent.body).refresh_token;
    session.received.push(session.current);
  } else if (sent.status === 503) session.unavailable++;
  else session.failures.push(`${sent.status} ${sent.body}`);
  return sent;
}

/** Exchanges one code, presenting it again while its response is lost; counts 200 answers per code. */
async function exchangeCode(agent: Dispatcher, srv: TestServer, stats: LoadStats, running: () => boolean) {
  const auth = await authorize(srv, {}, { agent: new UserAgent(srv.origin) });
  const code = auth.code!;
  stats.codes.set(code, 0);
  for (let attempt = 0; attempt < 100; attempt++) {
    const sent = await sendForm(agent, srv.gh.config.endpoints.token, {
      grant_type: 'authorization_code',
      code,
      code_verifier: auth.verifier,
      client_id: 'native-app',
      redirect_uri: 'http://127.0.0.1:5555/callback',
    });
    if (sent.kind === 'answered') {
      stats.statuses.push(sent.status);
      if (sent.status === 200) stats.codes.set(code, stats.codes.get(code)! + 1);
      // A code presented again after its first exchange committed is a replay: invalid_grant is right.
      if (sent.status !== 503) return;
    }
    if (!running() && attempt > 50) return;
    await sleep(50);
  }
}

/**
 * Runs refresh loops (one per session) and `coders` code-flow loops against `target()` (which may
 * change as the server restarts) until `stop()`; then every session whose last response was lost
 * retries once more, so each client ends holding a token it received.
 */
export function runLoad(
  target: () => TestServer,
  agent: Dispatcher,
  sessions: Session[],
  coders: number,
): { stats: LoadStats; stop(): Promise<LoadStats> } {
  const stats: LoadStats = { sessions, codes: new Map(), codeFailures: [], statuses: [], refused: 0 };
  let running = true;
  let retryUntil = Number.POSITIVE_INFINITY;
  const refreshing = sessions.map(async (session) => {
    // After stop, a client whose last response was lost retries (for at most 20 s).
    while (running || (session.pendingRetry && Date.now() < retryUntil)) {
      const sent = await refreshOnce(agent, target(), session, stats);
      if (sent.kind !== 'answered' || sent.status !== 200) await sleep(50);
      if (session.failures.length > 0) return;
    }
  });
  const coding = Array.from({ length: coders }, async () => {
    while (running) {
      try {
        await exchangeCode(agent, target(), stats, () => running);
      } catch (error) {
        // The pages' requests failed while the server was down (fetch failed): try again.
        const message = error instanceof Error ? error.message : String(error);
        if (!/fetch failed|ECONNREFUSED|socket|terminated|got 503/i.test(message))
          stats.codeFailures.push(message);
        await sleep(100);
      }
    }
  });
  return {
    stats,
    async stop() {
      running = false;
      retryUntil = Date.now() + 20_000;
      await Promise.all([...refreshing, ...coding]);
      return stats;
    },
  };
}

/** Runs one SQL query against the backend's database (SQLite read-only, or a PostgreSQL client). */
export async function queryRows<T>(database: string, statement: string): Promise<T[]> {
  if (database.startsWith('sqlite:')) {
    const db = new Database(database.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(statement).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    return (await client.query(statement)).rows as T[];
  } finally {
    await client.end();
  }
}

interface RefreshRow {
  id: string;
  grant_id: string;
  rotated_at: unknown;
  revoked_at: unknown;
}

/**
 * What the database says against what the clients received: for each session, every successor the
 * client received is a row of its grant (none lost), no rotation committed that the client did not
 * eventually receive, nothing revoked, and exactly one live token — the one the client holds. Across
 * every grant of the run: never two live refresh tokens (a doubled rotation or a code redeemed twice).
 * Returns the problems found (empty when all hold).
 */
export async function checkSessions(database: string, sessions: Session[]): Promise<string[]> {
  const rows = await queryRows<RefreshRow>(
    database,
    'select id, grant_id, rotated_at, revoked_at from gatehouse_refresh_tokens',
  );
  const problems: string[] = [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const [i, session] of sessions.entries()) {
    const grant = byId.get(tokenId(session.first))?.grant_id;
    const ofGrant = rows.filter((r) => r.grant_id === grant);
    const received = new Set(session.received.map(tokenId));
    const missing = [...received].filter((id) => !byId.has(id));
    if (missing.length)
      problems.push(`session ${i}: ${missing.length} received token(s) not in the database`);
    const unseen = ofGrant.filter((r) => !received.has(r.id));
    if (unseen.length) problems.push(`session ${i}: ${unseen.length} rotation(s) never received`);
    if (ofGrant.some((r) => r.revoked_at !== null)) problems.push(`session ${i}: revoked`);
    const live = ofGrant.filter((r) => r.rotated_at === null && r.revoked_at === null).map((r) => r.id);
    if (live.length !== 1 || live[0] !== tokenId(session.current))
      problems.push(`session ${i}: live ${JSON.stringify(live)}, client holds ${tokenId(session.current)}`);
  }
  const liveByGrant = new Map<string, number>();
  for (const r of rows)
    if (r.rotated_at === null && r.revoked_at === null)
      liveByGrant.set(r.grant_id, (liveByGrant.get(r.grant_id) ?? 0) + 1);
  const doubled = [...liveByGrant].filter(([, n]) => n > 1);
  if (doubled.length) problems.push(`${doubled.length} grant(s) with two live refresh tokens`);
  return problems;
}

/** `gatehouse serve` on a fixed port (so a restarted process keeps its issuer) over `database`. */
export async function serveOnPort(database: string, port: number, extra: Record<string, unknown> = {}) {
  const origin = `http://127.0.0.1:${port}`;
  const proc = await startServe(database, { extra: { port, issuer: origin, ...extra } });
  const fixed: ServeProcess = { ...proc, origin, port };
  return { proc: fixed, srv: asTestServer(fixed) };
}
