import { get } from '../api.ts';
import { Chart, seriesOf } from '../components/chart.tsx';
import { Filters } from '../components/filters.tsx';
import { Show } from '../components/states.tsx';
import { Table } from '../components/table.tsx';
import { useLoad } from '../components/use-load.ts';
import { fmt } from '../format.ts';
import { bucketsOf, rangeOf, rangeParams } from '../time-range.ts';
import type { Location } from '../url-state.ts';

interface UsageRow {
  bucket: string | null;
  count: number;
  company?: string | null;
  domain?: string | null;
  resolvedBy?: string | null;
}

const RESOLVED_BY: Record<string, string> = { domain: 'e-mail domain', ip_range: 'IP range' };

/** Aggregated usage by company and domain, and how each company was found. */
export function Companies({ loc }: { loc: Location }) {
  const range = rangeOf(loc.params);
  const params = rangeParams(range, loc.params.get('app'));
  const interval = range.interval === 'minute' ? 'hour' : range.interval;
  const loaded = useLoad(`${params.from}|${params.to}|${params.app}`, async () => {
    const [series, domains, top] = await Promise.all([
      get<{ rows: UsageRow[] }>('/v1/query/usage', { ...params, interval, groupBy: 'company' }),
      get<{ rows: UsageRow[] }>('/v1/query/usage', {
        ...params,
        interval: 'none',
        groupBy: 'company,domain,resolvedBy',
      }),
      get<{ rows: { company: string; count: number; domains: number }[] }>('/v1/query/top-companies', {
        ...params,
        limit: 20,
      }),
    ]);
    return { series: series.rows, domains: domains.rows, top: top.rows };
  });
  return (
    <>
      <h1>Companies</h1>
      <Filters loc={loc} />
      <Show
        loaded={loaded}
        what="usage by company"
        ok={(u) => {
          const chart = seriesOf(
            u.series.map((r) => ({ bucket: r.bucket ?? '', key: r.company ?? null, value: r.count })),
            8,
            (k) => k ?? '(unresolved)',
            bucketsOf(range, interval),
          );
          return (
            <>
              <Chart
                title={`Usage per ${interval} by company (aggregated usage)`}
                buckets={chart.buckets}
                series={chart.series}
              />
              <div class="grid">
                <Table
                  caption="Top companies"
                  rows={u.top}
                  columns={[
                    { label: 'Company', cell: (r) => r.company },
                    { label: 'Usage', cell: (r) => fmt(r.count), numeric: true },
                    { label: 'Domains', cell: (r) => fmt(r.domains), numeric: true },
                  ]}
                />
                <Table
                  caption="Usage by company and domain, and how the company was found"
                  rows={u.domains}
                  columns={[
                    { label: 'Company', cell: (r) => r.company ?? '(unresolved)' },
                    { label: 'Domain', cell: (r) => r.domain ?? '–' },
                    { label: 'Resolved by', cell: (r) => RESOLVED_BY[r.resolvedBy ?? ''] ?? '–' },
                    { label: 'Usage', cell: (r) => fmt(r.count), numeric: true },
                  ]}
                />
              </div>
            </>
          );
        }}
      />
    </>
  );
}
