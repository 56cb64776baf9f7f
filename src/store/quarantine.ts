/**
 * Quarantine: events a store could not apply, set aside with the reason so that one
 * record never stops the consumer behind it. Each stays in the log (its document is
 * there), and can be applied again once what stopped it is fixed.
 */

/** An event the store set aside. `seq` addresses its document in the log (seq.ts). */
export interface QuarantinedEvent {
  seq: number;
  /** Null when the document could not be read far enough to tell. */
  tenantId: string | null;
  reason: string;
  /** When it was set aside, Unix ms. */
  at: number;
  /** Times it was applied and failed, the first included. */
  attempts: number;
}

/** A place in a log batch that the store leaves empty, and why. */
export interface Hole {
  index: number;
  reason: string;
}

export interface QuarantineQuery {
  /** Null: every tenant (operators, the CLI on the data directory). */
  tenantId: string | null;
  /** Entries with a seq greater than this. */
  after?: number;
  limit: number;
}

export type ReapplyOutcome =
  { outcome: 'applied' } | { outcome: 'failed'; reason: string } | { outcome: 'not_found' };

/**
 * A store error as text for people, logs and the quarantine table: its first line,
 * bounded, and never the event itself — DuckDB quotes the input it could not parse
 * ("… Input: {"tenantId":…"), which holds what a user sent (e-mails, properties).
 */
export function reasonOf(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  return first.replace(/\s*Input:.*$/s, '').slice(0, 300);
}

/**
 * The tenant of a canonical document, for quarantine listings per tenant. JavaScript's
 * parser reads what the store's could not (a lone surrogate, say); a document it cannot
 * read either has no tenant anyone can be shown.
 */
export function tenantOfDoc(doc: string): string | null {
  try {
    const tenantId = (JSON.parse(doc) as { tenantId?: unknown }).tenantId;
    return typeof tenantId === 'string' ? tenantId : null;
  } catch {
    return null;
  }
}
