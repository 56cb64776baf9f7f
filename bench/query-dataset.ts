/**
 * The data set of bench:query and bench:console: BENCH_EVENTS (default 10,000,000)
 * native events of 100,000 users over the 30 days before 2026-11-01, 20 event names,
 * loaded through usagehub's ingest API by three senders.
 */
import { fmt } from './lib.ts';

export const TOTAL = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const PER_REQUEST = 10_000;
const SENDERS = 3;
const USERS = 100_000;
const DAYS = 30;
const NAMES = Array.from({ length: 20 }, (_, i) => `event_${i}`);
export const end = Date.UTC(2026, 10, 1);
export const start = end - DAYS * 86400_000;

const PLANS = ['free', 'pro', 'team', 'enterprise', 'trial'];

/** With `properties`, each event says a plan and a number of seconds (bench:insights breaks down and sums by them). */
function body(n: number, properties: boolean): string {
  const parts: string[] = [];
  for (let i = 0; i < PER_REQUEST; i++) {
    const k = n * PER_REQUEST + i;
    // Time grows with k, as live traffic does; users and names spread evenly.
    const t = start + Math.floor((k / TOTAL) * (end - start));
    parts.push(
      `{"id":"${k}","app":"bench","name":"${NAMES[(k * 7) % NAMES.length]}","timestamp":${t},"userId":"u${(k * 7919) % USERS}"` +
        (properties
          ? `,"properties":{"plan":"${PLANS[(k * 13) % PLANS.length]}","seconds":${k % 600}}}`
          : '}'),
    );
  }
  return '[' + parts.join(',') + ']';
}

/** Loads the data set and waits until the store holds it; returns the seconds to acknowledge and to store. */
export async function loadDataset(
  hub: { url: string; ingestKey: string },
  options: { properties?: boolean } = {},
): Promise<{ acked: number; stored: number }> {
  const t0 = performance.now();
  let next = 0;
  const requests = Math.ceil(TOTAL / PER_REQUEST);
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      for (let n = next++; n < requests; n = next++) {
        const res = await fetch(`${hub.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${hub.ingestKey}`, 'content-type': 'application/json' },
          body: body(n, options.properties ?? false),
        });
        if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        if (n % 100 === 0) process.stderr.write(`\rloaded ${fmt((n + 1) * PER_REQUEST)} events`);
      }
    }),
  );
  const acked = (performance.now() - t0) / 1000;
  process.stderr.write(`\rloaded ${fmt(TOTAL)} events in ${fmt(acked, 1)} s; waiting for the store\n`);
  for (;;) {
    const m = await (await fetch(`${hub.url}/metrics`)).text();
    if (/^usagehub_store_lag_batches 0$/m.test(m)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { acked, stored: (performance.now() - t0) / 1000 };
}

/**
 * Waits until the log has compacted what the store applied and given back the pages
 * that freed (embedded profile): its compaction counters stay the same for three seconds. Returns the seconds waited.
 */
export async function waitForSettledLog(hub: { url: string }): Promise<number> {
  const t0 = performance.now();
  // Events moved, pages given back, dedup keys settled: all still, or the file is not at rest.
  const compacted = async () => {
    const m = await (await fetch(`${hub.url}/metrics`)).text();
    const of = (what: string) =>
      Number(new RegExp(`^usagehub_log_compaction\\{what="${what}"\\} (\\d+)$`, 'm').exec(m)?.[1] ?? 0);
    return of('events') + of('freed_pages') + of('keys_settled');
  };
  let last = -1;
  for (let same = 0; same < 3;) {
    const now = await compacted();
    same = now === last ? same + 1 : 0;
    last = now;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return (performance.now() - t0) / 1000 - 3;
}
