import { problem, type Problem } from '../domain/errors.ts';
import type { UsageEvent } from '../domain/event.ts';
import type { EncodedBatch } from '../log/event-log.port.ts';
import { eventDoc } from '../log/event-doc.ts';
import { MAX_EVENT_CHARS } from './check-events.ts';

export type EncodeOutcome =
  | { outcome: 'ok'; batch: EncodedBatch; docs: string[] }
  | { outcome: 'invalid'; problems: Problem[] }
  | { outcome: 'amplified'; budget: number };

/**
 * Serialises a batch once, on the thread that mapped it, into the log's form. An event
 * whose document would be larger than MAX_EVENT_CHARS is refused: the stores parse each
 * document whole. Encoding stops as soon as the documents pass `budget` characters
 * (ingest/amplification.ts), so a request that would store too much costs no more than that.
 */
export function encodeBatch(events: readonly UsageEvent[], budget = Infinity): EncodeOutcome {
  let keys = '';
  let chars = 0;
  const docs = new Array<string>(events.length);
  let problems: Problem[] | null = null;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    keys += e.dedupKey;
    const doc = eventDoc(e);
    chars += doc.length;
    if (chars > budget) return { outcome: 'amplified', budget };
    if (doc.length > MAX_EVENT_CHARS) {
      (problems ??= []).push(
        problem(
          '(event)',
          'field_range',
          `the event is larger than ${MAX_EVENT_CHARS} characters as JSON`,
          i,
        ),
      );
    }
    docs[i] = doc;
  }
  return problems
    ? { outcome: 'invalid', problems }
    : { outcome: 'ok', batch: { keys, docs: docs.join('\n') }, docs };
}
