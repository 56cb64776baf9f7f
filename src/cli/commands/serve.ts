import type { AddressInfo } from 'node:net';
import { buildApp } from '../../app.ts';
import { isScaleProfile, type Config } from '../../config.ts';
import { redact } from '../../storage/postgres.ts';
import { acquireDataLock } from '../../ops/data-lock.ts';
import { CliError } from '../backend.ts';
import type { AdminService } from '../../admin/admin.service.ts';
import { dataFiles, openServerRuntime } from '../../runtime.ts';

/** Header values that must never reach a log line. */
const REDACT = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];

/**
 * Runs the server until SIGTERM or SIGINT, then shuts down gracefully: stop taking
 * connections, finish in-flight requests (their batches commit), stop the store thread,
 * close files. If that takes longer than the configured deadline, exit anyway, non-zero.
 */
export async function serve(config: Config): Promise<void> {
  // The embedded profile's files belong to one server; the scale profile's processes share engines.
  const lock = isScaleProfile(config)
    ? ({ outcome: 'acquired', release: () => {} } as const)
    : acquireDataLock(dataFiles(config.dataDir).lock, 'server');
  if (lock.outcome === 'held') {
    throw new CliError(
      `${config.dataDir} is in use by process ${lock.holder.pid} (${lock.holder.role}, since ${lock.holder.since})`,
    );
  }
  if (lock.outcome === 'unwritable') {
    throw new CliError(
      `${lock.reason}\n  usagehub keeps its log, store and catalog there: give it a writable directory ` +
        '(--data or USAGEHUB_DATA_DIR).',
    );
  }
  let fatal: ((err: Error) => void) | null = null;
  let logError: ((err: Error, what: string) => void) | null = null;
  const runtime = await openServerRuntime(
    config,
    (err) => fatal?.(err),
    (err, what) => logError?.(err, what),
  );
  const app = await buildApp({ ...runtime.deps, logger: { level: config.logLevel, redact: REDACT } });

  let stopping = false;
  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ why }, 'shutting down');
    runtime.beginShutdown();
    setTimeout(() => {
      app.log.error({ deadlineMs: config.shutdownTimeoutMs }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Keep-alive connections busy when the close began become idle once answered; Node
    // closes idle connections only at the call, so keep closing them until all are gone.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
    try {
      await app.close();
      clearInterval(reaper);
      app.log.info('http server closed; in-flight requests answered');
      await runtime.close((phase) => app.log.info(phase));
    } finally {
      lock.release();
    }
    app.log.info('stopped');
    process.exit(code);
  };
  logError = (err, what) => app.log.error({ err }, what);
  fatal = (err) => {
    app.log.fatal({ err }, 'fatal error');
    void shutdown('fatal error', 1);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await runtime.close();
    lock.release();
    throw err;
  }
  const url = listeningUrl(app.server.address() as AddressInfo);
  // Port 0 asks for any free port: whoever started the server learns which from this line.
  if (config.port === 0) process.stderr.write(`usagehub: listening on ${url}\n`);
  app.log.info(
    isScaleProfile(config)
      ? {
          role: config.role,
          log: redact(config.log),
          stream: config.logStream,
          eventStore: redact(config.eventStore),
          catalog: redact(config.catalog),
          liveStore: redact(config.liveStore),
        }
      : { dataDir: config.dataDir, catalog: redact(config.catalog), liveStore: redact(config.liveStore) },
    'usagehub is ready',
  );
  if (!isScaleProfile(config)) await firstStart(runtime.deps.admin, config, url);
}

/** The URL a client on this machine reaches the bound address at. */
function listeningUrl(address: AddressInfo): string {
  const host = ['0.0.0.0', '::'].includes(address.address)
    ? 'localhost'
    : address.family === 'IPv6'
      ? `[${address.address}]`
      : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * On the first start of an empty data directory, the first tenant and its admin key,
 * so that a newcomer goes from `npm start` to a first event without stopping the
 * server. The key is shown once, on the terminal (stderr), never in the JSON logs. In
 * the scale profile, `usagehub init` does this (several processes start at once).
 */
async function firstStart(admin: AdminService, config: Config, url: string): Promise<void> {
  const created = await admin.init(undefined);
  if (created.outcome !== 'created') return;
  process.stderr.write(
    `\nusagehub: first start on ${config.dataDir}: created tenant ${created.tenant.id} and its admin key.\n` +
      `  The key is shown this once; keep it:\n\n` +
      `  export USAGEHUB_URL=${url} USAGEHUB_KEY=${created.adminKey.secret}\n\n` +
      `  Then: npx usagehub apps create --name web   (see the README's first steps)\n\n`,
  );
}
