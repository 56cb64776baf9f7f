import { problem, type Problem } from '../domain/errors.ts';
import type { UsageEvent } from '../domain/event.ts';
import type { EncodedBatch } from '../log/event-log.port.ts';
import { eventDoc } from '../log/event-doc.ts';
import type { Turns } from '../threads/turns.ts';
import { MAX_EVENT_CHARS } from './check-events.ts';

/** A run of a batch's events in the log's form: `docs[k]` is event `from + k`. */
export interface EncodedPiece {
  batch: EncodedBatch;
  docs: string[];
  from: number;
}

type Refused = { outcome: 'invalid'; problems: Problem[] } | { outcome: 'amplified'; budget: number };

export type EncodeOutcome = { outcome: 'ok'; batch: EncodedBatch; docs: string[] } | Refused;

/**
 * Serialises a batch once, on the thread that mapped it, into the log's form. An event
 * whose document would be larger than MAX_EVENT_CHARS is refused: the stores parse each
 * document whole. Encoding stops as soon as the documents pass `budget` characters
 * (ingest/amplification.ts), so a request that would store too much costs no more than that.
 */
export function encodeBatch(events: readonly UsageEvent[], budget = Infinity): EncodeOutcome {
  const encoder = new BatchEncoder(events, budget, Infinity);
  for (let i = 0; i < events.length; i++) if (!encoder.add(i)) break;
  const refused = encoder.refused();
  if (refused) return refused;
  const piece = encoder.pieces[0];
  return piece
    ? { outcome: 'ok', batch: piece.batch, docs: piece.docs }
    : { outcome: 'ok', batch: { keys: '', docs: '' }, docs: [] };
}

/** Characters of documents per piece of a large batch: a message to the log thread of about a megabyte. */
export const PIECE_CHARS = 1024 * 1024;

/**
 * encodeBatch for a large batch, in turns (threads/turns.ts), cut into pieces of about
 * PIECE_CHARS: joining 10,000 documents at once takes ~40 ms, and handing 20 MB to the
 * log thread in one message ~30.
 */
export async function encodeBatchInTurns(
  events: readonly UsageEvent[],
  budget: number,
  turns: Turns,
): Promise<{ outcome: 'ok'; pieces: EncodedPiece[] } | Refused> {
  const encoder = new BatchEncoder(events, budget, PIECE_CHARS);
  for (let i = 0; i < events.length; i++) {
    if (!encoder.add(i)) break;
    const wait = turns.pass();
    if (wait) await wait;
  }
  return encoder.refused() ?? { outcome: 'ok', pieces: encoder.pieces };
}

class BatchEncoder {
  readonly pieces: EncodedPiece[] = [];
  private keys = '';
  private docs: string[] = [];
  private from = 0;
  private pieceChars = 0;
  private chars = 0;
  private problems: Problem[] | null = null;
  private amplified = false;

  constructor(
    private readonly events: readonly UsageEvent[],
    private readonly budget: number,
    private readonly maxPieceChars: number,
  ) {}

  /** Encodes event `i`; false once the batch is past its budget (nothing more is worth doing). */
  add(i: number): boolean {
    const e = this.events[i]!;
    this.keys += e.dedupKey;
    const doc = eventDoc(e);
    this.chars += doc.length;
    if (this.chars > this.budget) {
      this.amplified = true;
      return false;
    }
    if (doc.length > MAX_EVENT_CHARS) {
      (this.problems ??= []).push(
        problem(
          '(event)',
          'field_range',
          `the event is larger than ${MAX_EVENT_CHARS} characters as JSON`,
          i,
        ),
      );
    }
    this.docs.push(doc);
    this.pieceChars += doc.length;
    if (this.pieceChars >= this.maxPieceChars || i === this.events.length - 1) this.cut(i + 1);
    return true;
  }

  refused(): Refused | null {
    if (this.amplified) return { outcome: 'amplified', budget: this.budget };
    return this.problems ? { outcome: 'invalid', problems: this.problems } : null;
  }

  /** Ends the piece before event `next`. */
  private cut(next: number): void {
    this.pieces.push({
      batch: { keys: this.keys, docs: this.docs.join('\n') },
      docs: this.docs,
      from: this.from,
    });
    this.keys = '';
    this.docs = [];
    this.pieceChars = 0;
    this.from = next;
  }
}
