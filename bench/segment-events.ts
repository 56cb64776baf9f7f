/**
 * Segment messages through usagehub's own mapping and encoding, as the server runs them:
 * the events and log documents that bench:sdk-stages, bench:store-apply and bench:codecs
 * measure.
 */
import { mapSegment } from '../src/dialects/segment/segment.mapping.ts';
import type { UsageEvent } from '../src/domain/event.ts';
import { checkEvents } from '../src/ingest/check-events.ts';
import { encodeBatch } from '../src/ingest/encode.ts';
import type { EncodedBatch } from '../src/log/event-log.port.ts';

/** The source the benchmarks' messages arrive through. */
export const BENCH_PRINCIPAL = {
  tenantId: '01KBENCHTENANT000000000000',
  appId: '01KBENCHAPP000000000000000',
  sourceId: 's',
  allowedOrigins: [],
};

/** A batch's messages as canonical events; throws if one does not map (a benchmark's bodies must). */
export function mapSegmentMessages(messages: unknown[], requestIp?: string): UsageEvent[] {
  const outcome = mapSegment({
    messages,
    shared: {},
    routeType: null,
    measureEach: false,
    principal: BENCH_PRINCIPAL,
    receivedAt: Date.now(),
    requestIp,
    enrichment: { ranges: null },
  });
  if (outcome.outcome !== 'ok') throw new Error(`the bench messages must map: ${JSON.stringify(outcome)}`);
  return outcome.events;
}

/** The events checked and encoded as the log receives them; throws if they do not pass. */
export function encodeEvents(events: UsageEvent[]): EncodedBatch {
  if (checkEvents(events).length > 0) throw new Error('the bench events must pass the checks');
  const outcome = encodeBatch(events);
  if (outcome.outcome !== 'ok') throw new Error(`the bench events must encode: ${JSON.stringify(outcome)}`);
  return outcome.batch;
}
