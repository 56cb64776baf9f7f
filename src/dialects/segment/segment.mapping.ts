import type { WriteKeyPrincipal } from '../../sources/write-keys.ts';
import { problem, type Problem } from '../../domain/errors.ts';
import type { UsageEvent } from '../../domain/event.ts';
import { sdkEvent, sdkTimestamp, type SdkEnrichment } from '../../sources/sdk-event.ts';
import { isSegmentType, SEGMENT_LIMITS, type SegmentType } from './segment.limits.ts';

type Message = Record<string, unknown>;

export type SegmentMapOutcome =
  { outcome: 'ok'; events: UsageEvent[] } | { outcome: 'invalid'; problems: Problem[] };

export interface SegmentRequest {
  messages: readonly unknown[];
  /** The batch's own `context` and `integrations`, merged into each message (the message's own keys win). */
  shared: { context?: unknown; integrations?: unknown };
  /** The route's type (`/v1/track`), or null on batch routes where each message names its own. */
  routeType: SegmentType | null;
  /** Whether a message may be larger than the limit (the body was): each is then measured. */
  measureEach: boolean;
  principal: WriteKeyPrincipal;
  receivedAt: number;
  /** The request's address, for the browser routes: the library does not send context.ip. */
  requestIp: string | undefined;
  enrichment: SdkEnrichment;
}

const isObject = (v: unknown): v is Message => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** Segment ids may be strings or numbers (the spec says string; libraries pass numbers through). */
const id = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? String(v) : text(v);

/**
 * Maps Segment messages (segment.com/docs/connections/spec/common/) to canonical events,
 * checking what the spec requires of each: a known `type`, `userId` or `anonymousId`,
 * `event` on track, `groupId` on group, `previousId` on alias, at most 32 KB. Every
 * problem of the batch is reported at once; one bad message rejects the whole batch.
 */
export function mapSegment(req: SegmentRequest): SegmentMapOutcome {
  const problems: Problem[] = [];
  const events: UsageEvent[] = [];
  req.messages.forEach((input, index) => {
    // This message's problems are those recorded after `before`.
    const before = problems.length;
    const at = (field: string, code: Problem['code'], reason: string) =>
      problems.push(problem(field, code, reason, index));
    if (!isObject(input)) return at('(message)', 'field_type', 'each message must be a JSON object');
    const size = req.measureEach ? Buffer.byteLength(JSON.stringify(input)) : 0;
    if (size > SEGMENT_LIMITS.eventBytes)
      return at(
        '(message)',
        'event_too_large',
        `the message is ${size} bytes; at most 32 KB (32768 bytes) each`,
      );
    const type = req.routeType ?? input.type;
    if (!isSegmentType(type))
      return at(
        'type',
        input.type === undefined ? 'field_required' : 'field_format',
        'type must be one of track, identify, page, screen, group, alias',
      );
    const userId = id(input.userId);
    const anonymousId = id(input.anonymousId);
    if (!userId && !anonymousId) at('userId', 'field_required', 'userId or anonymousId is required');
    if (type === 'track' && !text(input.event)) at('event', 'field_required', 'event is required on track');
    if (type === 'group' && !id(input.groupId))
      at('groupId', 'field_required', 'groupId is required on group');
    if (type === 'alias' && !id(input.previousId))
      at('previousId', 'field_required', 'previousId is required on alias');
    for (const field of OBJECT_FIELDS)
      if (input[field] !== undefined && input[field] !== null && !isObject(input[field]))
        at(field, 'field_type', `${field} must be an object`);
    const time = sdkTimestamp(input.timestamp, 'timestamp', req.receivedAt, index, problems);
    if (problems.length > before || time === null) return;

    // The message as stored: the batch's context merged in, the route's type set. Copied
    // only when that changes something (most batches carry neither).
    const merges = isObject(req.shared.context) || isObject(req.shared.integrations);
    const context = merges
      ? { ...asObject(req.shared.context), ...asObject(input.context) }
      : asObject(input.context);
    const message: Message =
      merges || input.type !== type
        ? {
            ...input,
            type,
            context,
            integrations: { ...asObject(req.shared.integrations), ...asObject(input.integrations) },
          }
        : input;
    const email = text(asObject(input.traits).email) ?? text(asObject(context.traits).email);
    events.push(
      sdkEvent({
        source: 'segment',
        principal: req.principal,
        name: type === 'track' ? (input.event as string) : type,
        occurredAt: time,
        receivedAt: req.receivedAt,
        actor: { userId, deviceId: anonymousId, email },
        ip: text(context.ip) ?? req.requestIp,
        userAgent: text(context.userAgent),
        properties: propertiesOf(type, message),
        clientId: id(input.messageId) ?? null,
        raw: message,
        enrichment: req.enrichment,
      }),
    );
  });
  return problems.length > 0 ? { outcome: 'invalid', problems } : { outcome: 'ok', events };
}

const EMPTY: Message = Object.freeze({});
const asObject = (v: unknown): Message => (isObject(v) ? v : EMPTY);
/** An object the event keeps (and a later step may add to): never the shared empty one. */
const fresh = (v: unknown): Message => (isObject(v) ? v : {});
const OBJECT_FIELDS = ['properties', 'traits', 'context', 'integrations'] as const;

/** What a message says, by type: a track's properties, an identify's traits, a page's name. */
function propertiesOf(type: SegmentType, m: Message): Record<string, unknown> {
  switch (type) {
    case 'track':
      return fresh(m.properties);
    case 'page':
    case 'screen':
      return {
        ...fresh(m.properties),
        ...(m.name !== undefined ? { name: m.name } : {}),
        ...(m.category !== undefined ? { category: m.category } : {}),
      };
    case 'identify':
      return fresh(m.traits);
    case 'group':
      return { groupId: id(m.groupId), ...fresh(m.traits) };
    case 'alias':
      return { previousId: id(m.previousId) };
  }
}
