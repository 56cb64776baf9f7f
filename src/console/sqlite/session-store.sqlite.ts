import type Database from 'better-sqlite3';
import { openSqlite } from '../../storage/sqlite.ts';
import type { ConsoleSession, SessionStore } from '../session-store.port.ts';
import { COLUMNS, rowValues, toRow, toSession, type Row } from '../session-row.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS console_sessions (
    token_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id),
    key_id TEXT NOT NULL, key_hash TEXT NOT NULL, role TEXT NOT NULL, csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL, ended_at TEXT);
  CREATE INDEX IF NOT EXISTS console_sessions_expiry ON console_sessions (expires_at);
`;

/** Console sessions in the embedded catalog file (catalog.db), on a connection of their own. */
export class SqliteSessionStore implements SessionStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file, SCHEMA, { pragmas: ['foreign_keys = ON'] });
  }

  async create(session: ConsoleSession): Promise<void> {
    this.db
      .prepare(`INSERT INTO console_sessions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(...rowValues(toRow(session)));
  }

  async find(tokenHash: string): Promise<ConsoleSession | null> {
    const row = this.db
      .prepare<[string], Row>(`SELECT ${COLUMNS} FROM console_sessions WHERE token_hash = ?`)
      .get(tokenHash);
    return row ? toSession(row) : null;
  }

  async end(tokenHash: string): Promise<void> {
    this.db
      .prepare('UPDATE console_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL')
      .run(new Date().toISOString(), tokenHash);
  }

  async purge(before: string): Promise<number> {
    return this.db.prepare('DELETE FROM console_sessions WHERE expires_at < ?').run(before).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
