import type { App } from '../../catalog/catalog.port.ts';
import { dedupKey } from '../../domain/dedup.ts';
import { problem, type Problem } from '../../domain/errors.ts';
import { EARLIEST_MS_TIME, type UsageEvent } from '../../domain/event.ts';
import type { PushEvent } from './push.schema.ts';

/** How far ahead of the server clock a pushed event may be. */
export const PUSH_MAX_FUTURE_MS = 5 * 60 * 1000;

const KNOWN = new Set(['timestamp', 'email', 'eventName', 'targetApp', 'targetAppName']);

export type PushMapOutcome =
  { outcome: 'ok'; events: UsageEvent[] } | { outcome: 'invalid'; problems: Problem[] };

/**
 * Maps pushed events of one app to canonical ones, checking what a schema cannot: the
 * event name is in the app's mapping, a Login names its target app, the time is
 * plausible. Every problem is collected — also of events that failed the schema, for
 * their fields the schema found nothing wrong with — so that a client hears of all of
 * them in one answer; only schema-valid events are mapped.
 */
export function mapPushBatch(
  batch: readonly PushEvent[],
  app: App,
  receivedAt: number,
  /** Whether the schema already reported a problem with this event's field (any field when omitted). */
  schemaFault: (index: number, field?: string) => boolean,
): PushMapOutcome {
  const categories = new Map(app.eventMappings.map((m) => [m.eventName, m.category]));
  const events: UsageEvent[] = [];
  const problems: Problem[] = [];
  batch.forEach((input, index) => {
    if (input === null || typeof input !== 'object') return;
    const checkable = (field: 'eventName' | 'timestamp', type: 'string' | 'number') =>
      typeof input[field] === type && !schemaFault(index, field);
    const before = problems.length;
    const category = checkable('eventName', 'string') ? categories.get(input.eventName) : undefined;
    if (!checkable('eventName', 'string')) {
      // reported by the schema
    } else if (category === undefined) {
      problems.push(
        problem(
          'eventName',
          'unmapped_event',
          `eventName ${JSON.stringify(input.eventName)} is not in the event mapping of app ${app.id}`,
          index,
        ),
      );
    } else if (category === 'Login' && input.targetApp === undefined && !schemaFault(index, 'targetApp')) {
      problems.push(
        problem(
          'targetApp',
          'field_required',
          `targetApp is required: ${input.eventName} is a Login event`,
          index,
        ),
      );
    }
    if (!checkable('timestamp', 'number')) {
      // reported by the schema
    } else if (input.timestamp < EARLIEST_MS_TIME) {
      problems.push(
        problem(
          'timestamp',
          'field_range',
          'timestamp is before 2000-01-01; Unix milliseconds are expected',
          index,
        ),
      );
    } else if (input.timestamp > receivedAt + PUSH_MAX_FUTURE_MS) {
      problems.push(
        problem('timestamp', 'field_range', 'timestamp is more than 5 minutes in the future', index),
      );
    }
    if (problems.length > before || category === undefined || schemaFault(index)) return;
    events.push(toCanonical(input, app, category, receivedAt));
  });
  return problems.length > 0 ? { outcome: 'invalid', problems } : { outcome: 'ok', events };
}

function toCanonical(input: PushEvent, app: App, category: string, receivedAt: number): UsageEvent {
  // Addresses differ in case only by accident; one user, one identity.
  const email = input.email.toLowerCase();
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!KNOWN.has(k)) properties[k] = v;
  return {
    tenantId: app.tenantId,
    appId: app.id,
    source: 'push',
    name: input.eventName,
    category,
    occurredAt: input.timestamp,
    receivedAt,
    actor: { email },
    session: {},
    count: 1,
    context: { targetApp: input.targetApp, targetAppName: input.targetAppName },
    properties,
    clientId: null,
    // The API's identity of an event: (timestamp, email, eventName) within its app.
    dedupKey: dedupKey(app.tenantId, app.id, input.timestamp, {
      content: JSON.stringify(['push', email, input.eventName]),
    }),
    raw: input,
  };
}
