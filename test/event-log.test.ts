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
