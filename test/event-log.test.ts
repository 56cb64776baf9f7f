import path from 'node:path';
import { SqliteEventLog } from '../src/log/sqlite/event-log.sqlite.ts';
import { LogThread } from '../src/log/thread/log-thread.ts';
import { eventLogConformance } from './conformance/event-log.conformance.ts';
import { tempDir } from './helpers/server.ts';

const place = () => path.join(tempDir(), 'log.db');

eventLogConformance('SqliteEventLog', { place, open: async (file) => new SqliteEventLog(file) });
eventLogConformance('LogThread (SQLite on its own thread)', {
  place,
  open: (file) =>
    LogThread.open(file, (err) => {
      throw err;
    }),
});

/**
 * The same log, compacting as eagerly as it can: after every call, every settled batch
 * goes into segments of a few documents, so each test reads across segments and tail,
 * and all but the newest few dedup keys into blocks of two.
 */
class CompactingLog extends SqliteEventLog {
  private settle(): void {
    while (this.compact().events > 0);
  }
  override async append(...a: Parameters<SqliteEventLog['append']>) {
    const r = await super.append(...a);
    this.settle();
    return r;
  }
  override async commitConsumer(name: string, offset: number) {
    await super.commitConsumer(name, offset);
    this.settle();
  }
}
eventLogConformance('SqliteEventLog, compacted into segments', {
  place,
  open: async (file) => new CompactingLog(file, { segmentBytes: 64, dedupHotKeys: 4, dedupBlockKeys: 2 }),
});
