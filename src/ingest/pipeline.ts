import { isLate, type UsageEvent } from '../domain/event.ts';
import type { Problem } from '../domain/errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { Appended } from '../log/event-log.port.ts';
import type { GroupCommitter } from './group-commit.ts';
import { encodeBatch, encodeBatchInTurns, type EncodedPiece } from './encode.ts';
import { checkEvents, checkEventsInTurns } from './check-events.ts';
import { LARGE_BATCH_EVENTS, LARGE_BODY_BYTES, Turns } from '../threads/turns.ts';
import { storeBudget } from './amplification.ts';
import type { IngestLimits } from '../limits/ingest-limits.ts';
import type { RateLimited } from '../limits/rate-limited.ts';
import type { QuotaExceeded } from '../limits/quotas.ts';

export interface Accepted {
  accepted: number;
  duplicates: number;
  /** Per event: 1 when new, 0 when a duplicate of one already stored. */
  fresh: Uint8Array;
}

/**
 * What ingest comes to: accepted (durable, each event new or a duplicate); invalid (an
 * event outside the canonical form: nothing stored); or the log did not take the batch
 * (nothing acknowledged: the client resends). The routes answer each in their dialect
 * (http/ingest-outcome.ts).
 */
export type IngestOutcome =
  | ({ outcome: 'accepted' } & Accepted)
  | { outcome: 'invalid'; problems: Problem[] }
  | { outcome: 'amplified'; budget: number }
  | RateLimited
  | QuotaExceeded
  | { outcome: 'log_unavailable'; cause: unknown };

/** What the pipeline needs to know of the request a batch came in. */
export interface IngestRequest {
  /** The credential that sent it (an API key's id, a write key's source, an OAuth client): its rate limits apply. */
  key: string;
  /** The request body's size, decoded: the stored documents are bounded by a multiple of it. */
  bytes: number;
}

/** A request batch this process appended: what the log told of it, and its events. */
export interface AppendedEvents extends Appended {
  events: readonly UsageEvent[];
  /** Each event's document, as the log holds it. */
  docs: readonly string[];
}

/**
 * Hears of every batch this process appends, with its events as objects: live views
 * (stream/) show them without reading back and parsing what was just written.
 */
export interface AppendTap {
  /** False while nobody listens: ingest then hands nothing over. */
  readonly listening: boolean;
  appended(batch: AppendedEvents): void;
}

/**
 * The dialect-independent tail of ingest: takes validated, mapped events and makes
 * them durable. It resolves only after the log commit, so a caller that answers 2xx
 * afterwards never acknowledges an event that could be lost.
 */
export class IngestPipeline {
  constructor(
    private readonly committer: GroupCommitter,
    private readonly metrics: Metrics,
    private readonly limits: IngestLimits,
    private readonly tap?: AppendTap,
  ) {}

  async ingest(events: readonly UsageEvent[], request: IngestRequest): Promise<IngestOutcome> {
    if (events.length === 0)
      return { outcome: 'accepted', accepted: 0, duplicates: 0, fresh: new Uint8Array(0) };
    const admission = await this.limits.admitEvents(
      { tenantId: events[0]!.tenantId, key: request.key },
      events.length,
    );
    if (admission.outcome === 'rate_limited') {
      this.metrics.rateLimited(events[0]!.tenantId, admission.limit);
      return admission;
    }
    if (admission.outcome === 'quota_exceeded') {
      this.metrics.quotaRefused(events[0]!.tenantId, admission.period, events.length);
      return admission;
    }
    // A large batch is checked, encoded and handed to the log in turns, so that other
    // tenants' requests run between its pieces.
    const large = request.bytes >= LARGE_BODY_BYTES || events.length >= LARGE_BATCH_EVENTS;
    const budget = storeBudget(request.bytes, events.length);
    let appended: Appended;
    if (large) {
      const turns = new Turns();
      const problems = await checkEventsInTurns(events, turns);
      if (problems.length > 0) return { outcome: 'invalid', problems };
      const encoded = await encodeBatchInTurns(events, budget, turns);
      if (encoded.outcome !== 'ok') return refusal(encoded);
      try {
        appended = await this.appendPieces(events, encoded.pieces, turns);
      } catch (err) {
        return { outcome: 'log_unavailable', cause: err };
      }
    } else {
      const problems = checkEvents(events);
      if (problems.length > 0) return { outcome: 'invalid', problems };
      const encoded = encodeBatch(events, budget);
      if (encoded.outcome !== 'ok') return refusal(encoded);
      try {
        appended = await this.committer.submit(encoded.batch);
      } catch (err) {
        // The log failed (a JetStream leader election, a full disk): the client must know
        // that nothing was acknowledged, and that resending is the remedy.
        return { outcome: 'log_unavailable', cause: err };
      }
      if (this.tap?.listening) this.tap.appended({ ...appended, events, docs: encoded.docs });
    }
    const { fresh } = appended;
    let accepted = 0;
    let late = 0;
    for (let i = 0; i < fresh.length; i++) {
      if (fresh[i]) {
        accepted++;
        if (isLate(events[i]!)) late++;
      }
    }
    const duplicates = events.length - accepted;
    this.limits.counted(events[0]!.tenantId, accepted);
    this.metrics.ingested(events[0]!.source, accepted, duplicates, late);
    return { outcome: 'accepted', accepted, duplicates, fresh };
  }

  /**
   * A large batch's pieces, each its own log batch: handed over one per turn, and when
   * there are several, committed one at a time (ingest/group-commit.ts), so that no
   * message to the log thread or transaction holds much more than a megabyte. The
   * request is acknowledged only once every piece is durable; a piece that is durable
   * when another fails is found again as a duplicate when the client resends.
   */
  private async appendPieces(
    events: readonly UsageEvent[],
    pieces: readonly EncodedPiece[],
    turns: Turns,
  ): Promise<Appended> {
    const commits: Promise<Appended>[] = [];
    for (const piece of pieces) {
      const commit = this.committer.submit(piece.batch, pieces.length > 1);
      // Awaited below, all together; a failure before then is not an unhandled one.
      commit.catch(() => {});
      commits.push(commit);
      const wait = turns.pass();
      if (wait) await wait;
    }
    const appended = await Promise.all(commits);
    const fresh = new Uint8Array(events.length);
    pieces.forEach((piece, k) => {
      fresh.set(appended[k]!.fresh, piece.from);
      if (this.tap?.listening)
        this.tap.appended({
          ...appended[k]!,
          events: events.slice(piece.from, piece.from + piece.docs.length),
          docs: piece.docs,
        });
    });
    return { fresh, offset: pieces.length === 1 ? appended[0]!.offset : null };
  }
}

const refusal = (
  r: { outcome: 'invalid'; problems: Problem[] } | { outcome: 'amplified'; budget: number },
): IngestOutcome => (r.outcome === 'invalid' ? r : { outcome: 'amplified', budget: r.budget });
