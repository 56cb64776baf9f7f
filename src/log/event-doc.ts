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
 * A batch's documents (NDJSON) with each cut to its head and closed: `{…,"dedupKey":"…"}`,
 * or with `withProperties` to its head and properties: `{…,"properties":{…}}` — the
 * client's payload left out either way. A document written before this layout (its head
 * does not end with the dedup key) is kept whole, as is an empty line; lines keep their
 * places. Linear in the text (with properties, in the properties' text too).
 */
export function docHeads(docs: string, withProperties = false): string {
  let out = '';
  // The next `,"properties":` at or after `from`, found once for the lines it skips.
  let next = docs.indexOf(PROPERTIES_KEY);
  for (let from = 0; from <= docs.length;) {
    let end = docs.indexOf('\n', from);
    if (end === -1) end = docs.length;
    if (next !== -1 && next < from) next = docs.indexOf(PROPERTIES_KEY, from);
    const head =
      next !== -1 && next < end && docs.startsWith(HEAD_END, next - HEAD_END_AT) && next - HEAD_END_AT > from;
    if (!head) out += docs.slice(from, end);
    else if (withProperties) out += `${docs.slice(from, objectEnd(docs, next + PROPERTIES_KEY.length))}}`;
    else out += `${docs.slice(from, next)}}`;
    if (end < docs.length) out += '\n';
    from = end + 1;
  }
  return out;
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Where the JSON object starting at `at` ends (one past its `}`). The text is a document
 * JSON.stringify wrote, so valid: only strings need care, for the braces they may hold.
 */
function objectEnd(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
    } else if (c === OPEN) depth++;
    else if (c === CLOSE && --depth === 0) return i + 1;
  }
  throw new Error('an event document ends inside its properties');
}
