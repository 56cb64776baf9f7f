/**
 * Entry point of the profiles thread (embedded profile): reads the log file on a
 * connection of its own and keeps the profiles in catalog.db, off the ingest event loop.
 * The outbox it fills is reported by the main thread (profiles.module.ts), which owns
 * the Live dispatcher and the event store's thread.
 */
import { SqliteEventLog } from '../../log/sqlite/event-log.sqlite.ts';
import { nameThread, serveThread, threadData } from '../../threads/rpc.ts';
import { EMBEDDED_KNOWN_MS, ProfilesWorker } from '../profiles.worker.ts';
import { SqliteProfileStore } from '../sqlite/profile-store.sqlite.ts';

export interface ProfilesThreadData {
  logFile: string;
  catalogFile: string;
}

await serveThread(async () => {
  nameThread('usagehub-profile');
  const { logFile, catalogFile } = threadData<ProfilesThreadData>();
  const log = new SqliteEventLog(logFile, { cacheMiB: 8 });
  const store = new SqliteProfileStore(catalogFile);
  const onError = (err: Error) => console.error(`usagehub: profiles (retrying): ${err.message}`);
  // The only member of the group: what it learnt of a person is changed by none but it
  // (profile writes all come from the log), so it trusts it for minutes, not seconds.
  const worker = new ProfilesWorker(log, store, null, onError, 1000, EMBEDDED_KNOWN_MS);
  return {
    handlers: {},
    // A failed turn is tried again after a pause (ProfilesWorker passes over what keeps failing).
    step: async () => {
      try {
        // Idle: the log is asked again every 200 ms (profiles follow the events within that).
        return (await worker.turn()) ? 0 : 200;
      } catch (err) {
        onError(err as Error);
        return 1000;
      }
    },
    close: async () => {
      await worker.stop();
      await store.close();
      await log.close();
    },
  };
});
