import type { EventLog } from '../log/event-log.port.ts';
import type { EventStore } from './event-store.port.ts';
import type { ExportPage, ExportQuery } from './queries.ts';
import { seqOf } from './seq.ts';

/**
 * One page of an export: the store finds the matching events, the log (their archive)
 * gives their full documents.
 */
export async function exportPage(store: EventStore, log: EventLog, q: ExportQuery): Promise<ExportPage> {
  const page = await store.locate(q);
  return { events: await log.docsAt(page.refs), seqs: page.refs.map(seqOf), next: page.next };
}
