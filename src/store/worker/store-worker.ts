/**
 * Entry point of the store thread. It owns the DuckDB store: runs the store writer in
 * a loop and answers queries. Keeping DuckDB off the main thread leaves the ingest
 * event loop to HTTP, validation and the log commit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteEventLog } from '../../log/sqlite-event-log.ts';
import { DuckDbEventStore } from '../duckdb/duckdb-event-store.ts';
import { StoreWriter } from '../store-writer.ts';
import type { StoreReply, StoreRequest, StoreWorkerData } from './protocol.ts';

const IDLE_POLL_MS = 5;

async function main(port: NonNullable<typeof parentPort>, data: StoreWorkerData): Promise<void> {
  const reply = (m: StoreReply): void => port.postMessage(m);
  const log = new SqliteEventLog(data.logFile);
  const store = await DuckDbEventStore.open(data.storeFile, {
    memoryLimit: data.memoryLimit,
    threads: data.threads,
  });
  const writer = new StoreWriter(log, store);
  let stopping = false;

  port.on('message', (msg: StoreRequest | 'stop') => {
    if (msg === 'stop') {
      stopping = true;
      return;
    }
    void answer(msg).then(reply);
  });

  async function answer(req: StoreRequest): Promise<StoreReply> {
    try {
      const arg = req.arg as never;
      const value =
        req.op === 'status'
          ? { appliedOffset: writer.appliedOffset() }
          : req.op === 'eventCount'
            ? await store.eventCount(arg)
            : await store[req.op](arg);
      return { id: req.id, ok: true, value };
    } catch (err) {
      return { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  await writer.step();
  reply({ kind: 'ready' });
  while (!stopping) {
    const applied = await writer.step();
    if (applied === 0) await sleep(IDLE_POLL_MS);
  }
  await store.close();
  await log.close();
  reply({ kind: 'stopped' });
}

if (!parentPort) throw new Error('store-worker must run in a worker thread');
const port = parentPort;
main(port, workerData as StoreWorkerData).catch((err: unknown) => {
  port.postMessage({ kind: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
});
