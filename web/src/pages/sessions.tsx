import { get } from '../api.ts';
import { Filters } from '../components/filters.tsx';
import { Show } from '../components/states.tsx';
import { Table } from '../components/table.tsx';
import { useLoad } from '../components/use-load.ts';
import { fmt, fmtSeconds, fmtTime } from '../format.ts';
import { rangeOf, rangeParams } from '../time-range.ts';
import { navigate, withParams, type Location } from '../url-state.ts';

interface TypeRow {
  type: string;
  sessions: number;
  totalDurationSeconds: number;
  p50DurationSeconds: number | null;
  p90DurationSeconds: number | null;
  open: number;
  timedOut: number;
}
interface SessionRow {
  app: string;
  session: string;
  type: string | null;
  state: string;
  startedAt: string | null;
  durationSeconds: number | null;
  updates: number;
}
const STATES = ['open', 'closed', 'timed_out', 'waiting_for_start', 'conflict'];

/** Sessions v3: per type, and one by one. */
export function Sessions({ loc }: { loc: Location }) {
  const range = rangeOf(loc.params);
  const params = rangeParams(range, loc.params.get('app'));
  const state = loc.params.get('state') ?? '';
  const summary = useLoad(`${params.from}|${params.to}|${params.app}`, () =>
    get<{ rows: TypeRow[] }>('/v1/query/sessions', params).then((r) => r.rows),
  );
  // A second START or END is a conflict: reported apart, never merged into a session.
  const conflicts = useLoad(`${params.from}|${params.to}|${params.app}|conflicts`, () =>
    get<{ rows: SessionRow[] }>('/v1/query/sessions/list', { ...params, state: 'conflict', limit: 100 }).then(
      (r) => r.rows,
    ),
  );
  const list = useLoad(`${params.from}|${params.to}|${params.app}|${state}`, () =>
    get<{ rows: SessionRow[] }>('/v1/query/sessions/list', { ...params, state, limit: 100 }).then(
      (r) => r.rows,
    ),
  );
  return (
    <>
      <h1>Sessions</h1>
      <Filters loc={loc}>
        <label>
          State
          <select
            value={state}
            onChange={(e) => navigate(loc.path, withParams(loc, { state: e.currentTarget.value }))}
          >
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option value={s}>{s.replace(/_/g, ' ')}</option>
            ))}
          </select>
        </label>
      </Filters>
      <Show
        loaded={summary}
        what="session types"
        ok={(rows) => (
          <Table
            caption="Sessions per type (sessions v3)"
            rows={rows}
            columns={[
              { label: 'Type', cell: (r) => r.type },
              { label: 'Sessions', cell: (r) => fmt(r.sessions), numeric: true },
              { label: 'Total duration', cell: (r) => fmtSeconds(r.totalDurationSeconds), numeric: true },
              { label: 'p50', cell: (r) => fmtSeconds(r.p50DurationSeconds), numeric: true },
              { label: 'p90', cell: (r) => fmtSeconds(r.p90DurationSeconds), numeric: true },
              { label: 'Open', cell: (r) => fmt(r.open), numeric: true },
              { label: 'Timed out', cell: (r) => fmt(r.timedOut), numeric: true },
            ]}
          />
        )}
      />
      <Show
        loaded={conflicts}
        what="sessions in conflict"
        ok={(rows) => (
          <Table
            caption={`Sessions in conflict (a second START or END): ${rows.length === 100 ? '100 or more' : rows.length}`}
            rows={rows}
            columns={[
              { label: 'Session', cell: (r) => <code>{r.session}</code> },
              { label: 'Type', cell: (r) => r.type ?? '–' },
              { label: 'Started (UTC)', cell: (r) => (r.startedAt ? fmtTime(r.startedAt) : '–') },
            ]}
          />
        )}
      />
      <Show
        loaded={list}
        what="sessions"
        ok={(rows) => (
          <Table
            caption="Sessions, newest first"
            rows={rows}
            columns={[
              { label: 'Session', cell: (r) => <code>{r.session}</code> },
              { label: 'Type', cell: (r) => r.type ?? '–' },
              { label: 'State', cell: (r) => r.state.replace(/_/g, ' ') },
              { label: 'Started (UTC)', cell: (r) => (r.startedAt ? fmtTime(r.startedAt) : '–') },
              { label: 'Duration', cell: (r) => fmtSeconds(r.durationSeconds), numeric: true },
              { label: 'Updates', cell: (r) => fmt(r.updates), numeric: true },
            ]}
          />
        )}
      />
    </>
  );
}
