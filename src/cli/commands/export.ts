import { Writable } from 'node:stream';
import { once } from 'node:events';
import { request } from 'undici';
import cliProgress from 'cli-progress';
import { isScaleProfile, type Config } from '../../config.ts';
import { dataFiles, openCatalog } from '../../runtime.ts';
import { SqliteEventLog } from '../../log/sqlite/event-log.sqlite.ts';
import { DuckDbEventStore } from '../../store/duckdb/event-store.duckdb.ts';
import { PROJECTIONS } from '../../dialects/dialects.ts';
import { StoreWriter } from '../../store/store-writer.ts';
import { CSV_HEADER, formatExportLine, type ExportFormat } from '../../query/export-format.ts';
import { exportPage } from '../../store/export.ts';
import { AppDirectory } from '../../catalog/app-directory.ts';
import { parseFilter, type FilterParams } from '../../query/query.params.ts';
import { chooseTenant, CliError, lockDataDir } from '../backend.ts';
import { UsageHubError } from '../../domain/errors.ts';

export interface ExportOptions extends FilterParams {
  format: ExportFormat;
  tenant?: string;
}

/** A progress bar on stderr, only when a person is watching it. */
function progress(total: number | null): { tick: (n: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: total ? 'exporting [{bar}] {percentage}% {value}/{total} events' : 'exporting {value} events',
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  return { tick: (n) => bar.increment(n), stop: () => bar.stop() };
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Streams stored events to `out`, from a running server (--url) or from the data directory. */
export async function exportEvents(config: Config, opts: ExportOptions, out: Writable): Promise<number> {
  return config.url ? exportRemote(config, opts, out) : exportLocal(config, opts, out);
}

async function exportRemote(config: Config, opts: ExportOptions, out: Writable): Promise<number> {
  if (!config.key) throw new CliError('--url needs a read key: pass --key or set USAGEHUB_KEY');
  const url = new URL('/v1/export', config.url);
  for (const k of ['app', 'name', 'from', 'to', 'format'] as const) {
    const v = opts[k];
    if (v !== undefined) url.searchParams.set(k, v);
  }
  const res = await request(url, { headers: { authorization: `Bearer ${config.key}` } });
  if (res.statusCode >= 400) {
    const body = (await res.body.json()) as { error?: { code: string; message: string } };
    throw new CliError(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.statusCode}`);
  }
  const bar = progress(null);
  let lines = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    for (const byte of buf) if (byte === 10) lines++;
    bar.tick(0);
    await write(out, buf.toString('utf8'));
  }
  bar.tick(lines);
  bar.stop();
  return opts.format === 'csv' ? Math.max(0, lines - 1) : lines;
}

async function exportLocal(config: Config, opts: ExportOptions, out: Writable): Promise<number> {
  if (isScaleProfile(config))
    throw new CliError('in the scale profile, export through a running server: --url and --key');
  const files = dataFiles(config.dataDir);
  const release = lockDataDir(config, 'export from it with --url and --key');
  const catalog = await openCatalog(config);
  const log = new SqliteEventLog(files.log);
  const store = await DuckDbEventStore.open(files.store, {
    memoryLimit: config.storeMemoryLimit,
    threads: config.storeThreads,
    projections: PROJECTIONS,
  });
  try {
    const tenant = await chooseTenant(catalog, config, opts.tenant);
    // Whatever the log holds that the store has not applied yet (a server that was
    // killed) is applied first, so the export is complete.
    await new StoreWriter(log, store).drain();
    let filter;
    try {
      filter = await parseFilter(tenant.id, opts, new AppDirectory(catalog));
    } catch (err) {
      if (err instanceof UsageHubError) throw new CliError(err.details.map((d) => d.reason).join('; '));
      throw err;
    }
    const bar = progress(await store.eventCount(tenant.id));
    let n = 0;
    if (opts.format === 'csv') await write(out, CSV_HEADER);
    let after: string | undefined;
    do {
      const page = await exportPage(store, log, { ...filter, after, limit: 5000 });
      await write(
        out,
        page.events.map((doc, i) => formatExportLine(doc, opts.format, page.seqs[i]!)).join(''),
      );
      n += page.events.length;
      bar.tick(page.events.length);
      after = page.next ?? undefined;
    } while (after !== undefined);
    bar.stop();
    return n;
  } finally {
    await store.close();
    await log.close();
    await catalog.close();
    release();
  }
}
