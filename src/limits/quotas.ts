import type { LimitSettings, LimitStore } from './limit-store.port.ts';

/** A quota was reached: which period's, its size, and the seconds until the period ends. */
export interface QuotaExceeded {
  outcome: 'quota_exceeded';
  period: 'day' | 'month';
  quota: number;
  retryAfterSeconds: number;
}

/** The UTC day and month `now` falls in, as usage periods, and when each ends. */
export function periodsAt(now: number): { day: string; month: string; dayEnds: number; monthEnds: number } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const iso = d.toISOString();
  return {
    day: `d${iso.slice(0, 10)}`,
    month: `m${iso.slice(0, 7)}`,
    dayEnds: Date.UTC(y, m, d.getUTCDate() + 1),
    monthEnds: Date.UTC(y, m + 1, 1),
  };
}

/**
 * Events per UTC day and month, per tenant: counted here as ingest accepts them, written
 * to the limit store every `flush` and read back from it, so that the processes of the
 * scale profile share one count (each sees the others' within a flush). A batch that
 * would pass a quota is refused whole; only new events count (duplicates store nothing).
 */
export class Quotas {
  /** Events counted by period key `tenant|period`: the store's total at the last read, plus what came since. */
  private readonly totals = new Map<string, number>();
  private pending = new Map<string, number>();

  constructor(
    private readonly settingsOf: (tenantId: string) => LimitSettings | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  admit(tenantId: string, events: number): QuotaExceeded | null {
    const s = this.settingsOf(tenantId);
    if (s?.eventsPerDay === undefined && s?.eventsPerMonth === undefined) return null;
    const now = this.now();
    const p = periodsAt(now);
    const checks = [
      ['day', s.eventsPerDay, p.day, p.dayEnds],
      ['month', s.eventsPerMonth, p.month, p.monthEnds],
    ] as const;
    for (const [period, quota, key, ends] of checks) {
      if (quota === undefined) continue;
      if ((this.totals.get(`${tenantId}|${key}`) ?? 0) + events > quota)
        return { outcome: 'quota_exceeded', period, quota, retryAfterSeconds: (ends - now) / 1000 };
    }
    return null;
  }

  counted(tenantId: string, events: number): void {
    if (events === 0) return;
    const s = this.settingsOf(tenantId);
    if (s?.eventsPerDay === undefined && s?.eventsPerMonth === undefined) return;
    const p = periodsAt(this.now());
    for (const period of [p.day, p.month]) {
      const key = `${tenantId}|${period}`;
      this.totals.set(key, (this.totals.get(key) ?? 0) + events);
      this.pending.set(key, (this.pending.get(key) ?? 0) + events);
    }
  }

  /** Writes what was counted since, then reads back the totals of the tenants that have quotas. */
  async flush(store: LimitStore, tenantsWithQuotas: readonly string[]): Promise<void> {
    const pending = this.pending;
    this.pending = new Map();
    try {
      await store.addUsage(
        [...pending].map(([key, events]) => {
          const [tenantId, period] = key.split('|') as [string, string];
          return { tenantId, period, events };
        }),
      );
    } catch (err) {
      // Not written: counted again with the next flush.
      for (const [key, n] of pending) this.pending.set(key, (this.pending.get(key) ?? 0) + n);
      throw err;
    }
    const p = periodsAt(this.now());
    for (const tenantId of tenantsWithQuotas) {
      const usage = await store.usage(tenantId, [p.day, p.month]);
      for (const [period, events] of Object.entries(usage))
        this.totals.set(`${tenantId}|${period}`, events + (this.pending.get(`${tenantId}|${period}`) ?? 0));
    }
    // Periods that have ended are forgotten.
    for (const key of this.totals.keys())
      if (!key.endsWith(`|${p.day}`) && !key.endsWith(`|${p.month}`)) this.totals.delete(key);
  }

  /** The tenant's counts in the current day and month. */
  usage(tenantId: string): { day: number; month: number } {
    const p = periodsAt(this.now());
    return {
      day: this.totals.get(`${tenantId}|${p.day}`) ?? 0,
      month: this.totals.get(`${tenantId}|${p.month}`) ?? 0,
    };
  }
}
