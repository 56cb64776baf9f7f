import type { EventStore, StoreBatch } from './event-store.port.ts';
import { reasonOf, type Hole } from './quarantine.ts';

/**
 * Applies log batches so that no single event can stop the store writer. When the apply
 * fails, the batches are applied one by one; in a batch that fails, the events that
 * fail on their own (found by halving, in trials that are rolled back) are set aside
 * in quarantine and the rest is applied. When no event fails on its own, the fault is
 * the store's (a full disk, a dropped connection), not the data's: the error is thrown,
 * and the writer retries later with nothing set aside.
 */
export async function applyOrQuarantine(
  store: Pick<EventStore, 'apply' | 'trial'>,
  batches: readonly StoreBatch[],
  onQuarantine: (holes: number) => void = () => {},
): Promise<void> {
  let first: unknown;
  try {
    await store.apply(batches);
    return;
  } catch (err) {
    first = err;
  }
  for (const batch of batches) {
    try {
      await store.apply([batch]);
      continue;
    } catch {
      // find out below whether an event of it is at fault
    }
    const lines = batch.docs.split('\n');
    const holes = await failing(store, batch, lines, range(lines.length, batch.holes));
    // Nothing fails alone, or nothing at all can be applied (not even an empty trial):
    // the store is at fault, and setting events aside would only hide it.
    if (holes.length === 0 || (await store.trial(only(batch, lines, []))) !== null) throw first;
    await store.apply([{ ...batch, holes: [...(batch.holes ?? []), ...holes] }]);
    onQuarantine(holes.length);
  }
}

const range = (n: number, skip: readonly Hole[] = []): number[] => {
  const skipped = new Set(skip.map((h) => h.index));
  return Array.from({ length: n }, (_, i) => i).filter((i) => !skipped.has(i));
};

/** The events among `indices` that fail on their own, with the store's reason. */
async function failing(
  store: Pick<EventStore, 'trial'>,
  batch: StoreBatch,
  lines: readonly string[],
  indices: readonly number[],
): Promise<Hole[]> {
  if (indices.length === 0) return [];
  const error = await store.trial(only(batch, lines, indices));
  if (error === null) return [];
  if (indices.length === 1) return [{ index: indices[0]!, reason: reasonOf(error) }];
  const half = Math.ceil(indices.length / 2);
  return [
    ...(await failing(store, batch, lines, indices.slice(0, half))),
    ...(await failing(store, batch, lines, indices.slice(half))),
  ];
}

/** The batch with only `indices` kept: every other place is a hole, so positions (and seqs) stay. */
function only(batch: StoreBatch, lines: readonly string[], indices: readonly number[]): StoreBatch {
  const kept = new Set(indices);
  const holes = lines.flatMap((_, i) => (kept.has(i) ? [] : [{ index: i, reason: 'trial' }]));
  return { ...batch, holes };
}
