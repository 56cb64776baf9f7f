import type { EventQueries } from '../event-store.ts';

/** What the main thread may ask the store thread: the query methods, plus its status. */
export type StoreOp = keyof EventQueries | 'status' | 'eventCount';

export interface StoreRequest {
  id: number;
  op: StoreOp;
  arg: unknown;
}

export type StoreReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }
  | { kind: 'ready' }
  | { kind: 'fatal'; error: string }
  | { kind: 'stopped' };

export interface StoreStatus {
  appliedOffset: number;
}

export interface StoreWorkerData {
  logFile: string;
  storeFile: string;
  memoryLimit: string;
  threads: number;
}
