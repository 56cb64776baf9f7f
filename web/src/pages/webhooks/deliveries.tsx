import { useState } from 'preact/hooks';
import { get, post } from '../../api.ts';
import { ErrorNote, Field, useAction } from '../../components/form.tsx';
import { Failed, Loading, Show } from '../../components/states.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmtTime } from '../../format.ts';
import { navigate, withParams, type Location } from '../../url-state.ts';
import { useEventTypes } from './filters-input.tsx';
import { fmtMs, type Attempt, type DeliveryDetail, type Endpoint } from './webhook-types.ts';

const PAGE = 25;

/** The delivery log in pages (all or failed only), one delivery opened beside it, replays and test events. */
export function Deliveries({
  loc,
  endpoint,
  onChange,
}: {
  loc: Location;
  endpoint: Endpoint;
  onChange: () => void;
}) {
  const failedOnly = loc.params.get('failed') === '1';
  const open = loc.params.get('delivery');
  // Cursors of the pages before this one: Back pops one.
  const [cursors, setCursors] = useState<number[]>([]);
  const [version, setVersion] = useState(0);
  const before = cursors.at(-1);
  const page = useLoad(
    `deliveries ${endpoint.id} ${failedOnly} ${before} ${version}`,
    () =>
      get<{ attempts: Attempt[]; next: number | null }>(`/v1/live/endpoints/${endpoint.id}/deliveries`, {
        limit: PAGE,
        before,
        failed: failedOnly || undefined,
      }),
    { keep: true },
  );
  const set = (changes: Record<string, string | undefined>) =>
    navigate(loc.path, withParams(loc, changes), true);
  const reload = () => {
    setVersion((v) => v + 1);
    onChange();
  };
  return (
    <section aria-label="Deliveries" class="deliveries">
      <h2>Deliveries</h2>
      <div class="toolbar">
        <label class="check">
          <input
            type="checkbox"
            checked={failedOnly}
            onChange={(e) => {
              setCursors([]);
              set({ failed: e.currentTarget.checked ? '1' : undefined });
            }}
          />{' '}
          Failed attempts only
        </label>
        <button type="button" class="plain" onClick={() => setVersion((v) => v + 1)}>
          Refresh
        </button>
      </div>
      <Replays endpoint={endpoint} onDone={reload} />
      <div class="explorer">
        <Show
          loaded={page}
          what="deliveries"
          ok={(p) => (
            <div>
              <div class="table-wrap" tabIndex={0} role="region" aria-label="Delivery attempts">
                <table class="attempts">
                  <caption>Attempts, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Time (UTC)</th>
                      <th scope="col">webhook-id</th>
                      <th scope="col">Type</th>
                      <th scope="col" class="num">
                        Status
                      </th>
                      <th scope="col" class="num">
                        Latency
                      </th>
                      <th scope="col">Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.attempts.length === 0 ? (
                      <tr>
                        <td colSpan={6} class="none">
                          No attempts{failedOnly ? ' failed' : ' yet'}.
                        </td>
                      </tr>
                    ) : (
                      p.attempts.map((a) => (
                        <tr class={a.status !== null && a.status < 300 && a.status >= 200 ? '' : 'failed'}>
                          <td>{fmtTime(a.at)}</td>
                          <td>
                            <button
                              type="button"
                              class="link"
                              aria-pressed={open === a.deliveryId}
                              title={a.deliveryId}
                              onClick={() => set({ delivery: a.deliveryId })}
                            >
                              {/* The start tells ids apart; the whole one is in its title and the detail. */}
                              {a.deliveryId.slice(0, 16)}
                              <span aria-hidden="true">…</span>
                            </button>
                          </td>
                          <td>{a.type}</td>
                          <td class="num">{a.status ?? '–'}</td>
                          <td class="num">{fmtMs(a.latencyMs)}</td>
                          <td>{a.error ?? ''}</td>
                        </tr>
                      ))
                    )}
                  </tbody>
                </table>
              </div>
              <p class="pager">
                <button
                  type="button"
                  class="plain"
                  disabled={cursors.length === 0}
                  onClick={() => setCursors(cursors.slice(0, -1))}
                >
                  Newer
                </button>
                <button
                  type="button"
                  class="plain"
                  disabled={p.next === null}
                  onClick={() => p.next && setCursors([...cursors, p.next])}
                >
                  Older
                </button>
              </p>
            </div>
          )}
        />
        {open && (
          <DeliveryView
            endpointId={endpoint.id}
            id={open}
            version={version}
            onClose={() => set({ delivery: undefined })}
            onReplayed={reload}
          />
        )}
      </div>
    </section>
  );
}

