import type { Config } from '../../config.ts';
import { LATEST_VERSION, MIGRATIONS, migrate } from '../../storage/pg-migrations.ts';
import { openPool, parsePgUrl, redact } from '../../storage/postgres.ts';
import { CliError } from '../backend.ts';

export interface MigrateResult {
  schema: string;
  version: number;
  applied: { version: number; name: string }[];
}

/** Applies the PostgreSQL migrations this usagehub has and the schema lacks. */
export async function migrateStore(config: Config): Promise<MigrateResult> {
  if (!config.store)
    throw new CliError(
      "migrate works on the scale profile's PostgreSQL: pass --store postgres://… (or USAGEHUB_STORE)",
    );
  const where = parsePgUrl(config.store);
  const pool = openPool(where, 1);
  try {
    const ran = await migrate(pool, where.schema);
    return {
      schema: where.schema,
      version: LATEST_VERSION,
      applied: MIGRATIONS.filter((m) => ran.includes(m.version)).map(({ version, name }) => ({
        version,
        name,
      })),
    };
  } catch (err) {
    throw new CliError(`migrating ${redact(config.store)}: ${(err as Error).message}`);
  } finally {
    await pool.end();
  }
}
