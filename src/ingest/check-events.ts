import { CANONICAL_LIMITS, MAX_INSTANT_MS, MIN_INSTANT_MS, checkCanonical } from '../domain/canonical.ts';
import { problem, type Problem } from '../domain/errors.ts';
import type { UsageEvent } from '../domain/event.ts';
import type { Turns } from '../threads/turns.ts';

/** The largest event document the log takes, in UTF-16 code units of its JSON (≈ bytes for ASCII). */
export const MAX_EVENT_CHARS = 1024 * 1024;

/**
 * The one check every event passes before the log, whatever its dialect: the raw
 * payload as the client sent it (paths as the client named them), then what mapping
 * made of it, against the canonical form (domain/canonical.ts), and the typed fields
 * against the stores' columns. Problems carry the event's index in its batch.
 */
export function checkEvents(events: readonly UsageEvent[]): Problem[] {
  const out: Problem[] = [];
  for (let i = 0; i < events.length && out.length < CANONICAL_LIMITS.maxProblems; i++)
    checkEvent(events[i]!, i, out);
  return out;
}

/** checkEvents for a large batch, in turns (threads/turns.ts). */
export async function checkEventsInTurns(events: readonly UsageEvent[], turns: Turns): Promise<Problem[]> {
  const out: Problem[] = [];
  for (let i = 0; i < events.length && out.length < CANONICAL_LIMITS.maxProblems; i++) {
    checkEvent(events[i]!, i, out);
    const wait = turns.pass();
    if (wait) await wait;
  }
  return out;
}

function checkEvent(e: UsageEvent, i: number, out: Problem[]): void {
  const before = out.length;
  checkCanonical(e.raw, '', out, i);
  // What mapping derived is reported only when the client's own values were fine:
  // the same bad value would otherwise be listed twice under two names.
  if (out.length === before) checkDerived(e, i, out);
}

const HEAD_OBJECTS = ['actor', 'session', 'context'] as const;

function checkDerived(e: UsageEvent, index: number, out: Problem[]): void {
  const raw = e.raw !== null && typeof e.raw === 'object' ? (e.raw as Record<string, unknown>) : {};
  for (const key in e) {
    const value = e[key as keyof UsageEvent];
    // A value mapping took over from the raw payload as it was (the native `properties`
    // object, say) was walked with the raw payload already: not twice on the ingest path.
    if (key !== 'raw' && !(typeof value === 'object' && value !== null && raw[key] === value))
      checkCanonical(value, key, out, index);
  }
  // The head's objects hold text (log/event-doc.ts): anything else is a client's value
  // passed through by a mapping, and would be a structure inside the document's head.
  for (const field of HEAD_OBJECTS) {
    const o = e[field] as Record<string, unknown>;
    for (const key in o) {
      if (o[key] !== undefined && typeof o[key] !== 'string')
        out.push(problem(`${field}.${key}`, 'field_type', `${field}.${key} must be a string`, index));
    }
  }
  if (!Number.isSafeInteger(e.count) || e.count < 0)
    out.push(
      problem(
        'count',
        'field_range',
        `count must be an integer from 0 to ${CANONICAL_LIMITS.maxNumber}`,
        index,
      ),
    );
  for (const field of ['occurredAt', 'receivedAt'] as const) {
    const ms = e[field];
    if (!Number.isSafeInteger(ms) || ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS)
      out.push(problem(field, 'field_range', `${field} must be a time between 1970 and 9999`, index));
  }
}
