import { isLate, type UsageEvent } from '../domain/event.ts';
import type { EventQueries } from '../store/event-store.port.ts';
import type { ExportQuery } from '../store/queries.ts';

/** How many events one page of a text search looks at, at most: a page costs milliseconds, never a scan of the store. */
export const SCAN_BUDGET = 5000;
const SCAN_PAGE = 500;

export interface FoundEvents {
  events: Record<string, unknown>[];
  next: string | null;
  scanned: number;
}

/**
 * A stored document as text the way the API shows it: usagehub's id for it and whether
 * it came late, then the document — built on the text, without serialising it again.
 */
export const storedEventText = (
  doc: string,
  event: Pick<UsageEvent, 'occurredAt' | 'receivedAt'>,
  seq: number,
) => `{"eventId":"${seq}","late":${isLate(event)},${doc.slice(1)}`;

/** A stored document as the API shows it: usagehub's id for it (eventId, as in exports) and whether it came late, then the event. */
export function storedEventView(doc: string, seq: number): Record<string, unknown> {
  const event = JSON.parse(doc) as UsageEvent;
  return { eventId: String(seq), late: isLate(event), ...event };
}

/**
 * A page of stored events, newest first. With `q`, only events whose properties contain
 * the text (case-insensitive): the store keeps no properties (the log does), so the
 * documents are read page by page and searched here, within SCAN_BUDGET; `next` then
 * continues the search where it stopped.
 */
export async function findEvents(
  store: Pick<EventQueries, 'exportPage'>,
  filter: Omit<ExportQuery, 'limit' | 'after' | 'order'>,
  page: { q?: string | undefined; limit: number; after?: string | undefined },
): Promise<FoundEvents> {
  const needle = page.q?.toLowerCase();
  const events: Record<string, unknown>[] = [];
  let after = page.after;
  let scanned = 0;
  for (;;) {
    const located = await store.exportPage({
      ...filter,
      order: 'newest',
      after,
      limit: needle === undefined ? page.limit : SCAN_PAGE,
    });
    for (let i = 0; i < located.events.length; i++) {
      const seq = located.seqs[i]!;
      const doc = located.events[i]!;
      scanned++;
      // The properties are in the document as JSON.stringify writes them alone: a document
      // without the text cannot have it in its properties, and is not parsed.
      if (needle !== undefined && !doc.toLowerCase().includes(needle)) continue;
      const view = storedEventView(doc, seq);
      if (
        needle !== undefined &&
        !JSON.stringify(view.properties ?? {})
          .toLowerCase()
          .includes(needle)
      )
        continue;
      events.push(view);
      // A full page: the next one starts after this event, even mid-way through a store page.
      if (events.length === page.limit) return { events, next: String(seq), scanned };
    }
    after = located.next ?? undefined;
    if (after === undefined || needle === undefined || scanned >= SCAN_BUDGET) {
      return { events, next: after ?? null, scanned };
    }
  }
}
