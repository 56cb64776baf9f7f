import { seqOf } from '../log/event-ref.ts';
import type { StoreBatch } from './event-store.port.ts';

export { POSITION_RANGE, refOf, seqOf } from '../log/event-ref.ts';

/**
 * A batch's documents, each with its seq put first, as one NDJSON text. Holes (events
 * set aside in quarantine, and empty lines) are left out; the others keep their seqs.
 */
export function withSeqs(batch: StoreBatch): string {
  const docs = batch.docs.split('\n');
  for (const h of batch.holes ?? []) docs[h.index] = '';
  const out: string[] = [];
  for (let i = 0; i < docs.length; i++) {
    // Every document is a JSON object: `{"seq":N,` + the rest of it is one too.
    if (docs[i] !== '') out.push(`{"seq":${seqOf({ offset: batch.offset, index: i })},${docs[i]!.slice(1)}`);
  }
  return out.join('\n');
}
