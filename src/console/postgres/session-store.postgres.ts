import type pg from 'pg';
import { openMigratedPool } from '../../storage/pg-migrations.ts';
import type { PgLocation } from '../../storage/postgres.ts';
import { consoleMigrations } from '../console.migrations.ts';
import type { ConsoleSession, SessionStore } from '../session-store.port.ts';
import { COLUMNS, rowValues, toRow, toSession, type Row } from '../session-row.ts';

/** Console sessions in PostgreSQL, beside the catalog (the console module's migrations). */
export class PgSessionStore implements SessionStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(where: PgLocation, options: { migrate: boolean }): Promise<PgSessionStore> {
    return new PgSessionStore(
      await openMigratedPool(where, 2, {
        ...options,
        modules: [{ module: 'console', steps: consoleMigrations }],
      }),
    );
  }

  async create(session: ConsoleSession): Promise<void> {
    await this.pool.query(
      `INSERT INTO console_sessions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      rowValues(toRow(session)),
    );
  }

  async find(tokenHash: string): Promise<ConsoleSession | null> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM console_sessions WHERE token_hash = $1`,
      [tokenHash],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async end(tokenHash: string): Promise<void> {
    await this.pool.query(
      'UPDATE console_sessions SET ended_at = $2 WHERE token_hash = $1 AND ended_at IS NULL',
      [tokenHash, new Date().toISOString()],
    );
  }

  async purge(before: string): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM console_sessions WHERE expires_at < $1', [
      before,
    ]);
    return rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
