import { useState } from 'preact/hooks';
import { METRIC_KEY } from '../../../../src/dialects/aggregated/metric-key.ts';
import { MEDIA_KINDS } from '../../../../src/dialects/hits/hit-registry.port.ts';
import { SESSION_TYPE_PATTERN } from '../../../../src/dialects/sessions/session-types.ts';
import { del, get, put, seg } from '../../api.ts';
import { ErrorNote, Field, useAction } from '../../components/form.tsx';
import { Show } from '../../components/states.tsx';
import { Table, type Column } from '../../components/table.tsx';
import { useLoad } from '../../components/use-load.ts';
import { IpRanges } from './ip-ranges.tsx';

// The server's own patterns: a form accepts what the API accepts, no more, no less.
const METRIC_PATTERN = new RegExp(METRIC_KEY);
const SESSION_TYPE = new RegExp(SESSION_TYPE_PATTERN);

/** The dialects' registries: metrics (aggregated), session types (v3), hit users and medias (hits), IP ranges. */
export function Registries() {
  return (
    <div class="stack">
      <Metrics />
      <SessionTypes />
      <HitUsers />
      <Medias />
      <IpRanges />
    </div>
  );
}

/** A registry's list, reloaded after each change. */
function useRegistry<T>(path: string, pick: (r: Record<string, T[]>) => T[]) {
  const [version, setVersion] = useState(0);
  const loaded = useLoad(`${path} ${version}`, () => get<Record<string, T[]>>(path).then(pick), {
    keep: true,
  });
  return { loaded, reload: () => setVersion((v) => v + 1) };
}

interface Metric {
  key: string;
  description: string | null;
}

function Metrics() {
  const { loaded, reload } = useRegistry<Metric>('/v1/metrics', (r) => r.metrics!);
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  const action = useAction();
  const keyOk = METRIC_PATTERN.test(key);
  return (
    <section class="panel" aria-label="Metrics">
      <h2>Metrics (aggregated usage)</h2>
      <p class="help">The activity_types the aggregated-usage API accepts.</p>
      <Show
        loaded={loaded}
        what="metrics"
        ok={(rows) => (
          <Table
            empty="None yet."
            caption="Metrics"
            rows={rows}
            columns={[
              { label: 'Key', cell: (m) => <code>{m.key}</code> },
              { label: 'Description', cell: (m) => m.description ?? '' },
              removeColumn<Metric>(
                (m) => `metric ${m.key}`,
                (m) => `/v1/metrics/${seg(m.key)}`,
                action,
                reload,
              ),
            ]}
          />
        )}
      />
      <form
        class="inline"
        aria-label="Define a metric"
        onSubmit={(e) => {
          e.preventDefault();
          if (!keyOk) return;
          void action
            .run(() => put(`/v1/metrics/${seg(key)}`, { description }))
            .then((r) => {
              if (!r) return;
              setKey('');
              setDescription('');
              reload();
            });
        }}
      >
        <Field label="Key" hint="primary, secondary1, secondary2, …">
          <input
            value={key}
            aria-invalid={key !== '' && !keyOk}
            onInput={(e) => setKey(e.currentTarget.value.trim())}
          />
        </Field>
        <Field label="Description">
          <input
            value={description}
            maxLength={1000}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </Field>
        <button type="submit" class="plain" disabled={!keyOk || action.busy}>
          Save metric
        </button>
      </form>
      {key !== '' && !keyOk && (
        <p class="error">A metric key is primary or secondary followed by a number.</p>
      )}
      <ErrorNote error={action.error} />
    </section>
  );
}

function SessionTypes() {
  const { loaded, reload } = useRegistry<{ type: string; default: boolean }>(
    '/v1/session-types',
    (r) => r.types!,
  );
  const [type, setType] = useState('');
  const action = useAction();
  const ok = SESSION_TYPE.test(type);
  return (
    <section class="panel" aria-label="Session types">
      <h2>Session types (sessions v3)</h2>
      <Show
        loaded={loaded}
        what="session types"
        ok={(rows) => (
          <p>
            {rows.map((t) => (
              <code class={t.default ? 'chip muted' : 'chip'} title={t.default ? 'built in' : 'added'}>
                {t.type}
              </code>
            ))}
          </p>
        )}
      />
      <form
        class="inline"
        aria-label="Add a session type"
        onSubmit={(e) => {
          e.preventDefault();
          if (ok)
            void action
              .run(() => put(`/v1/session-types/${seg(type)}`))
              .then((r) => {
                if (!r) return;
                setType('');
                reload();
              });
        }}
      >
        <Field label="Type">
          <input
            value={type}
            aria-invalid={type !== '' && !ok}
            onInput={(e) => setType(e.currentTarget.value.trim())}
          />
        </Field>
        <button type="submit" class="plain" disabled={!ok || action.busy}>
          Add type
        </button>
      </form>
      {type !== '' && !ok && (
        <p class="error">A type is upper-case letters, digits and underscores, starting with a letter.</p>
      )}
      <ErrorNote error={action.error} />
    </section>
  );
}

