import { useState } from 'preact/hooks';
import { CATEGORIES } from '../../../../src/domain/categories.ts';
import { del, get, patch, post, put, seg } from '../../api.ts';
import { ErrorNote, Field, useAction } from '../../components/form.tsx';
import { Show } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmtTime } from '../../format.ts';

interface App {
  id: string;
  name: string;
  createdAt: string;
  origin: number | null;
  eventMappings: { eventName: string; category: string }[];
}

/** Apps: create, rename, the push dialect's event mappings, the hit origin (user interface). */
export function Apps() {
  const [version, setVersion] = useState(0);
  const reload = () => setVersion((v) => v + 1);
  const loaded = useLoad(`apps ${version}`, () => get<{ apps: App[] }>('/v1/apps').then((r) => r.apps), {
    keep: true,
  });
  return (
    <>
      <CreateApp onCreated={reload} />
      <Show
        loaded={loaded}
        what="apps"
        ok={(apps) => (
          <div class="stack">
            {apps.map((a) => (
              <AppPanel key={a.id} app={a} onChange={reload} />
            ))}
          </div>
        )}
      />
    </>
  );
}

function CreateApp({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const action = useAction();
  return (
    <form
      class="panel inline"
      aria-label="Create an app"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim() === '') return;
        void action
          .run(() => post('/v1/apps', { name: name.trim() }))
          .then((created) => {
            if (!created) return;
            setName('');
            onCreated();
          });
      }}
    >
      <Field label="New app name" hint="Unique in the tenant; events name their app by it.">
        <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={action.busy || name.trim() === ''}>
        Create app
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function AppPanel({ app, onChange }: { app: App; onChange: () => void }) {
  const [name, setName] = useState(app.name);
  const [origin, setOrigin] = useState(app.origin === null ? '' : String(app.origin));
  const [eventName, setEventName] = useState('');
  const [category, setCategory] = useState<string>('Other');
  const action = useAction();
  const originOk = origin === '' || /^\d{1,9}$/.test(origin);
  const save = (body: object) =>
    void action.run(() => patch(`/v1/apps/${app.id}`, body)).then((r) => r && onChange());
  return (
    <section class="panel" aria-label={`App ${app.name}`} data-app={app.name}>
      <h2>
        {app.name} <code class="muted">{app.id}</code>
      </h2>
      <p class="help">Created {fmtTime(app.createdAt)}</p>
      <form
        class="inline"
        aria-label="Rename"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() && name !== app.name) save({ name: name.trim() });
        }}
      >
        <Field label="Name">
          <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="plain" disabled={action.busy || name.trim() === '' || name === app.name}>
          Rename
        </button>
      </form>
      <form
        class="inline"
        aria-label="Hit origin"
        onSubmit={(e) => {
          e.preventDefault();
          if (originOk) save({ origin: origin === '' ? null : Number(origin) });
        }}
      >
        <Field label="User interface origin (hits)" hint="Its number as a statistic-hit origin; empty: none.">
          <input
            inputMode="numeric"
            value={origin}
            aria-invalid={!originOk}
            onInput={(e) => setOrigin(e.currentTarget.value.trim())}
          />
        </Field>
        <button type="submit" class="plain" disabled={action.busy || !originOk}>
          Set origin
        </button>
      </form>
      {!originOk && <p class="error">The origin is a whole number (0 or more).</p>}
      <Table
        empty="None yet."
        caption="Event mappings (push dialect)"
        rows={app.eventMappings}
        columns={[
          { label: 'Event name', cell: (m) => <code>{m.eventName}</code> },
          { label: 'Category', cell: (m) => m.category },
          {
            label: '',
            cell: (m) => (
              <button
                type="button"
                class="plain"
                aria-label={`Remove mapping ${m.eventName}`}
                onClick={() =>
                  void action
                    .run(() => del(`/v1/apps/${app.id}/event-mappings/${seg(m.eventName)}`))
                    .then((r) => r && onChange())
                }
              >
                Remove
              </button>
            ),
          },
        ]}
      />
      <form
        class="inline"
        aria-label="Map an event name"
        onSubmit={(e) => {
          e.preventDefault();
          if (eventName.trim() === '') return;
          void action
            .run(() => put(`/v1/apps/${app.id}/event-mappings/${seg(eventName.trim())}`, { category }))
            .then((r) => {
              if (!r) return;
              setEventName('');
              onChange();
            });
        }}
      >
        <Field label="Event name">
          <input maxLength={256} value={eventName} onInput={(e) => setEventName(e.currentTarget.value)} />
        </Field>
        <Field label="Category">
          <select value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
            {CATEGORIES.map((c) => (
              <option value={c}>{c}</option>
            ))}
          </select>
        </Field>
        <button type="submit" class="plain" disabled={action.busy || eventName.trim() === ''}>
          Map
        </button>
      </form>
      <ErrorNote error={action.error} />
    </section>
  );
}
