import type { Config } from '../../config.ts';
import { engineOf } from '../../port-settings.ts';
import { MODULE_MIGRATIONS } from '../../dialects/dialects.ts';
import { LATEST_VERSION, MIGRATIONS, migrate } from '../../storage/pg-migrations.ts';
import { openPool, parsePgUrl, redact } from '../../storage/postgres.ts';
import { CliError } from '../backend.ts';

export interface MigrateResult {
  schema: string;
  version: number;
  applied: { version: number; name: string }[];
}

/** The distinct PostgreSQL locations the configuration puts a port in (catalog, event store, Live store). */
function pgUrls(config: Config): string[] {
  const urls = [config.eventStore, config.catalog, config.liveStore].filter(
    (u) => engineOf(u) === 'postgres',
  );
  return [...new Set(urls)];
}

/** Applies the PostgreSQL migrations this usagehub has and the schema lacks. */
async function migrateOne(url: string): Promise<MigrateResult> {
  const where = parsePgUrl(url);
  const pool = openPool(where, 1);
  try {
    const ran = await migrate(pool, where.schema, undefined, MODULE_MIGRATIONS);
    return {
      schema: where.schema,
      version: LATEST_VERSION,
      applied: MIGRATIONS.filter((m) => ran.includes(m.version)).map(({ version, name }) => ({
        version,
        name,
      })),
    };
  } catch (err) {
    throw new CliError(`migrating ${redact(url)}: ${(err as Error).message}`);
  } finally {
    await pool.end();
  }
}

/**
 * Brings every PostgreSQL schema the configuration uses to this version. The answer is
 * the first one's (the event store's, when it is on PostgreSQL); the others are brought
 * to the same version.
 */
export async function migrateStore(config: Config): Promise<MigrateResult> {
  const urls = pgUrls(config);
  if (urls.length === 0)
    throw new CliError(
      'migrate works on PostgreSQL: pass --store postgres://… (or USAGEHUB_STORE, USAGEHUB_CATALOG, USAGEHUB_EVENT_STORE, USAGEHUB_LIVE_STORE)',
    );
  const results: MigrateResult[] = [];
  for (const url of urls) results.push(await migrateOne(url));
  return results[0]!;
}
