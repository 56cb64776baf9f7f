import { Worker } from 'node:worker_threads';
import type { EventQueries } from '../event-store.ts';
import type { CountsQuery, ExportQuery, TopUsersQuery, UsersQuery } from '../../query/query.ts';
import type { StoreOp, StoreReply, StoreStatus, StoreWorkerData } from './protocol.ts';

const bootUrl = new URL('./boot.js', import.meta.url);
const entry = new URL('./store-worker.ts', import.meta.url).href;

/**
 * The main thread's handle on the store thread: starts it, forwards queries to it,
 * and stops it so that the batch it is applying is committed first.
 */
export class StoreThread implements EventQueries {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<void>;
  private stopped: Promise<void> | null = null;
  private fatal: Error | null = null;

  constructor(data: StoreWorkerData, onFatal: (err: Error) => void) {
    this.worker = new Worker(bootUrl, { workerData: { ...data, entry } });
    let markReady: () => void;
    let failReady: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      markReady = res;
      failReady = rej;
    });
    this.worker.on('message', (m: StoreReply) => {
      if ('kind' in m) {
        if (m.kind === 'ready') markReady();
        if (m.kind === 'fatal') {
          this.fatal = new Error(`store thread failed: ${m.error}`);
          failReady(this.fatal);
          this.failAll(this.fatal);
          onFatal(this.fatal);
        }
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
    this.worker.on('error', (err) => {
      this.fatal = err;
      failReady(err);
      this.failAll(err);
      onFatal(err);
    });
  }

  /** Resolves once the store is open and has caught up with what the log held at start. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private call<T>(op: StoreOp, arg: unknown): Promise<T> {
    if (this.fatal) return Promise.reject(this.fatal);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, arg });
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  counts = (q: CountsQuery) => this.call<Awaited<ReturnType<EventQueries['counts']>>>('counts', q);
  distinctUsers = (q: UsersQuery) =>
    this.call<Awaited<ReturnType<EventQueries['distinctUsers']>>>('distinctUsers', q);
  topUsers = (q: TopUsersQuery) => this.call<Awaited<ReturnType<EventQueries['topUsers']>>>('topUsers', q);
  exportPage = (q: ExportQuery) =>
    this.call<Awaited<ReturnType<EventQueries['exportPage']>>>('exportPage', q);
  status = () => this.call<StoreStatus>('status', null);
  eventCount = (tenantId: string) => this.call<number>('eventCount', tenantId);

  /** Lets the current batch commit, closes the store, and ends the thread. */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      this.worker.on('exit', () => resolve());
      this.worker.on('message', (m: StoreReply) => {
        if ('kind' in m && m.kind === 'stopped') void this.worker.terminate();
      });
      this.worker.postMessage('stop');
    });
    return this.stopped;
  }
}
