import type { Command } from 'commander';
import { isScaleProfile, type Config } from '../../config.ts';
import { dataFiles } from '../../ops/data-files.ts';
import type { QuarantineAdmin } from '../../store/quarantine-admin.ts';
import type { QuarantinedEvent, ReapplyOutcome } from '../../store/quarantine.ts';
import { CliError, lockDataDir, remoteClient } from '../backend.ts';

/** What the commands use: the count is for metrics. */
type Quarantine = Pick<QuarantineAdmin, 'list' | 'show' | 'retry'> & { close(): Promise<void> };

/** Quarantine through the admin API of a running server: the key's tenant. */
function remote(url: string, key: string): Quarantine {
  const api = remoteClient(url, key);
  return {
    list: async (q) =>
      (
        await api.call<{ events: QuarantinedEvent[] }>(
          'GET',
          `/v1/quarantine?limit=${q.limit}${q.after === undefined ? '' : `&after=${q.after}`}`,
        )
      ).events,
    show: (_tenant, seq) => api.call('GET', `/v1/quarantine/${seq}`),
    retry: (_tenant, seq) => api.call<ReapplyOutcome>('POST', `/v1/quarantine/${seq}/retry`),
    close: async () => {},
  };
}

/** Quarantine in the data directory itself, every tenant's: for operators, with the server stopped. */
async function local(config: Config): Promise<Quarantine> {
  if (isScaleProfile(config))
    throw new CliError('in the scale profile, use a running server: --url and --key');
  const release = lockDataDir(config, 'talk to it with --url and --key (or USAGEHUB_URL and USAGEHUB_KEY)');
  const files = dataFiles(config.dataDir);
  const [{ SqliteEventLog }, { DuckDbEventStore }, { quarantineAdmin }, { PROJECTIONS }] = await Promise.all([
    import('../../log/sqlite/event-log.sqlite.ts'),
    import('../../store/duckdb/event-store.duckdb.ts'),
    import('../../store/quarantine-admin.ts'),
    import('../../dialects/dialects.ts'),
  ]);
  const log = new SqliteEventLog(files.log);
  const store = await DuckDbEventStore.open(files.store, {
    memoryLimit: config.storeMemoryLimit,
    threads: config.storeThreads,
    projections: PROJECTIONS,
  });
  return {
    ...quarantineAdmin(store, log),
    close: async () => {
      await store.close();
      await log.close();
      release();
    },
  };
}

const line = (e: QuarantinedEvent): string =>
  `${e.seq}\t${new Date(e.at).toISOString()}\t${e.attempts} attempt(s)\t${e.reason}`;

/** `usagehub quarantine list|show|retry`. */
export function quarantineCommands(
  program: Command,
  configFrom: (cmd: Command) => Config,
  print: (cmd: Command, value: unknown, human: () => string) => void,
): void {
  const withQuarantine = async (
    cmd: Command,
    fn: (q: Quarantine, tenant: string | null) => Promise<void>,
  ): Promise<void> => {
    const config = configFrom(cmd);
    if (config.url && !config.key)
      throw new CliError('--url needs an admin key: pass --key or set USAGEHUB_KEY');
    const q = config.url ? remote(config.url, config.key!) : await local(config);
    try {
      await fn(q, null);
    } finally {
      await q.close();
    }
  };
  const seqOf = (text: string): number => {
    if (!/^\d{1,16}$/.test(text)) throw new CliError(`not an event seq: ${text}`);
    return Number(text);
  };

  const quarantine = program
    .command('quarantine')
    .description('events the store could not apply, set aside so that everything else goes on');
  quarantine
    .command('list')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (opts: { limit: string }, cmd: Command) =>
      withQuarantine(cmd, async (q, tenant) => {
        const events = await q.list({
          tenantId: tenant,
          limit: Math.min(1000, Math.max(1, Number(opts.limit) || 100)),
        });
        print(cmd, { events }, () =>
          events.length === 0 ? 'quarantine is empty' : events.map(line).join('\n'),
        );
      }),
    );
  quarantine.command('show <seq>').action(async (seq: string, _o, cmd: Command) =>
    withQuarantine(cmd, async (q, tenant) => {
      const found = await q.show(tenant, seqOf(seq));
      if (!found) throw new CliError(`no quarantined event ${seq}`);
      print(cmd, found, () => `${line(found.event)}\n${found.document}`);
    }),
  );
  quarantine.command('retry <seq>').action(async (seq: string, _o, cmd: Command) =>
    withQuarantine(cmd, async (q, tenant) => {
      const result = await q.retry(tenant, seqOf(seq));
      if (result.outcome === 'not_found') throw new CliError(`no quarantined event ${seq}`);
      print(cmd, result, () =>
        result.outcome === 'applied'
          ? `${seq}\tapplied; out of quarantine`
          : `${seq}\tfailed again: ${result.reason}`,
      );
      if (result.outcome === 'failed') process.exitCode = 1;
    }),
  );
}
