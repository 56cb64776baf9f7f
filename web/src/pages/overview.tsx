import { get } from '../api.ts';
import { Chart, seriesOf } from '../components/chart.tsx';
import { Filters, useApps } from '../components/filters.tsx';
import { Link } from '../components/layout.tsx';
import { Empty, Show } from '../components/states.tsx';
import { Table } from '../components/table.tsx';
import { useLoad } from '../components/use-load.ts';
import { change, fmt } from '../format.ts';
import { bucketsOf, previousOf, rangeOf, rangeParams, wholeDays, type TimeRange } from '../time-range.ts';
import { navigate, withParams, type Location } from '../url-state.ts';

type CountRow = { bucket: string; key: string | null; events: number };
const SPLITS = [
  { id: 'source', label: 'Dialect' },
  { id: 'app', label: 'App' },
  { id: 'name', label: 'Event name' },
] as const;

const counts = (r: TimeRange, app: string | null, extra: Record<string, string>) =>
  get<{ rows: CountRow[] }>('/v1/query/counts', { ...rangeParams(r, app), ...extra }).then((x) => x.rows);
const sum = (rows: { events: number }[]) => rows.reduce((s, r) => s + r.events, 0);

const totalsByKey = (rows: CountRow[]) => {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.key ?? '', (totals.get(row.key ?? '') ?? 0) + row.events);
  return [...totals].sort((a, b) => b[1] - a[1]);
};

/**
 * Totals of a range against the one before, and the charts: aggregate queries answered
 * from the store's rollups (hourly counts, daily users).
 */
async function loadCharts(r: TimeRange, app: string | null, split: string) {
  const days = wholeDays(r);
  const [series, late, previous, users] = await Promise.all([
    counts(r, app, { interval: r.interval, groupBy: split }),
    counts(r, app, { interval: 'day', late: 'true', groupBy: 'name' }),
    counts(previousOf(r), app, { interval: 'day', groupBy: 'late' }),
    get<{ rows: { bucket: string; users: number }[] }>('/v1/query/users', {
      ...rangeParams(days, app),
      interval: 'day',
    }),
  ]);
  return {
    series,
    total: sum(series),
    previousTotal: sum(previous),
    late: sum(late),
    previousLate: sum(previous.filter((row) => row.key === 'true')),
    lateNames: totalsByKey(late).slice(0, 10),
    users: users.rows,
    days,
  };
}

/**
 * The top lists, asked once the charts are in: the store answers in turn, and top users
 * (counted over every event of the range) would otherwise hold the charts back.
 */
async function loadTables(r: TimeRange, app: string | null, split: string, series: CountRow[]) {
  const [byName, topUsers] = await Promise.all([
    split === 'name' ? series : counts(r, app, { interval: 'day', groupBy: 'name' }),
    get<{ rows: { user: string; events: number }[] }>('/v1/query/top-users', {
      ...rangeParams(r, app),
      limit: 10,
    }),
  ]);
  return { topNames: totalsByKey(byName).slice(0, 10), topUsers: topUsers.rows };
}

function Stat({ label, value, previous }: { label: string; value: number; previous: number }) {
  const delta = change(value, previous);
  return (
    <div class="stat" data-stat={label}>
      <span class="stat-label">{label}</span>
      <span class="stat-value">{fmt(value)}</span>
      <span class="stat-change">
        {delta ? `${delta} vs previous period (${fmt(previous)})` : `previous period: ${fmt(previous)}`}
      </span>
    </div>
  );
}

export function Overview({ loc }: { loc: Location }) {
  const range = rangeOf(loc.params);
  const app = loc.params.get('app');
  const split = loc.params.get('split') ?? 'source';
  const apps = useApps();
  const appName = (id: string | null) =>
    (apps.state === 'ok' && apps.value.find((a) => a.id === id)?.name) || (id ?? '(none)');
  const key = `${range.from}|${range.to}|${app}|${split}`;
  const loaded = useLoad(key, () => loadCharts(range, app, split));
  const series = loaded.state === 'ok' ? loaded.value.series : null;
  // The top lists start once the charts are in (the key changes then); until, they show loading.
  const tables = useLoad(`${key}|${series ? 'charts in' : 'waiting'}`, () =>
    series ? loadTables(range, app, split, series) : new Promise<never>(() => {}),
  );
  const usersSeries =
    loaded.state === 'ok'
      ? seriesOf(
          loaded.value.users.map((u) => ({ bucket: u.bucket, key: 'users', value: u.users })),
          1,
          undefined,
          bucketsOf(loaded.value.days),
        )
      : null;
  return (
    <>
      <h1>Overview</h1>
      <Filters loc={loc}>
        <fieldset class="switch">
          <legend>Split events by</legend>
          {SPLITS.map((s) => (
            <label>
              <input
                type="radio"
                name="split"
                value={s.id}
                checked={split === s.id}
                onChange={() => navigate(loc.path, withParams(loc, { split: s.id }))}
              />
              {s.label}
            </label>
          ))}
        </fieldset>
      </Filters>
      <Show
        loaded={loaded}
        what="the overview"
        ok={(o) => {
          if (o.total === 0 && o.previousTotal === 0) return <Empty />;
          const chart = seriesOf(
            o.series.map((r) => ({ bucket: r.bucket, key: r.key, value: r.events })),
            8,
            split === 'app' ? appName : undefined,
            bucketsOf(range),
          );
          return (
            <>
              <section class="stats" aria-label="Totals">
                <Stat label="Events" value={o.total} previous={o.previousTotal} />
                <Stat label="Late events" value={o.late} previous={o.previousLate} />
              </section>
              <Chart title={`Events per ${range.interval}`} buckets={chart.buckets} series={chart.series} />
              {usersSeries && (
                <Chart
                  title="Distinct users per day"
                  buckets={usersSeries.buckets}
                  series={usersSeries.series}
                  height={180}
                />
              )}
              <div class="grid">
                <Show
                  loaded={tables}
                  what="the top lists"
                  ok={(t) => (
                    <>
                      <Table
                        caption="Top event names"
                        rows={t.topNames}
                        columns={[
                          {
                            label: 'Event',
                            cell: ([n]) => (
                              <Link href={`/events?${withParams(loc, { name: n, split: undefined })}`}>
                                {n}
                              </Link>
                            ),
                          },
                          { label: 'Events', cell: ([, c]) => fmt(c), numeric: true },
                        ]}
                      />
                      <Table
                        caption="Top users"
                        rows={t.topUsers}
                        columns={[
                          {
                            label: 'User',
                            cell: (u) => (
                              <Link href={`/events?${withParams(loc, { user: u.user, split: undefined })}`}>
                                {u.user}
                              </Link>
                            ),
                          },
                          { label: 'Events', cell: (u) => fmt(u.events), numeric: true },
                        ]}
                      />
                    </>
                  )}
                />
                <Table
                  caption="Late events (arrived more than 12 h after they happened)"
                  rows={o.lateNames}
                  columns={[
                    { label: 'Event', cell: ([n]) => n },
                    { label: 'Late', cell: ([, c]) => fmt(c), numeric: true },
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
