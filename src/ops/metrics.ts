import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CompactionReport } from '../log/sqlite/compaction-status.ts';
import type { StoreStatus } from '../store/store-status.ts';
import { ERRORS, type ErrorCode } from '../domain/errors.ts';
import type { GroupCommitObserver } from '../ingest/group-commit.ts';

/** All of usagehub's Prometheus metrics, on one registry per process. */
export class Metrics implements GroupCommitObserver {
  readonly registry = new Registry();

  readonly ingestEvents = new Counter({
    name: 'usagehub_ingest_events_total',
    help: 'Events received in accepted requests, by source and outcome (accepted or duplicate).',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly ingestRequests = new Counter({
    name: 'usagehub_ingest_requests_total',
    help: 'Ingest requests answered, by source and outcome (2xx accepted, 4xx rejected, 5xx failed).',
    labelNames: ['source', 'status'] as const,
    registers: [this.registry],
  });
  readonly lateEvents = new Counter({
    name: 'usagehub_ingest_late_events_total',
    help: 'Accepted events that arrived more than 12 hours after they happened, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'usagehub_ingest_batch_events',
    help: 'Events per accepted ingest request.',
    buckets: [1, 10, 100, 500, 1000, 5000, 10000],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: 'usagehub_log_commit_seconds',
    help: 'Time to commit one group of batches durably to the log.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly commitBatches = new Histogram({
    name: 'usagehub_log_commit_batches',
    help: 'Request batches sharing one log commit (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly rejects = new Counter({
    name: 'usagehub_rejects_total',
    help: 'Requests answered with an error, by stable error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly rateLimitedRequests = new Counter({
    name: 'usagehub_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit, by tenant (empty before a key is known) and limit.',
    labelNames: ['tenant', 'limit'] as const,
    registers: [this.registry],
  });
  readonly quotaRefusedEvents = new Counter({
    name: 'usagehub_quota_refused_events_total',
    help: "Events refused because their tenant's quota per day or month was used up, by tenant and period.",
    labelNames: ['tenant', 'period'] as const,
    registers: [this.registry],
  });
  readonly limitsFallback = new Counter({
    name: 'usagehub_limits_redis_fallback_total',
    help: 'Times the shared rate limits (Redis) did not answer and this process decided alone for a while.',
    registers: [this.registry],
  });
  private readonly bySource = new Map<
    string,
    { accepted: Counter.Internal; duplicate: Counter.Internal; ok: Counter.Internal }
  >();
  private lagSource: (() => Promise<number | null>) | null = null;
  readonly storeLag = new Gauge({
    name: 'usagehub_store_lag_batches',
    help: 'Log batches not yet applied to the event store.',
    registers: [this.registry],
    collect: async () => {
      const lag = this.lagSource ? await this.lagSource().catch(() => null) : null;
      if (lag !== null) this.storeLag.set(lag);
    },
  });

  readonly liveDeliveries = new Counter({
    name: 'usagehub_live_delivery_attempts_total',
    help: 'Live API delivery attempts, by outcome (delivered or failed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly liveLag = new Histogram({
    name: 'usagehub_live_delivery_lag_seconds',
    help: 'From queueing a delivery to its attempt being answered.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300, 3600],
    registers: [this.registry],
  });
  private liveBacklogSource: (() => Promise<number>) | null = null;
  readonly liveBacklog = new Gauge({
    name: 'usagehub_live_backlog',
    help: 'Live API deliveries queued and not yet delivered.',
    registers: [this.registry],
    collect: async () => {
      const n = await this.liveBacklogSource?.().catch(() => null);
      if (n !== null && n !== undefined) this.liveBacklog.set(n);
    },
  });

  private liveFailingSource: (() => Promise<number>) | null = null;
  readonly liveFailing = new Gauge({
    name: 'usagehub_live_endpoints_failing',
    help: 'Live API endpoints whose every attempt has failed for the configured time.',
    registers: [this.registry],
    collect: async () => {
      const n = await this.liveFailingSource?.().catch(() => null);
      if (n !== null && n !== undefined) this.liveFailing.set(n);
    },
  });

  measureLiveBacklog(backlog: () => Promise<number>, failing: () => Promise<number>): void {
    this.liveBacklogSource = backlog;
    this.liveFailingSource = failing;
  }

  readonly liveSkipped = new Counter({
    name: 'usagehub_live_skipped_events_total',
    help: 'Log records the Live dispatcher could not turn into deliveries and passed over (logged with their seq).',
    registers: [this.registry],
  });

  /** LiveObserver: a record passed over. Its seq is logged, never its content. */
  skipped(seq: number, reason: string): void {
    this.liveSkipped.inc();
    console.error(`usagehub: live dispatcher passed over the event at seq ${seq}: ${reason}`);
  }

  /** LiveObserver: one delivery attempt answered (or failed). */
  delivered(_endpointId: string, ok: boolean, lagMs: number): void {
    this.liveDeliveries.inc({ outcome: ok ? 'delivered' : 'failed' });
    if (ok) this.liveLag.observe(lagMs / 1000);
  }

  private sessionSource: (() => Promise<{ open: number; timedOut: number; conflicts: number }>) | null = null;
  private sessionsNow: Promise<{ open: number; timedOut: number; conflicts: number } | null> | null = null;
  /** One store query per scrape serves the three session gauges. */
  private sessionCounts(): Promise<{ open: number; timedOut: number; conflicts: number } | null> {
    if (!this.sessionSource) return Promise.resolve(null);
    // A store that cannot answer (failing, reopening) leaves the gauges as they were.
    this.sessionsNow ??= this.sessionSource()
      .catch(() => null)
      .finally(() => setImmediate(() => (this.sessionsNow = null)));
    return this.sessionsNow;
  }
  readonly sessionsOpen = new Gauge({
    name: 'usagehub_sessions_open',
    help: 'Sessions v3 started, not ended, and active within the idle timeout.',
    registers: [this.registry],
    collect: async () => {
      const c = await this.sessionCounts();
      if (c) this.sessionsOpen.set(c.open);
    },
  });
  readonly sessionsTimedOut = new Gauge({
    name: 'usagehub_sessions_timed_out',
    help: 'Sessions v3 started and never ended, idle past the timeout.',
    registers: [this.registry],
    collect: async () => {
      const c = await this.sessionCounts();
      if (c) this.sessionsTimedOut.set(c.timedOut);
    },
  });
  readonly sessionConflicts = new Gauge({
    name: 'usagehub_session_conflicts',
    help: 'Extra STARTs or ENDs for sessions that already had one: recorded, not merged.',
    registers: [this.registry],
    collect: async () => {
      const c = await this.sessionCounts();
      if (c) this.sessionConflicts.set(c.conflicts);
    },
  });

  private storeSources: { status: () => Promise<StoreStatus>; quarantined: () => Promise<number> } | null =
    null;
  readonly storeFailing = new Gauge({
    name: 'usagehub_store_failing',
    help: '1 while applying to the event store fails and is retried (ingest goes on through the log).',
    registers: [this.registry],
    collect: async () => {
      const s = await this.storeSources?.status().catch(() => null);
      if (s) this.storeFailing.set(s.state === 'failing' ? 1 : 0);
    },
  });
  private compactionSource: (() => Promise<CompactionReport>) | null = null;
  readonly logCompaction = new Gauge({
    name: 'usagehub_log_compaction',
    help: "The log's compaction since start (embedded profile): events moved into compressed segments, their documents' bytes before (bytes_in) and after (bytes_out) compression, pages given back, dedup keys settled into blocks; failing is 1 while it fails and is retried.",
    labelNames: ['what'] as const,
    registers: [this.registry],
    collect: async () => {
      const c = await this.compactionSource?.().catch(() => null);
      if (!c) return;
      this.logCompaction.set({ what: 'events' }, c.events);
      this.logCompaction.set({ what: 'bytes_in' }, c.bytesIn);
      this.logCompaction.set({ what: 'bytes_out' }, c.bytesOut);
      this.logCompaction.set({ what: 'freed_pages' }, c.freedPages);
      this.logCompaction.set({ what: 'keys_settled' }, c.keysSettled);
      this.logCompaction.set({ what: 'failing' }, c.error === null ? 0 : 1);
    },
  });
  readonly quarantined = new Gauge({
    name: 'usagehub_quarantined_events',
    help: 'Events the store could not apply, set aside in quarantine (usagehub quarantine list).',
    registers: [this.registry],
    collect: async () => {
      const n = await this.storeSources?.quarantined().catch(() => null);
      if (n !== null && n !== undefined) this.quarantined.set(n);
    },
  });

  measureStore(status: () => Promise<StoreStatus>, quarantined: () => Promise<number>): void {
    this.storeSources = { status, quarantined };
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'usagehub_' });
  }

