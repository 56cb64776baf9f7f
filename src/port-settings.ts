/**
 * One setting per port: where the catalog, the event log, the event store and the Live
 * store live, each a URL whose scheme picks the adapter (runtime.ts holds the adapters
 * by engine). Each defaults from `USAGEHUB_STORE` (and the log from nothing), so that a
 * deployment configured before these settings existed keeps working unchanged.
 */
import { redact } from './storage/postgres.ts';

export type Engine = 'sqlite' | 'duckdb' | 'postgres' | 'nats';

/** The ports chosen by a setting each, and the engines each may live on. */
export const PORTS = {
  catalog: { setting: 'USAGEHUB_CATALOG', engines: ['sqlite', 'postgres'] },
  log: { setting: 'USAGEHUB_LOG', engines: ['sqlite', 'nats'] },
  eventStore: { setting: 'USAGEHUB_EVENT_STORE', engines: ['duckdb', 'postgres'] },
  liveStore: { setting: 'USAGEHUB_LIVE_STORE', engines: ['sqlite', 'postgres'] },
} as const satisfies Record<string, { setting: string; engines: readonly Engine[] }>;
export type Port = keyof typeof PORTS;

/** The engine a URL names by its scheme; `sqlite:` and `duckdb:` alone mean the file in the data directory. */
export function engineOf(url: string): Engine | null {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'sqlite' || scheme === 'duckdb' || scheme === 'nats') return scheme;
  return null;
}

export interface PortUrls {
  catalog: string;
  log: string;
  eventStore: string;
  liveStore: string;
}

/** Each port's URL: its own setting, else `USAGEHUB_STORE`, else the embedded engine. */
export function portUrls(c: {
  catalog: string;
  log: string;
  eventStore: string;
  liveStore: string;
  store: string;
}): PortUrls {
  return {
    catalog: c.catalog || c.store || 'sqlite:',
    log: c.log || 'sqlite:',
    eventStore: c.eventStore || c.store || 'duckdb:',
    liveStore: c.liveStore || c.store || 'sqlite:',
  };
}

/**
 * What is wrong with a choice of engines, or null. Several processes share a NATS log,
 * so what they share must be a server too; the PostgreSQL store is written by the
 * workers of a shared log (and keeps the log's dedup claims); the DuckDB store reads the
 * embedded log's file.
 */
export function checkPorts(urls: PortUrls): string | null {
  for (const [port, { setting, engines }] of Object.entries(PORTS)) {
    const engine = engineOf(urls[port as Port]);
    if (engine === null || !(engines as readonly string[]).includes(engine))
      return `${setting}: ${engines.map((e) => `${e}:`).join(' or ')} URL, got ${JSON.stringify(redact(urls[port as Port]))}`;
  }
  const log = engineOf(urls.log);
  const store = engineOf(urls.eventStore);
  if (log === 'nats' && store !== 'postgres')
    return 'USAGEHUB_LOG=nats://… needs USAGEHUB_EVENT_STORE (or USAGEHUB_STORE) on postgres://…: its workers write there together, and the log keeps its dedup keys there';
  if (log !== 'nats' && store === 'postgres')
    return 'USAGEHUB_EVENT_STORE=postgres://… needs USAGEHUB_LOG on nats://…: the PostgreSQL store is written by the workers of a shared log';
  if (log === 'nats') {
    for (const port of ['catalog', 'liveStore'] as const) {
      if (engineOf(urls[port]) !== 'postgres')
        return `USAGEHUB_LOG=nats://… needs ${PORTS[port].setting} (or USAGEHUB_STORE) on postgres://…: every process of the scale profile shares it`;
    }
  }
  return null;
}
