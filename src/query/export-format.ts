import { isLate, type UsageEvent } from '../domain/event.ts';
import { storedEventText } from './find-events.ts';

export type ExportFormat = 'ndjson' | 'csv';

const CSV_COLUMNS = [
  'id',
  'app',
  'source',
  'name',
  'category',
  'occurredAt',
  'receivedAt',
  'email',
  'userId',
  'deviceId',
  'sessionId',
  'count',
  'eventId',
  'dedupKey',
  'late',
  // Last: free-form JSON, the widest cell.
  'properties',
] as const;

export const CSV_HEADER = CSV_COLUMNS.join(',') + '\n';

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One stored event (its canonical JSON) as one line of the export, with its identity:
 * `eventId` (usagehub's id for it, its seq in the log), the dedup key and received time
 * (in the document), and `late` — so that an export can be audited, and re-imported
 * idempotently (send `dedupKey` as the native `id`).
 */
export function formatExportLine(doc: string, format: ExportFormat, seq: number): string {
  const e = JSON.parse(doc) as UsageEvent;
  const eventId = String(seq);
  if (format === 'ndjson') return storedEventText(doc, e, seq) + '\n';
  const row = [
    e.clientId,
    e.appId,
    e.source,
    e.name,
    e.category,
    new Date(e.occurredAt).toISOString(),
    new Date(e.receivedAt).toISOString(),
    e.actor.email,
    e.actor.userId,
    e.actor.deviceId,
    e.session.id,
    e.count,
    eventId,
    e.dedupKey,
    isLate(e),
    e.properties,
  ];
  return row.map(csvCell).join(',') + '\n';
}
