import { useState } from 'preact/hooks';
import { del, get, patch, post } from '../../api.ts';
import { RangeFields } from '../../components/filters.tsx';
import { Confirm, ErrorNote, Field, Snippet, useAction } from '../../components/form.tsx';
import { Link } from '../../components/layout.tsx';
import { Show } from '../../components/states.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmtTime } from '../../format.ts';
import { rangeOf } from '../../time-range.ts';
import { navigate, type Location } from '../../url-state.ts';
import { Deliveries } from './deliveries.tsx';
import { FiltersInput } from './filters-input.tsx';
import { sdkReceiver, standardWebhooksReceiver } from './snippets.ts';
import { AttemptsChart, StatsFigures, statsParams } from './webhook-stats.tsx';
import type { Endpoint, Stats, Verification } from './webhook-types.ts';
import { StateBadge } from './webhooks.tsx';

/** One endpoint: its settings, verification, state, keys, figures over the range, deliveries and receiver snippets. */
export function EndpointPage({ loc, id }: { loc: Location; id: string }) {
  const range = rangeOf(loc.params);
  const [version, setVersion] = useState(0);
  const refresh = () => setVersion((v) => v + 1);
  const loaded = useLoad(
    `endpoint ${id} ${range.from} ${range.to} ${version}`,
    async () => {
      const [endpoint, stats] = await Promise.all([
        get<Endpoint>(`/v1/live/endpoints/${id}`),
        get<Stats>(`/v1/live/endpoints/${id}/stats`, statsParams(range)),
      ]);
      return { endpoint, stats };
    },
    { keep: true },
  );
  return (
    <>
      <p>
        <Link href="/webhooks">← Webhooks</Link>
      </p>
      <Show
        loaded={loaded}
        what="the endpoint"
        ok={({ endpoint: e, stats: s }) => (
          <>
            <h1 class="endpoint-title">
              <span>{e.url}</span> <StateBadge e={e} />
            </h1>
            <StateActions e={e} onChange={refresh} />
            <form class="filters" onSubmit={(ev) => ev.preventDefault()} aria-label="Filters">
              <RangeFields loc={loc} />
            </form>
            <StatsFigures stats={s} />
            <AttemptsChart title={`Attempts per ${range.interval}`} stats={s} range={range} height={160} />
            {s.lastError && (
              <p class="last-error">
                Last error {fmtTime(s.lastError.at)}: <code>{s.lastError.error}</code>
              </p>
            )}
            <Deliveries loc={loc} endpoint={e} onChange={refresh} />
            <div class="grid">
              <Settings e={e} onSaved={refresh} />
              <Keys e={e} onChange={refresh} />
            </div>
            <h2>Receivers</h2>
            <p class="help">Both verify the challenge and every signature; the keys are this endpoint's.</p>
            <div class="grid">
              <Snippet title="With the Live API SDK (notificare-live-api-node)" code={sdkReceiver(e)} />
              <Snippet title="With a Standard Webhooks library" code={standardWebhooksReceiver(e)} />
            </div>
          </>
        )}
      />
    </>
  );
}

/** Verify (and why it failed), pause and resume, delete. */
function StateActions({ e, onChange }: { e: Endpoint; onChange: () => void }) {
  const action = useAction();
  const [result, setResult] = useState<Verification | null>(null);
  const verify = () =>
    void action.run(async () => {
      const v = await post<Verification>(`/v1/live/endpoints/${e.id}/verify`);
      setResult(v);
      onChange();
    });
  const setState = (to: 'pause' | 'resume') =>
    void action.run(async () => {
      await post(`/v1/live/endpoints/${e.id}/${to}`);
      onChange();
    });
  return (
    <section class="actions" aria-label="Endpoint state">
      <button type="button" onClick={verify} disabled={action.busy}>
        {e.state === 'unverified' ? 'Verify' : 'Verify again'}
      </button>
      {e.state === 'active' && (
        <button type="button" class="plain" onClick={() => setState('pause')} disabled={action.busy}>
          Pause
        </button>
      )}
      {e.state === 'paused' && (
        <button type="button" onClick={() => setState('resume')} disabled={action.busy}>
          Resume
        </button>
      )}
      <Confirm
        label="Delete"
        question="Delete this endpoint and its queue?"
        busy={action.busy}
        onConfirm={() =>
          void action.run(async () => {
            await del(`/v1/live/endpoints/${e.id}`);
            navigate('/webhooks');
          })
        }
      />
      {result && (
        <p role="status" class={result.verified ? 'ok' : 'error'}>
          {result.verified
            ? 'Verified: the endpoint answered the challenge.'
            : `Not verified: ${result.error}`}
        </p>
      )}
      {!result && e.verifyError && <p class="error">Last verification failed: {e.verifyError}</p>}
      <ErrorNote error={action.error} />
    </section>
  );
}

function Settings({ e, onSaved }: { e: Endpoint; onSaved: () => void }) {
  const [url, setUrl] = useState(e.url);
  const [description, setDescription] = useState(e.description);
  const [filters, setFilters] = useState(e.filters);
  const [ordered, setOrdered] = useState(e.ordered);
  const action = useAction();
  const moved = url !== e.url;
  return (
    <form
      class="panel"
      aria-label="Endpoint settings"
      onSubmit={(ev) => {
        ev.preventDefault();
        void action
          .run(() =>
            patch<Endpoint>(`/v1/live/endpoints/${e.id}`, {
              ...(moved ? { url } : {}),
              description,
              filters,
              ordered,
            }),
          )
          .then((saved) => saved && onSaved());
      }}
    >
      <h2>Settings</h2>
      <Field label="URL">
        <input type="url" required value={url} onInput={(ev) => setUrl(ev.currentTarget.value)} />
      </Field>
      {moved && (
        <p class="warning" role="alert">
          A new URL resets both keys and the verification: the receiver needs the new keys, and nothing is
          sent until it is verified again.
        </p>
      )}
      <Field label="Description">
        <input value={description} maxLength={500} onInput={(ev) => setDescription(ev.currentTarget.value)} />
      </Field>
      <FiltersInput value={filters} onChange={setFilters} />
      <label class="check">
        <input type="checkbox" checked={ordered} onChange={(ev) => setOrdered(ev.currentTarget.checked)} />{' '}
        Strict order
      </label>
      <ErrorNote error={action.error} />
      <button type="submit" disabled={action.busy}>
        Save
      </button>
    </form>
  );
}

function Keys({ e, onChange }: { e: Endpoint; onChange: () => void }) {
  const action = useAction();
  return (
    <section class="panel" aria-label="Keys">
      <h2>Keys</h2>
      <dl class="keys">
        <dt>Public key</dt>
        <dd>
          <code>{e.publicKey}</code>
        </dd>
        <dt>Private key</dt>
        <dd>
          <code>{e.privateKey}</code>
        </dd>
        <dt>Standard Webhooks secret</dt>
        <dd>
          <code>{e.standardWebhooksSecret}</code>
        </dd>
      </dl>
      <p class="warning">
        Rotating makes new keys: the receiver must take them, and the endpoint gets nothing until it is
        verified again. Changing the URL rotates them too.
      </p>
      <Confirm
        label="Rotate keys"
        question="Make new keys and unverify the endpoint?"
        busy={action.busy}
        onConfirm={() =>
          void action.run(async () => {
            await post(`/v1/live/endpoints/${e.id}/rotate`);
            onChange();
          })
        }
      />
      <ErrorNote error={action.error} />
    </section>
  );
}
