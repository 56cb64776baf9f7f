import Database from 'better-sqlite3';

/** A column added after a file's first release: (table, column, the ALTER that adds it). */
export type AddedColumn = [table: string, column: string, ddl: string];

/**
 * Opens one of usagehub's SQLite files the way they all need: WAL, and a commit that
 * returns only once it is synced (`synchronous = FULL`), so a caller that acknowledges
 * after a write never acknowledges something a crash could take back. Creates the
 * schema, and adds to an older file the columns it lacks.
 */
export function openSqlite(
  file: string,
  schema: string,
  options: {
    busyTimeoutMs?: number;
    addedColumns?: readonly AddedColumn[];
    pragmas?: readonly string[];
    /**
     * Gives freed pages back to the file system when asked (`PRAGMA incremental_vacuum`).
     * Takes effect in a new file only: set before anything writes its first page.
     */
    incrementalVacuum?: boolean;
  } = {},
): Database.Database {
  const db = new Database(file);
  if (options.incrementalVacuum) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  for (const pragma of options.pragmas ?? []) db.pragma(pragma);
  db.exec(schema);
  for (const [table, column, ddl] of options.addedColumns ?? []) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!columns.some((c) => c.name === column)) db.exec(ddl);
  }
  return db;
}
