import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Todos in SQLite, one list per user: every query is scoped by `sub`, the access token's subject, so
 * one user can never see or change another's todos, whatever ids they send.
 */

export interface Todo {
  id: number;
  title: string;
  done: boolean;
  createdAt: string;
  completedAt: string | null;
}

interface Row {
  id: number;
  title: string;
  done: number;
  created_at: number;
  completed_at: number | null;
}

const toTodo = (row: Row): Todo => ({
  id: row.id,
  title: row.title,
  done: row.done === 1,
  createdAt: new Date(row.created_at).toISOString(),
  completedAt: row.completed_at === null ? null : new Date(row.completed_at).toISOString(),
});

export class TodoStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS todos (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sub TEXT NOT NULL,
        title TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        completed_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS todos_sub ON todos (sub, id);
    `);
  }

  list(sub: string): Todo[] {
    return (this.db.prepare('SELECT * FROM todos WHERE sub = ? ORDER BY id').all(sub) as Row[]).map(toTodo);
  }

  add(sub: string, title: string): Todo {
    const row = this.db
      .prepare('INSERT INTO todos (sub, title, created_at) VALUES (?, ?, ?) RETURNING *')
      .get(sub, title, Date.now()) as Row;
    return toTodo(row);
  }

  /** Marks the user's todo done; undefined when the user has no todo with this id. */
  complete(sub: string, id: number): Todo | undefined {
    const row = this.db
      .prepare(
        'UPDATE todos SET done = 1, completed_at = coalesce(completed_at, ?) WHERE sub = ? AND id = ? RETURNING *',
      )
      .get(Date.now(), sub, id) as Row | undefined;
    return row && toTodo(row);
  }

  close(): void {
    this.db.close();
  }
}
