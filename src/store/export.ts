import type { EventLog } from '../log/event-log.port.ts';
import type { EventStore } from './event-store.port.ts';
import type { ExportPage, ExportQuery } from './queries.ts';
import { refOf, seqOf } from './seq.ts';

/**
 * One page of an export: the store finds the matching events, the log (their archive)
 * gives their full documents.
 */
export async function exportPage(store: EventStore, log: EventLog, q: ExportQuery): Promise<ExportPage> {
  const page = await store.locate(q);
  return { events: await log.docsAt(page.refs), seqs: page.refs.map(seqOf), next: page.next };
}

/**
 * EventQueries.eventAt: the seq addresses the document in the log, so one read finds it
 * (a settled one costs its segment's decoding, ~0.6 ms); asking the store first cost a
 * scan of ~8 ms at 10 M events (bench:query). Documents begin with their tenant
 * (log/event-doc.ts), which must be the caller's.
 */
export async function eventAt(log: EventLog, tenantId: string, seq: number): Promise<string | null> {
  if (!Number.isSafeInteger(seq) || seq < 0) return null;
  let doc: string | undefined;
  try {
    [doc] = await log.docsAt([refOf(seq)]);
  } catch {
    return null; // no such event: docsAt says so by failing
  }
  if (doc === undefined) return null;
  return (JSON.parse(doc) as { tenantId?: unknown }).tenantId === tenantId ? doc : null;
}