/** Replay the failed ones or a time range; send a test event of a chosen type. */
function Replays({ endpoint, onDone }: { endpoint: Endpoint; onDone: () => void }) {
  const action = useAction();
  const [said, setSaid] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [type, setType] = useState('');
  const known = useEventTypes();
  const replay = (body: object, what: string) =>
    void action.run(async () => {
      const { replayed } = await post<{ replayed: number }>(`/v1/live/endpoints/${endpoint.id}/replay`, body);
      setSaid(`${replayed} ${what} queued again.`);
      onDone();
    });
  const rangeOk = from !== '' && to !== '' && Date.parse(`${to}Z`) > Date.parse(`${from}Z`);
  return (
    <div class="replays">
      <button
        type="button"
        onClick={() => replay({ failed: true }, 'failed deliveries')}
        disabled={action.busy}
      >
        Replay failed
      </button>
      <form
        class="inline"
        aria-label="Replay a time range"
        onSubmit={(e) => {
          e.preventDefault();
          if (rangeOk) replay({ from: Date.parse(`${from}Z`), to: Date.parse(`${to}Z`) }, 'deliveries');
        }}
      >
        <Field label="Queued from (UTC)">
          <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </Field>
        <Field label="to (UTC)">
          <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="plain" disabled={!rangeOk || action.busy}>
          Replay range
        </button>
      </form>
      <form
        class="inline"
        aria-label="Send a test event"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const { deliveryId } = await post<{ deliveryId: string }>(
              `/v1/live/endpoints/${endpoint.id}/test`,
              { type },
            );
            setSaid(`Test event queued as ${deliveryId}.`);
            onDone();
          });
        }}
      >
        <Field label="Test event type">
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">Choose…</option>
            {known.state === 'ok' && known.value.types.map((t) => <option value={t}>{t}</option>)}
          </select>
        </Field>
        <button
          type="submit"
          class="plain"
          disabled={type === '' || action.busy || endpoint.state === 'unverified'}
        >
          Send test event
        </button>
      </form>
      {said && (
        <p role="status" class="ok">
          {said}
        </p>
      )}
      <ErrorNote error={action.error} />
    </div>
  );
}

/** One delivery: its body, each attempt's request headers and answer, and a replay of it alone. */
function DeliveryView(props: {
  endpointId: string;
  id: string;
  version: number;
  onClose: () => void;
  onReplayed: () => void;
}) {
  const { endpointId, id } = props;
  const loaded = useLoad(
    `delivery ${endpointId} ${id} ${props.version}`,
    () => get<DeliveryDetail>(`/v1/live/endpoints/${endpointId}/deliveries/${encodeURIComponent(id)}`),
    { keep: true },
  );
  const action = useAction();
  return (
    <aside class="detail" aria-label="Delivery">
      <p class="live-bar">
        <strong>{id}</strong>
        <button type="button" class="plain" onClick={props.onClose}>
          Close
        </button>
      </p>
      {loaded.state === 'loading' && <Loading what="the delivery" />}
      {loaded.state === 'error' && <Failed error={loaded.error} />}
      {loaded.state === 'ok' && (
        <>
          <p>
            {loaded.value.delivery.type} · {loaded.value.delivery.status} · {loaded.value.delivery.attempts}{' '}
            attempt(s)
            {loaded.value.delivery.replays > 0 && ` · replayed ${loaded.value.delivery.replays}×`}
          </p>
          <button
            type="button"
            onClick={() =>
              void action
                .run(() => post(`/v1/live/endpoints/${endpointId}/replay`, { ids: [id] }))
                .then(() => props.onReplayed())
            }
            disabled={action.busy}
          >
            Replay this delivery
          </button>
          <ErrorNote error={action.error} />
          <h3>Body sent</h3>
          <pre tabIndex={0} class="doc">
            {pretty(loaded.value.delivery.body)}
          </pre>
          {loaded.value.attempts.map((a, i) => (
            <details open={i === loaded.value.attempts.length - 1}>
              <summary>
                Attempt {i + 1}, {fmtTime(a.at)}: {a.status ?? a.error} ({fmtMs(a.latencyMs)})
              </summary>
              {a.exchange ? (
                <>
                  <h4>Request headers</h4>
                  <pre tabIndex={0} class="doc">
                    {headers(a.exchange.requestHeaders)}
                  </pre>
                  {!a.exchange.signaturesShown && (
                    <p class="help">
                      The endpoint's keys changed since: this attempt's signatures are not shown.
                    </p>
                  )}
                  <h4>Answer {a.status ?? ''}</h4>
                  {a.error && <p class="error">{a.error}</p>}
                  <pre tabIndex={0} class="doc">
                    {headers(a.exchange.responseHeaders)}
                  </pre>
                  <pre tabIndex={0} class="doc" data-answer>
                    {a.exchange.responseBody || '(empty body)'}
                  </pre>
                </>
              ) : (
                <p class="help">Recorded before usagehub kept what attempts sent and got back.</p>
              )}
            </details>
          ))}
        </>
      )}
    </aside>
  );
}

const headers = (h: Record<string, string>) =>
  Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n') || '(none)';

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