interface HitUser {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

function HitUsers() {
  const { loaded, reload } = useRegistry<HitUser>('/v1/hit-users', (r) => r.users!);
  const [u, setU] = useState({ id: '', firstName: '', lastName: '', email: '' });
  const action = useAction();
  const emailOk = u.email === '' || /^[^\s@]+@[^\s@]+$/.test(u.email);
  const set = (k: keyof typeof u) => (e: { currentTarget: HTMLInputElement }) =>
    setU({ ...u, [k]: e.currentTarget.value });
  return (
    <section class="panel" aria-label="Hit users">
      <h2>Hit users (statistic hits)</h2>
      <Show
        loaded={loaded}
        what="hit users"
        ok={(rows) => (
          <Table
            empty="None yet."
            caption="Users hits may name"
            rows={rows}
            columns={[
              { label: 'Id', cell: (r) => <code>{r.id}</code> },
              { label: 'Name', cell: (r) => [r.firstName, r.lastName].filter(Boolean).join(' ') },
              { label: 'E-mail', cell: (r) => r.email ?? '' },
              removeColumn<HitUser>(
                (r) => `user ${r.id}`,
                (r) => `/v1/hit-users/${seg(r.id)}`,
                action,
                reload,
              ),
            ]}
          />
        )}
      />
      <form
        class="inline"
        aria-label="Add a hit user"
        onSubmit={(e) => {
          e.preventDefault();
          if (u.id.trim() === '' || !emailOk) return;
          const body = Object.fromEntries(
            Object.entries({ firstName: u.firstName, lastName: u.lastName, email: u.email }).filter(
              ([, v]) => v !== '',
            ),
          );
          void action
            .run(() => put(`/v1/hit-users/${seg(u.id.trim())}`, body))
            .then((r) => {
              if (!r) return;
              setU({ id: '', firstName: '', lastName: '', email: '' });
              reload();
            });
        }}
      >
        <Field label="User id">
          <input value={u.id} maxLength={256} onInput={set('id')} />
        </Field>
        <Field label="First name">
          <input value={u.firstName} maxLength={256} onInput={set('firstName')} />
        </Field>
        <Field label="Last name">
          <input value={u.lastName} maxLength={256} onInput={set('lastName')} />
        </Field>
        <Field label="E-mail">
          <input type="email" value={u.email} aria-invalid={!emailOk} onInput={set('email')} />
        </Field>
        <button type="submit" class="plain" disabled={u.id.trim() === '' || !emailOk || action.busy}>
          Save user
        </button>
      </form>
      <ErrorNote error={action.error} />
    </section>
  );
}

interface Media {
  id: string;
  kind: string;
  durationSeconds: number | null;
}

function Medias() {
  const { loaded, reload } = useRegistry<Media>('/v1/medias', (r) => r.medias!);
  const [id, setId] = useState('');
  const [kind, setKind] = useState<string>('video');
  const [duration, setDuration] = useState('');
  const action = useAction();
  const durationOk = duration === '' || (Number.isFinite(Number(duration)) && Number(duration) >= 0);
  return (
    <section class="panel" aria-label="Medias">
      <h2>Medias (statistic hits)</h2>
      <Show
        loaded={loaded}
        what="medias"
        ok={(rows) => (
          <Table
            empty="None yet."
            caption="Media metadata"
            rows={rows}
            columns={[
              { label: 'Id', cell: (r) => <code>{r.id}</code> },
              { label: 'Kind', cell: (r) => r.kind },
              { label: 'Length (s)', cell: (r) => r.durationSeconds ?? '', numeric: true },
              removeColumn<Media>(
                (r) => `media ${r.id}`,
                (r) => `/v1/medias/${seg(r.id)}`,
                action,
                reload,
              ),
            ]}
          />
        )}
      />
      <form
        class="inline"
        aria-label="Add a media"
        onSubmit={(e) => {
          e.preventDefault();
          if (id.trim() === '' || !durationOk) return;
          const body = { kind, ...(duration === '' ? {} : { durationSeconds: Number(duration) }) };
          void action
            .run(() => put(`/v1/medias/${seg(id.trim())}`, body))
            .then((r) => {
              if (!r) return;
              setId('');
              setDuration('');
              reload();
            });
        }}
      >
        <Field label="Media id">
          <input value={id} maxLength={256} onInput={(e) => setId(e.currentTarget.value)} />
        </Field>
        <Field label="Kind">
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            {MEDIA_KINDS.map((k) => (
              <option value={k}>{k}</option>
            ))}
          </select>
        </Field>
        <Field label="Length (seconds)">
          <input
            inputMode="decimal"
            value={duration}
            aria-invalid={!durationOk}
            onInput={(e) => setDuration(e.currentTarget.value.trim())}
          />
        </Field>
        <button type="submit" class="plain" disabled={id.trim() === '' || !durationOk || action.busy}>
          Save media
        </button>
      </form>
      <ErrorNote error={action.error} />
    </section>
  );
}

/** A column of Remove buttons: each removes its row at `path`, then the list loads again. */
function removeColumn<T>(
  what: (row: T) => string,
  path: (row: T) => string,
  action: ReturnType<typeof useAction>,
  reload: () => void,
): Column<T> {
  return {
    label: '',
    cell: (row) => (
      <button
        type="button"
        class="plain"
        aria-label={`Remove ${what(row)}`}
        onClick={() => void action.run(() => del(path(row))).then(reload)}
      >
        Remove
      </button>
    ),
  };
}
