import type { App } from '../../catalog/catalog.port.ts';
import { dedupKey } from '../../domain/dedup.ts';
import { problem, type Problem } from '../../domain/errors.ts';
import type { UsageEvent } from '../../domain/event.ts';
import type { SessionEvent } from './sessions.schema.ts';

const MAX_FUTURE_MS = 24 * 3600 * 1000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A binary entity value travels as `{"$base64": "…"}`; anything else with that key is malformed. */
function badBinary(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || !('$base64' in value)) return false;
  const keys = Object.keys(value);
  const data = (value as { $base64: unknown }).$base64;
  return keys.length !== 1 || typeof data !== 'string' || !BASE64.test(data);
}

/**
 * Checks what the schema cannot — a registered type, a session on every END, a
 * plausible time, well-formed binary values — and maps the events to canonical ones.
 * Every problem of every event is collected.
 */
export function mapSessionEvents(
  batch: readonly SessionEvent[],
  app: App,
  types: Set<string>,
  receivedAt: number,
  schemaValid: (index: number) => boolean,
): { outcome: 'ok'; events: UsageEvent[] } | { outcome: 'invalid'; problems: Problem[] } {
  const problems: Problem[] = [];
  const events: UsageEvent[] = [];
  batch.forEach((input, index) => {
    if (!schemaValid(index)) return;
    const before = problems.length;
    if (!types.has(input.type)) {
      problems.push(
        problem(
          'type',
          'unknown_type',
          `type ${JSON.stringify(input.type)} is not in the type registry`,
          index,
        ),
      );
    }
    if (input.action === 'END' && input.session === undefined) {
      problems.push(
        problem('session', 'field_required', 'session is required for END: it names what ends', index),
      );
    }
    if (input.timestamp * 1000 > receivedAt + MAX_FUTURE_MS) {
      problems.push(
        problem(
          'timestamp',
          'field_range',
          'timestamp is more than 24 hours in the future; Unix seconds are expected',
          index,
        ),
      );
    }
    (input.entities ?? []).forEach((e, i) => {
      if (badBinary(e.value)) {
        problems.push(
          problem(
            `entities.${i}.value`,
            'field_format',
            'a binary value must be {"$base64": "<base64 text>"}',
            index,
          ),
        );
      }
    });
    if (problems.length > before) return;
    const occurredAt = input.timestamp * 1000;
    const entities = input.entities ?? [];
    events.push({
      tenantId: app.tenantId,
      appId: app.id,
      source: 'sessions',
      name: input.type,
      category: null,
      occurredAt,
      receivedAt,
      actor: {},
      session: { id: input.session, action: input.action },
      count: 1,
      context: {},
      properties: { entities },
      clientId: null,
      // Exact duplicates are one event: the identity is the whole event.
      dedupKey: dedupKey(app.tenantId, app.id, occurredAt, {
        content: JSON.stringify([input.action, input.type, input.session ?? null, entities]),
      }),
      raw: input,
    });
  });
  return problems.length > 0 ? { outcome: 'invalid', problems } : { outcome: 'ok', events };
}
