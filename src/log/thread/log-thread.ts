import { sibling, ThreadClient } from '../../threads/rpc.ts';
import type { Appended, EncodedBatch, EventLog, EventRef, LogBatch } from '../event-log.port.ts';
import { OffsetConsumer } from '../offset-consumer.ts';
import type { CompactionReport } from '../sqlite/compaction-status.ts';

/**
 * The log thread's V8 old generation, in MiB. It holds the groups in flight (at most
 * four, a large request's pieces a megabyte each) and a compaction step's few
 * megabytes; with the default 256 its heap grew toward the cap on compaction's garbage
 * before collecting it: the server's peak resident memory loading bench:query's 10 M
 * events on Node 24 was 1,579–1,689 MiB against 1,502 with compaction off, and 1,493
 * with 128 (64 gave 1,470).
 */
const LOG_HEAP_MIB = 128;

/**
 * The SQLite event log on a thread of its own. Its commits wait on fsync; on the
 * main thread they would stall HTTP parsing and validation for the whole wait.
 */
export class LogThread implements EventLog {
  private readonly thread: ThreadClient;

  private constructor(file: string, onFatal: (err: Error) => void) {
    this.thread = new ThreadClient(sibling(import.meta.url, './log-worker'), { file }, onFatal, LOG_HEAP_MIB);
  }

  static async open(file: string, onFatal: (err: Error) => void): Promise<LogThread> {
    const log = new LogThread(file, onFatal);
    await log.thread.whenReady();
    return log;
  }

  append = (batches: readonly EncodedBatch[]) => this.thread.call<Appended[]>('append', batches);
  read = (after: number, maxEvents: number) => this.thread.call<LogBatch[]>('read', { after, maxEvents });
  head = () => this.thread.call<number>('head', null);
  docsAt = (refs: readonly EventRef[]) => this.thread.call<string[]>('docsAt', refs);
  commitConsumer = (name: string, offset: number) =>
    this.thread.call<void>('commitConsumer', { name, offset });
  consumerOffset = (name: string) => this.thread.call<number>('consumerOffset', name);
  consumer = async (name: string) => new OffsetConsumer(this, name);
  /** What the log's compaction into segments has done since start (sqlite/segments.ts). */
  compaction = () => this.thread.call<CompactionReport>('compaction', null);
  close = () => this.thread.stop();
}
