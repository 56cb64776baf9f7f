import { problem, type Problem } from '../../domain/errors.ts';
import type { UsageEvent } from '../../domain/event.ts';
import { sdkEvent, sdkTimestamp, type SdkEnrichment } from '../../sources/sdk-event.ts';
import type { WriteKeyPrincipal } from '../../sources/write-keys.ts';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** PostHog ids may be strings or numbers. */
const id = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? String(v) : text(v);

/** A capture payload read: its events, and the project token it names. */
export interface Capture {
  events: unknown[];
  token: string | null;
}

/**
 * The shapes a capture body takes: one event, a list of events, or `{"batch": [...]}`.
 * The token is the payload's `api_key`, `token` or `$token`, else the first event's (at
 * its top level or in its properties, where posthog-js puts it).
 */
export function readCapture(payload: unknown): Capture | null {
  const events = Array.isArray(payload)
    ? payload
    : isObject(payload) && Array.isArray(payload.batch)
      ? payload.batch
      : isObject(payload)
        ? [payload]
        : null;
  if (events === null) return null;
  const top = isObject(payload) ? payload : {};
  const first = isObject(events[0]) ? events[0] : {};
  const props = isObject(first.properties) ? first.properties : {};
  const token =
    text(top.api_key) ??
    text(top.token) ??
    text(top.$token) ??
    text(first.api_key) ??
    text(first.token) ??
    text(first.$token) ??
    text(props.token) ??
    text(props.$token) ??
    null;
  return { events, token };
}

/**
 * The person operations an event carries, where PostHog's ingestion reads them: posthog-js
 * sends `$set`, `$set_once` and `$unset` at the event's top level, beside `properties`;
 * posthog-node inside `properties`. Both are read, the top level winning key by key, and
 * stored in `properties`, where the profiles worker reads them. The input is not changed
 * (its raw form is kept as sent).
 */
function withPersonOps(input: Obj, properties: Obj): Obj {
  let out = properties;
  for (const op of ['$set', '$set_once'] as const) {
    const top = input[op];
    if (!isObject(top)) continue;
    if (out === properties) out = { ...properties };
    out[op] = { ...(isObject(properties[op]) ? properties[op] : {}), ...top };
  }
  const unset = input.$unset;
  if (Array.isArray(unset)) {
    if (out === properties) out = { ...properties };
    const inner = Array.isArray(properties.$unset) ? (properties.$unset as unknown[]) : [];
    out.$unset = [...new Set([...inner, ...unset].filter((k): k is string => typeof k === 'string'))];
  }
  return out;
}

/** The group types that name a company: what an event's company is, when it has one (insights by company). */
const COMPANY_GROUP_TYPES = ['company', 'organization'] as const;

/** The key of the event's company or organization group (`$groups`), if it has one. */
function companyGroup(groups: unknown): string | undefined {
  if (!isObject(groups)) return undefined;
  for (const type of COMPANY_GROUP_TYPES) {
    const key = id(groups[type]);
    if (key) return key;
  }
  return undefined;
}

export type PostHogMapOutcome =
  { outcome: 'ok'; events: UsageEvent[] } | { outcome: 'invalid'; problems: Problem[] };

export interface PostHogRequest {
  capture: Capture;
  principal: WriteKeyPrincipal;
  receivedAt: number;
  requestIp: string;
  enrichment: SdkEnrichment;
}

/**
 * Maps captured events to canonical ones: `event` and `distinct_id` (at the top level or
 * in properties) are required; `uuid` is the dedup key; `timestamp`, else `offset`
 * milliseconds before the request, else the time it arrived. Every problem is reported
 * at once; one bad event rejects the whole batch.
 */
export function mapPostHog(req: PostHogRequest): PostHogMapOutcome {
  const problems: Problem[] = [];
  const events: UsageEvent[] = [];
  req.capture.events.forEach((input, index) => {
    // This message's problems are those recorded after `before`.
    const before = problems.length;
    const at = (field: string, code: Problem['code'], reason: string) =>
      problems.push(problem(field, code, reason, index));
    if (!isObject(input)) return at('(event)', 'field_type', 'each event must be a JSON object');
    if (input.properties !== undefined && input.properties !== null && !isObject(input.properties))
      at('properties', 'field_type', 'properties must be an object');
    const properties = withPersonOps(input, isObject(input.properties) ? input.properties : {});
    const name = text(input.event);
    if (!name) at('event', 'field_required', 'event is required: the name of what happened');
    const distinctId = id(input.distinct_id) ?? id(properties.distinct_id) ?? id(input.$distinct_id);
    if (!distinctId)
      at('distinct_id', 'field_required', 'distinct_id is required, at the top level or in properties');
    const time =
      input.timestamp === undefined && typeof input.offset === 'number' && Number.isFinite(input.offset)
        ? req.receivedAt - Math.max(0, input.offset)
        : sdkTimestamp(input.timestamp, 'timestamp', req.receivedAt, index, problems);
    if (!name || !distinctId || time === null || problems.length > before) return;
    const set = isObject(properties.$set) ? properties.$set : {};
    events.push(
      sdkEvent({
        source: 'posthog',
        principal: req.principal,
        name,
        occurredAt: time,
        receivedAt: req.receivedAt,
        actor: {
          userId: distinctId,
          deviceId: text(properties.$device_id),
          email: text(set.email) ?? text(properties.email),
        },
        // Server libraries turn GeoIP off: the request's address is then the application's host, nobody's.
        ip: text(properties.$ip) ?? (properties.$geoip_disable === true ? undefined : req.requestIp),
        userAgent: text(properties.$raw_user_agent),
        properties,
        clientId: id(input.uuid) ?? null,
        raw: input,
        enrichment: req.enrichment,
        company: companyGroup(properties.$groups),
      }),
    );
  });
  return problems.length > 0 ? { outcome: 'invalid', problems } : { outcome: 'ok', events };
}
