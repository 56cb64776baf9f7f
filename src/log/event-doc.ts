/**
 * The layout of an event's document in the log, and what it lets a consumer skip.
 *
 * Every document is written by eventDoc, the same way whatever the dialect: the head —
 * every field but the client's properties and payload, actor, session and context with
 * only their known keys — then `"properties"` and `"raw"` last. A JSON string cannot hold
 * an unescaped quote and no key of the head is called `properties`, so the first
 * `,"properties":` of a document ends its head. The head is about half of a document
 * from an SDK (the payload repeats the rest); a consumer that reads only the head fields
 * (the DuckDB store's events table) hands on half the bytes.
 */
import type { UsageEvent } from '../domain/event.ts';
import { KEY_CHARS } from './event-log.port.ts';

export function eventDoc(e: UsageEvent): string {
  const { actor: a, session: s, context: c } = e;
  return JSON.stringify({
    tenantId: e.tenantId,
    appId: e.appId,
    source: e.source,
    name: e.name,
    category: e.category,
    occurredAt: e.occurredAt,
    receivedAt: e.receivedAt,
    actor: { email: a.email, userId: a.userId, deviceId: a.deviceId },
    session: { id: s.id, action: s.action },
    count: e.count,
    context: {
      targetApp: c.targetApp,
      targetAppName: c.targetAppName,
      ip: c.ip,
      domain: c.domain,
      company: c.company,
      companyResolvedBy: c.companyResolvedBy,
      ipRange: c.ipRange,
      organisation: c.organisation,
      userAgent: c.userAgent,
      environment: c.environment,
    },
    clientId: e.clientId,
    dedupKey: e.dedupKey,
    properties: e.properties,
    raw: e.raw,
  } satisfies UsageEvent);
}

export const PROPERTIES_KEY = ',"properties":';
/** What a head written by eventDoc ends with: the dedup key, KEY_CHARS hex digits and a quote. */
const HEAD_END = ',"dedupKey":"';
const HEAD_END_AT = HEAD_END.length + KEY_CHARS + 1;

/**
 * A batch's documents (NDJSON) with each cut to its head and closed: `{…,"dedupKey":"…"}`.
 * A document written before this layout (its head does not end with the dedup key) is
 * kept whole, as is an empty line; lines keep their places. Linear in the text.
 */
export function docHeads(docs: string): string {
  let out = '';
  // The next `,"properties":` at or after `from`, found once for the lines it skips.
  let next = docs.indexOf(PROPERTIES_KEY);
  for (let from = 0; from <= docs.length;) {
    let end = docs.indexOf('\n', from);
    if (end === -1) end = docs.length;
    if (next !== -1 && next < from) next = docs.indexOf(PROPERTIES_KEY, from);
    const head =
      next !== -1 && next < end && docs.startsWith(HEAD_END, next - HEAD_END_AT) && next - HEAD_END_AT > from;
    out += head ? `${docs.slice(from, next)}}` : docs.slice(from, end);
    if (end < docs.length) out += '\n';
    from = end + 1;
  }
  return out;
}
