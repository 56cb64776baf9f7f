import { useState } from 'preact/hooks';
import { get, post } from '../../api.ts';
import { RangeFields } from '../../components/filters.tsx';
import { ErrorNote, Field, useAction } from '../../components/form.tsx';
import { Link } from '../../components/layout.tsx';
import { Show } from '../../components/states.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmtTime } from '../../format.ts';
import { rangeOf } from '../../time-range.ts';
import { navigate, type Location } from '../../url-state.ts';
import { AttemptsChart, StatsFigures, statsParams } from './webhook-stats.tsx';
import { stateOf, type Endpoint, type Stats } from './webhook-types.ts';
import { FiltersInput } from './filters-input.tsx';

/** Webhooks (Live API endpoints): each with its state, backlog, success rate, lag and a small chart over the range. */
export function Webhooks({ loc }: { loc: Location }) {
  const range = rangeOf(loc.params);
  const [version, setVersion] = useState(0);
  const loaded = useLoad(
    `webhooks ${range.from} ${range.to} ${version}`,
    async () => {
      const { endpoints } = await get<{ endpoints: Endpoint[] }>('/v1/live/endpoints');
      const stats = await Promise.all(
        endpoints.map((e) => get<Stats>(`/v1/live/endpoints/${e.id}/stats`, statsParams(range))),
      );
      return endpoints.map((e, i) => ({ endpoint: e, stats: stats[i]! }));
    },
    { keep: true },
  );
  return (
    <>
      <h1>Webhooks</h1>
      <p class="help">
        Every stored event, and usagehub's own changes, posted to your endpoints: signed, retried until
        delivered, only once an endpoint has answered its challenge (docs/live.md).
      </p>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <RangeFields loc={loc} />
        <button type="button" class="plain" onClick={() => setVersion(version + 1)}>
          Refresh
        </button>
      </form>
      <Show
        loaded={loaded}
        what="endpoints"
        ok={(rows) =>
          rows.length === 0 ? (
            <p class="empty">No endpoints yet: add one below.</p>
          ) : (
            <ul class="endpoints">
              {rows.map(({ endpoint: e, stats: s }) => (
                <li class="endpoint-card" data-endpoint={e.id}>
                  <div class="endpoint-head">
                    <Link href={`/webhooks/${e.id}${loc.params.size ? `?${loc.params}` : ''}`}>{e.url}</Link>
                    <StateBadge e={e} />
                  </div>
                  {e.description && <p class="help">{e.description}</p>}
                  <StatsFigures stats={s} />
                  <AttemptsChart
                    title={`Attempts per ${range.interval}`}
                    stats={s}
                    range={range}
                    height={110}
                  />
                  <p class="last-error">
                    {s.lastError ? (
                      <>
                        Last error {fmtTime(s.lastError.at)}: <code>{s.lastError.error}</code>
                      </>
                    ) : (
                      'No failed attempt.'
                    )}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      />
      <CreateEndpoint />
    </>
  );
}

export function StateBadge({ e }: { e: Endpoint }) {
  const state = stateOf(e);
  return <span class={`state state-${state}`}>{state}</span>;
}

function CreateEndpoint() {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [filters, setFilters] = useState<string[]>([]);
  const [ordered, setOrdered] = useState(false);
  const action = useAction();
  const valid = /^https?:\/\/[^\s]+$/.test(url);
  return (
    <form
      class="panel"
      aria-label="Add an endpoint"
      onSubmit={(ev) => {
        ev.preventDefault();
        if (!valid) return;
        void action
          .run(() => post<Endpoint>('/v1/live/endpoints', { url, description, filters, ordered }))
          .then((e) => e && navigate(`/webhooks/${e.id}`));
      }}
    >
      <h2>Add an endpoint</h2>
      <Field
        label="URL"
        hint="http:// or https://; it must answer the verification challenge before it gets events."
      >
        <input
          type="url"
          required
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
          placeholder="https://example.com/usagehub"
          aria-invalid={url !== '' && !valid}
        />
      </Field>
      {url !== '' && !valid && <p class="error">Enter an http:// or https:// URL.</p>}
      <Field label="Description" hint="Sent as the body's service.">
        <input value={description} maxLength={500} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <FiltersInput value={filters} onChange={setFilters} />
      <label class="check">
        <input type="checkbox" checked={ordered} onChange={(e) => setOrdered(e.currentTarget.checked)} />{' '}
        Strict order: one delivery at a time, in event order
      </label>
      <ErrorNote error={action.error} />
      <button type="submit" disabled={action.busy || !valid}>
        Add endpoint
      </button>
    </form>
  );
}
