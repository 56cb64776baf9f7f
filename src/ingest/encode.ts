import type { UsageEvent } from '../domain/event.ts';
import type { EncodedBatch } from '../log/event-log.ts';

/** Serialises a batch once, on the thread that mapped it, into the log's form. */
export function encodeBatch(events: readonly UsageEvent[]): EncodedBatch {
  let keys = '';
  const docs = new Array<string>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    keys += e.dedupKey;
    docs[i] = JSON.stringify(e);
  }
  return { keys, docs: docs.join('\n') };
}
