import { Chart } from '../../components/chart.tsx';
import type { TimeRange } from '../../time-range.ts';
import { fmtMs, successRate, type Stats } from './webhook-types.ts';

const BUCKET_MS = { minute: 60_000, hour: 3600_000, day: 86_400_000 } as const;

/** The stats query of a range: its bucket is the range's chart interval. */
export const statsParams = (r: TimeRange) => ({ from: r.from, to: r.to, bucket: BUCKET_MS[r.interval] });

/** Delivered and failed attempts per bucket, every bucket of the range drawn (empty ones as 0). */
export function AttemptsChart({
  title,
  stats,
  range,
  height,
}: {
  title: string;
  stats: Stats;
  range: TimeRange;
  height?: number;
}) {
  const step = BUCKET_MS[range.interval];
  const byAt = new Map(stats.buckets.map((b) => [b.at, b]));
  const starts: number[] = [];
  for (let t = range.from; t < range.to; t += step) starts.push(t);
  return (
    <Chart
      title={title}
      height={height}
      buckets={starts.map((t) => new Date(t).toISOString())}
      series={[
        { label: 'delivered', values: starts.map((t) => byAt.get(t)?.succeeded ?? 0) },
        { label: 'failed', values: starts.map((t) => byAt.get(t)?.failed ?? 0) },
      ]}
    />
  );
}

/** An endpoint's figures over the range: backlog now, success rate, attempts, lag p50 and p99. */
export function StatsFigures({ stats: s }: { stats: Stats }) {
  return (
    <dl class="figures">
      <Figure label="Backlog" value={String(s.backlog)} />
      <Figure label="Success rate" value={successRate(s)} />
      <Figure label="Attempts" value={String(s.attempts)} />
      <Figure label="Lag p50" value={fmtMs(s.lagP50Ms)} />
      <Figure label="Lag p99" value={fmtMs(s.lagP99Ms)} />
    </dl>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
