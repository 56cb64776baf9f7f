import type { App } from '../../catalog/catalog.port.ts';
import { dedupKey } from '../../domain/dedup.ts';
import { problem, type Problem } from '../../domain/errors.ts';
import { INSTANT_FORMS, parseInstant } from '../../domain/instant.ts';
import { EARLIEST_MS_TIME, type UsageEvent } from '../../domain/event.ts';
import type { NativeEvent } from './native.schema.ts';

/** How far ahead of the server clock an event may be (client clocks drift). */
const MAX_FUTURE_MS = 24 * 3600 * 1000;

export type MapOutcome =
  { outcome: 'ok'; events: UsageEvent[] } | { outcome: 'invalid'; problems: Problem[] };

/**
 * Maps schema-valid native events to canonical ones, checking what a schema cannot:
 * the app exists, the timestamp parses and is plausible. All problems are collected,
 * so the client learns everything wrong with the batch at once.
 */
export function mapNativeBatch(
  batch: readonly NativeEvent[],
  tenantId: string,
  findApp: (idOrName: string) => App | undefined,
  receivedAt: number,
  /** Events that already failed schema validation are skipped. */
  schemaValid: (index: number) => boolean = () => true,
): MapOutcome {
  const events: UsageEvent[] = [];
  const problems: Problem[] = [];
  batch.forEach((input, index) => {
    if (!schemaValid(index)) return;
    const app = findApp(input.app);
    if (!app)
      problems.push(problem('app', 'unknown_app', `app ${JSON.stringify(input.app)} does not exist`, index));
    const occurredAt = parseTimestamp(input.timestamp, receivedAt, index, problems);
    if (!app || occurredAt === null) return;
    events.push(toCanonical(input, tenantId, app.id, occurredAt, receivedAt));
  });
  return problems.length > 0 ? { outcome: 'invalid', problems } : { outcome: 'ok', events };
}

function parseTimestamp(
  value: number | string,
  now: number,
  index: number,
  problems: Problem[],
): number | null {
  const parsed = parseInstant(value);
  if (parsed.outcome !== 'ok') {
    problems.push(
      parsed.outcome === 'bad_format'
        ? problem(
            'timestamp',
            'field_format',
            `timestamp is not an ISO 8601 date-time: ${INSTANT_FORMS}`,
            index,
          )
        : problem('timestamp', 'field_range', 'timestamp must be a time between 1970 and 9999', index),
    );
    return null;
  }
  const ms = parsed.ms;
  if (ms < EARLIEST_MS_TIME) {
    problems.push(
      problem(
        'timestamp',
        'field_range',
        'timestamp is before 2000-01-01; Unix milliseconds are expected',
        index,
      ),
    );
    return null;
  }
  if (ms > now + MAX_FUTURE_MS) {
    problems.push(
      problem('timestamp', 'field_range', 'timestamp is more than 24 hours in the future', index),
    );
    return null;
  }
  return ms;
}

function toCanonical(
  input: NativeEvent,
  tenantId: string,
  appId: string,
  occurredAt: number,
  receivedAt: number,
): UsageEvent {
  const actor = { email: input.email, userId: input.userId };
  const count = input.count ?? 1;
  const properties = input.properties ?? {};
  const identity =
    input.id !== undefined
      ? { clientId: input.id }
      : {
          content: JSON.stringify([
            input.name,
            actor.email,
            actor.userId,
            input.sessionId,
            count,
            properties,
          ]),
        };
  return {
    tenantId,
    appId,
    source: 'native',
    name: input.name,
    category: null,
    occurredAt,
    receivedAt,
    actor,
    session: { id: input.sessionId },
    count,
    context: {},
    properties,
    clientId: input.id ?? null,
    dedupKey: dedupKey(tenantId, appId, occurredAt, identity),
    raw: input,
  };
}