  /** Counts one accepted ingest request (children are cached: label lookups cost per call). */
  ingested(source: string, accepted: number, duplicates: number, late = 0): void {
    let c = this.bySource.get(source);
    if (!c) {
      c = {
        accepted: this.ingestEvents.labels(source, 'accepted'),
        duplicate: this.ingestEvents.labels(source, 'duplicate'),
        ok: this.ingestRequests.labels(source, '2xx'),
      };
      this.bySource.set(source, c);
    }
    c.accepted.inc(accepted);
    if (duplicates > 0) c.duplicate.inc(duplicates);
    c.ok.inc();
    this.batchSize.observe(accepted + duplicates);
    if (late > 0) this.lateEvents.inc({ source }, late);
  }

  committed(batches: number, seconds: number): void {
    this.commitSeconds.observe(seconds);
    this.commitBatches.observe(batches);
  }

  /** Where the store lag gauge reads its value when scraped. */
  measureLogCompaction(source: () => Promise<CompactionReport>): void {
    this.compactionSource = source;
  }

  measureStoreLag(source: () => Promise<number | null>): void {
    this.lagSource = source;
  }

  measureSessions(source: () => Promise<{ open: number; timedOut: number; conflicts: number }>): void {
    this.sessionSource = source;
  }

  /** Counts the events of a batch a quota refused. */
  quotaRefused(tenantId: string, period: string, events: number): void {
    this.quotaRefusedEvents.inc({ tenant: tenantId, period }, events);
  }

  /** Counts a request a rate limit refused. */
  rateLimited(tenantId: string, limit: string): void {
    this.rateLimitedRequests.inc({ tenant: tenantId, limit });
  }

  /** Counts a request answered with an error; `ingestSource` when it was an ingest request. */
  reject(code: ErrorCode, ingestSource?: string): void {
    this.rejects.inc({ code });
    if (ingestSource)
      this.ingestRequests.inc({ source: ingestSource, status: `${Math.floor(ERRORS[code].status / 100)}xx` });
  }
}
