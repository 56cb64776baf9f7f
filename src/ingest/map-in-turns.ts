import type { Problem } from '../domain/errors.ts';
import type { UsageEvent } from '../domain/event.ts';
import type { Turns } from '../threads/turns.ts';

export type MapOutcome =
  { outcome: 'ok'; events: UsageEvent[] } | { outcome: 'invalid'; problems: Problem[] };

/** Items mapped per call: well under a turn (~6 µs each for PostHog events of 2 KB). */
const SLICE = 256;

/**
 * A dialect's mapping of a large batch, in turns (threads/turns.ts): `map` is called on
 * slices of the items, and the problems it finds carry their index in the whole batch.
 */
export async function mapInTurns(
  items: readonly unknown[],
  map: (slice: unknown[]) => MapOutcome,
  turns: Turns,
): Promise<MapOutcome> {
  const events: UsageEvent[] = [];
  const problems: Problem[] = [];
  for (let at = 0; at < items.length; at += SLICE) {
    const mapped = map(items.slice(at, at + SLICE));
    if (mapped.outcome === 'ok') for (const e of mapped.events) events.push(e);
    else
      for (const p of mapped.problems)
        problems.push(p.index === undefined ? p : { ...p, index: p.index + at });
    const wait = turns.pass();
    if (wait) await wait;
  }
  return problems.length > 0 ? { outcome: 'invalid', problems } : { outcome: 'ok', events };
}
