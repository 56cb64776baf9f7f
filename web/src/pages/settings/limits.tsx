import { useState } from 'preact/hooks';
import { del, get, put, seg } from '../../api.ts';
import { ErrorNote, Field, useAction } from '../../components/form.tsx';
import { Show } from '../../components/states.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmt } from '../../format.ts';

type Rate = 'requestsPerSecond' | 'eventsPerSecond' | 'bytesPerSecond';
type Quota = 'eventsPerDay' | 'eventsPerMonth';
type Settings = Partial<Record<Rate | Quota, number>>;
interface Usage {
  period: string;
  events: number;
  quota: number | null;
}
interface LimitsView {
  server: { key: Record<Rate, number>; tenant: Record<Rate, number> } | null;
  tenant: Settings;
  keys: Record<string, Settings>;
  usage: { day: Usage; month: Usage };
}

const RATES: { field: Rate; label: string }[] = [
  { field: 'requestsPerSecond', label: 'Requests per second' },
  { field: 'eventsPerSecond', label: 'Events per second' },
  { field: 'bytesPerSecond', label: 'Body bytes per second' },
];
const QUOTAS: { field: Quota; label: string }[] = [
  { field: 'eventsPerDay', label: 'Events per day (UTC)' },
  { field: 'eventsPerMonth', label: 'Events per month (UTC)' },
];

/** Limits: the tenant's own rates and quotas, its keys' rates, and what the quotas counted (GET/PUT /v1/limits). */
export function Limits() {
  const [version, setVersion] = useState(0);
  const loaded = useLoad(`limits ${version}`, () => get<LimitsView>('/v1/limits'), { keep: true });
  const reload = () => setVersion((v) => v + 1);
  return (
    <Show
      loaded={loaded}
      what="limits"
      ok={(v) => (
        <>
          <p class="help">
            The server's limits are the ceiling: a rate set higher here has no effect. Over a limit, ingest
            answers 429 with Retry-After; over a quota, 429 <code>quota_exceeded</code> until the day or month
            ends.
          </p>
          <UsagePanel usage={v.usage} />
          <SettingsForm
            title="This tenant"
            fields={[...RATES, ...QUOTAS]}
            value={v.tenant}
            ceiling={v.server?.tenant}
            save={(s) => put('/v1/limits', s)}
            onSaved={reload}
          />
          <KeyLimits view={v} onChange={reload} />
        </>
      )}
    />
  );
}

function UsagePanel({ usage }: { usage: LimitsView['usage'] }) {
  return (
    <section class="panel" aria-label="Quota usage">
      <h2>Counted</h2>
      <table>
        <tbody>
          {(['day', 'month'] as const).map((p) => (
            <tr>
              <th scope="row">{usage[p].period}</th>
              <td class="num">{fmt(usage[p].events)} events</td>
              <td>{usage[p].quota === null ? 'no quota' : `of ${fmt(usage[p].quota)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function SettingsForm({
  title,
  fields,
  value,
  ceiling,
  save,
  onSaved,
}: {
  title: string;
  fields: { field: Rate | Quota; label: string }[];
  value: Settings;
  ceiling: Record<Rate, number> | undefined;
  save: (s: Settings) => Promise<unknown>;
  onSaved: () => void;
}) {
  const [draft, setDraft] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.field, value[f.field]?.toString() ?? ''])),
  );
  const action = useAction();
  const submit = () => {
    const settings: Settings = {};
    for (const f of fields) if (draft[f.field]!.trim() !== '') settings[f.field] = Number(draft[f.field]);
    void action.run(() => save(settings)).then((r) => r && onSaved());
  };
  return (
    <form
      class="panel"
      aria-label={`Limits: ${title}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h2>{title}</h2>
      <div class="grid">
        {fields.map((f) => {
          const max = ceiling && f.field in ceiling ? ceiling[f.field as Rate] : undefined;
          return (
            <Field
              label={f.label}
              hint={max === undefined ? 'empty: none' : `empty: the server's ${fmt(max)}`}
            >
              <input
                type="number"
                min="0"
                step="any"
                value={draft[f.field]}
                onInput={(e) => setDraft({ ...draft, [f.field]: e.currentTarget.value })}
              />
            </Field>
          );
        })}
      </div>
      <button type="submit" disabled={action.busy}>
        Save
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function KeyLimits({ view, onChange }: { view: LimitsView; onChange: () => void }) {
  const [keyId, setKeyId] = useState('');
  const action = useAction();
  return (
    <section class="panel" aria-label="Limits of keys">
      <h2>Keys</h2>
      <p class="help">
        Lower rates for one key: an API key, a source's write key (<code>src_…</code>) or an OAuth client, by
        its id.
      </p>
      {Object.entries(view.keys).map(([id, s]) => (
        <div class="stack">
          <SettingsForm
            title={id}
            fields={RATES}
            value={s}
            ceiling={view.server?.key}
            save={(x) => put(`/v1/limits/keys/${seg(id)}`, x)}
            onSaved={onChange}
          />
          <p>
            <button
              type="button"
              disabled={action.busy}
              onClick={() =>
                void action.run(() => del(`/v1/limits/keys/${seg(id)}`)).then((r) => r && onChange())
              }
            >
              Remove {id}'s limits
            </button>
          </p>
        </div>
      ))}
      <form
        class="inline"
        aria-label="Limit a key"
        onSubmit={(e) => {
          e.preventDefault();
          const id = keyId.trim();
          if (id)
            void action
              .run(() => put(`/v1/limits/keys/${seg(id)}`, { requestsPerSecond: 10 }))
              .then((r) => r && (setKeyId(''), onChange()));
        }}
      >
        <Field label="Key id" hint="starts at 10 requests per second; change it above">
          <input value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={action.busy || keyId.trim() === ''}>
          Limit this key
        </button>
      </form>
      <ErrorNote error={action.error} />
    </section>
  );
}
