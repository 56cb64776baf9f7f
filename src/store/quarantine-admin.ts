import type { EventLog } from '../log/event-log.port.ts';
import type { EventStore } from './event-store.port.ts';
import type { QuarantineQuery, QuarantinedEvent, ReapplyOutcome } from './quarantine.ts';
import { refOf } from './seq.ts';

/** What the admin API and the CLI do with quarantine. A null tenant: every tenant (operators). */
export interface QuarantineAdmin {
  list(q: QuarantineQuery): Promise<QuarantinedEvent[]>;
  /** The entry and the event's document from the log; null when the tenant has no such entry. */
  show(tenantId: string | null, seq: number): Promise<{ event: QuarantinedEvent; document: string } | null>;
  /** Applies the event again; it leaves quarantine when it goes in. */
  retry(tenantId: string | null, seq: number): Promise<ReapplyOutcome>;
  count(): Promise<number>;
}

/** Quarantine over a store and the log that holds the documents. */
export function quarantineAdmin(store: EventStore, log: EventLog): QuarantineAdmin {
  const show: QuarantineAdmin['show'] = async (tenantId, seq) => {
    const [event] = await store.quarantined({ tenantId, after: seq - 1, limit: 1 });
    if (!event || event.seq !== seq) return null;
    const [document] = await log.docsAt([refOf(seq)]);
    return { event, document: document! };
  };
  return {
    list: (q) => store.quarantined(q),
    show,
    retry: async (tenantId, seq) => {
      const found = await show(tenantId, seq);
      return found ? store.reapply(seq, found.document) : { outcome: 'not_found' };
    },
    count: () => store.quarantineCount(),
  };
}
