import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
}

interface Props {
  title: string;
  /** Bucket starts, ISO 8601, oldest first. */
  buckets: string[];
  series: Series[];
  height?: number;
}

const PALETTE = [
  '#2563eb',
  '#db2777',
  '#16a34a',
  '#ea580c',
  '#7c3aed',
  '#0891b2',
  '#ca8a04',
  '#64748b',
  '#dc2626',
];

/**
 * A time-series chart (uPlot): hover shows each series' value in the legend, and a click
 * on a legend entry hides or shows that series. Marks itself data-drawn once drawn.
 */
export function Chart({ title, buckets, series, height = 240 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = buckets.map((b) => Date.parse(b) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            points: { show: xs.length < 60 },
          })),
        ],
        axes: [{}, { size: 60 }],
        legend: { live: true },
        hooks: { draw: [() => el.setAttribute('data-drawn', 'true')] },
      },
      [xs, ...series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
      el.removeAttribute('data-drawn');
    };
  }, [buckets, series, height]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => s.label).join(', ')}`} />
    </figure>
  );
}

/**
 * Rows of (bucket, key, value) as chart series: the `max` keys with the largest totals,
 * the rest summed as "other"; missing buckets are 0.
 */
export function seriesOf(
  rows: { bucket: string; key: string | null; value: number }[],
  max = 8,
  label: (key: string | null) => string = (k) => k ?? '(none)',
  /** Every bucket of the range, so that empty ones show as 0 (time-range.ts bucketsOf). */
  range: string[] = [],
): { buckets: string[]; series: Series[] } {
  const buckets = [...new Set([...range, ...rows.map((r) => r.bucket)])].sort();
  const at = new Map(buckets.map((b, i) => [b, i]));
  const totals = new Map<string | null, number>();
  for (const r of rows) totals.set(r.key, (totals.get(r.key) ?? 0) + r.value);
  const keys = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const shown = keys.slice(0, max);
  const series: Series[] = shown.map((k) => ({ label: label(k), values: buckets.map(() => 0) }));
  const other = keys.length > max ? { label: 'other', values: buckets.map(() => 0) } : null;
  const index = new Map(shown.map((k, i) => [k, i]));
  for (const r of rows) {
    const s = index.has(r.key) ? series[index.get(r.key)!]! : other!;
    const i = at.get(r.bucket)!;
    s.values[i] = (s.values[i] ?? 0) + r.value;
  }
  return { buckets, series: other ? [...series, other] : series };
}
