/** Entry point of the log thread: the SQLite event log, off the ingest event loop. */
import { nameThread, serveThread, threadData } from '../../threads/rpc.ts';
import type { Appended, EncodedBatch, EventRef } from '../event-log.port.ts';
import { SqliteEventLog } from '../sqlite/event-log.sqlite.ts';
import { CompactionStatus } from '../sqlite/compaction-status.ts';

/** How often the log looks for a settled stretch to compact when the last look found none, and after a failure. */
const COMPACT_IDLE_MS = 1_000;
const COMPACT_RETRY_MS = 30_000;

/**
 * The appender's page cache. Small: every offset the consumers commit to the log's file
 * makes SQLite drop this connection's whole cache, and a large one had filled with the
 * pages just written — freed by the megabyte, then allocated, zeroed and mapped again
 * (malloc, memset and mprotect were a third of this thread's CPU in a perf record). 4 MiB
 * still holds the dedup index's right edge; this thread's CPU per event fell from
 * 6.96 / 6.32 to 6.04 / 5.75 µs under a Segment load of 15-event batches on 32
 * connections (two alternating pairs against 64 MiB, per-thread CPU accounting).
 */
const APPENDER_CACHE_MIB = 4;

interface Waiting {
  batches: EncodedBatch[];
  resolve: (appended: Appended[]) => void;
  reject: (err: unknown) => void;
}

await serveThread(async () => {
  nameThread('usagehub-log');
  const log = new SqliteEventLog(threadData<{ file: string }>().file, { cacheMiB: APPENDER_CACHE_MIB });
  // Appends that arrive in the same turn (the main thread may have several groups in
  // flight) are merged into one transaction: one sync to disk for all of them.
  let waiting: Waiting[] = [];
  const compaction = new CompactionStatus();
  const flush = async (): Promise<void> => {
    const group = waiting;
    waiting = [];
    try {
      const appended = await log.append(group.flatMap((w) => w.batches));
      let at = 0;
      for (const w of group) {
        w.resolve(appended.slice(at, at + w.batches.length));
        at += w.batches.length;
      }
    } catch (err) {
      for (const w of group) w.reject(err);
    }
  };
  return {
    handlers: {
      append: (batches: EncodedBatch[]) =>
        new Promise<Appended[]>((resolve, reject) => {
          if (waiting.length === 0) setImmediate(() => void flush());
          waiting.push({ batches, resolve, reject });
        }),
      read: ({ after, maxEvents }: { after: number; maxEvents: number }) => log.read(after, maxEvents),
      head: () => log.head(),
      docsAt: (refs: EventRef[]) => log.docsAt(refs),
      commitConsumer: ({ name, offset }: { name: string; offset: number }) =>
        log.commitConsumer(name, offset),
      consumerOffset: (name: string) => log.consumerOffset(name),
      compaction: () => compaction.current,
    },
    // Compaction runs between appends: a step holds the thread a few milliseconds (about
    // a megabyte of documents compressed), and the loop yields to pending appends
    // before the next one.
    step: async () => {
      try {
        const moved = log.compact();
        compaction.ok(moved);
        return moved.events > 0 || moved.freedPages > 0 || moved.keysSettled > 0 ? 1 : COMPACT_IDLE_MS;
      } catch (err) {
        compaction.failed(err);
        return COMPACT_RETRY_MS;
      }
    },
    close: () => log.close(),
  };
});
