import { sibling, ThreadClient } from '../../threads/rpc.ts';
import type { EventQueries } from '../event-store.port.ts';
import type { Projection } from '../projection.ts';
import type { StoreStatus } from '../store-status.ts';
import type { QuarantineAdmin } from '../quarantine-admin.ts';

export interface StoreThreadData {
  logFile: string;
  storeFile: string;
  memoryLimit: string;
  threads: number;
  /** What the modules keep beside the events (text: it crosses into the thread). */
  projections: readonly Projection[];
}

/**
 * Every query method of the port, forwarded to the store thread. Written once: the
 * proxy below and the thread's handlers are both made from this list, and the type
 * check at its end fails when the port gains a method the list lacks.
 */
export const QUERY_METHODS = [
  'counts',
  'distinctUsers',
  'topUsers',
  'exportPage',
  'eventAt',
  'usage',
  'topCompanies',
  'eventCount',
  'select',
  'linkPersons',
  'recordTraits',
] as const satisfies readonly (keyof EventQueries)[];
type Listed = (typeof QUERY_METHODS)[number];
const everyMethodListed: Exclude<keyof EventQueries, Listed | 'engine'> extends never ? true : never = true;
void everyMethodListed;

/** The quarantine's methods, forwarded as `quarantine.<method>`. */
export const QUARANTINE_METHODS = [
  'list',
  'show',
  'retry',
  'count',
] as const satisfies readonly (keyof QuarantineAdmin)[];
const everyQuarantineMethodListed: Exclude<
  keyof QuarantineAdmin,
  (typeof QUARANTINE_METHODS)[number]
> extends never
  ? true
  : never = true;
void everyQuarantineMethodListed;

/** What the store thread answers besides queries. */
export interface StoreThreadControl {
  appliedOffset(): Promise<number>;
  status(): Promise<StoreStatus>;
}

/**
 * The main thread's handle on the store thread: it starts once the store has caught
 * up with the log (or found it cannot, and goes on retrying), forwards queries, and on
 * stop lets the current apply commit first.
 */
export type StoreThread = EventQueries &
  StoreThreadControl & { quarantine: QuarantineAdmin; stop(): Promise<void> };

export async function openStoreThread(
  data: StoreThreadData,
  onFatal: (err: Error) => void,
): Promise<StoreThread> {
  const thread = new ThreadClient(sibling(import.meta.url, './store-worker'), data, onFatal);
  await thread.whenReady();
  const forward =
    (op: string) =>
    (...args: unknown[]) =>
      thread.call(op, args);
  const proxy = Object.fromEntries([...QUERY_METHODS, 'appliedOffset', 'status'].map((m) => [m, forward(m)]));
  const quarantine = Object.fromEntries(QUARANTINE_METHODS.map((m) => [m, forward(`quarantine.${m}`)]));
  return {
    ...(proxy as unknown as EventQueries & StoreThreadControl),
    engine: 'duckdb',
    quarantine: quarantine as unknown as QuarantineAdmin,
    stop: () => thread.stop(),
  };
}
