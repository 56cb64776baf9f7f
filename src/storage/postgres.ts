import pg from 'pg';

/** A PostgreSQL location as usagehub takes it: the server's URL, and the schema inside it. */
export interface PgLocation {
  /** The connection string without usagehub's own parameters. */
  url: string;
  /** Every usagehub table lives in this schema (default `usagehub`). */
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads `postgres://user@host:port/db?schema=name`. The schema parameter is usagehub's
 * (several deployments, or tests, can share a database); the rest goes to the driver.
 * Throws with the reason when the URL cannot be used.
 */
export function parsePgUrl(text: string): PgLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL: ${redact(text)}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new Error(`a PostgreSQL URL starts with postgres://, got ${url.protocol}//`);
  const schema = url.searchParams.get('schema') ?? 'usagehub';
  if (!SCHEMA_NAME.test(schema))
    throw new Error(`schema "${schema}": lower-case letters, digits and _, starting with a letter or _`);
  url.searchParams.delete('schema');
  return { url: url.toString(), schema };
}

/** The URL with its password hidden, for messages and logs. */
export function redact(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/**
 * A pool whose every connection works in usagehub's schema and in UTC, so that day and
 * hour buckets are UTC days and hours whatever the server's own time zone.
 */
export function openPool(where: PgLocation, max: number): pg.Pool {
  return new pg.Pool({
    connectionString: where.url,
    max,
    options: `-c search_path=${where.schema} -c TimeZone=UTC`,
    // Without a listener, an idle connection's error (server restart) kills the process.
  }).on('error', () => {});
}

/** Runs `fn` in a transaction on one connection: committed when it returns, rolled back when it throws. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
