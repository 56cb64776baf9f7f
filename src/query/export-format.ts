import type { UsageEvent } from '../domain/event.ts';

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
  'properties',
] as const;

export const CSV_HEADER = CSV_COLUMNS.join(',') + '\n';

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One stored event (its canonical JSON) as one line of the export. */
export function formatExportLine(doc: string, format: ExportFormat): string {
  if (format === 'ndjson') return doc + '\n';
  const e = JSON.parse(doc) as UsageEvent;
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
    e.properties,
  ];
  return row.map(csvCell).join(',') + '\n';
}
