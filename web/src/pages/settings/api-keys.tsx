import { useState } from 'preact/hooks';
import { del, get, post } from '../../api.ts';
import { Confirm, ErrorNote, Field, OnceSecret, useAction } from '../../components/form.tsx';
import { Show } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmtTime } from '../../format.ts';

interface Key {
  id: string;
  name: string;
  role: 'admin' | 'ingest' | 'read';
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const ROLES = [
  { role: 'ingest', help: 'send events' },
  { role: 'read', help: 'queries, export, the console without settings' },
  { role: 'admin', help: 'everything' },
] as const;

/** API keys by role: create (the secret shown once), last use, revoke. */
export function ApiKeys() {
  const [version, setVersion] = useState(0);
  const [secret, setSecret] = useState<string | null>(null);
  const reload = () => setVersion((v) => v + 1);
  const loaded = useLoad(`keys ${version}`, () => get<{ keys: Key[] }>('/v1/keys').then((r) => r.keys), {
    keep: true,
  });
  return (
    <>
      {secret ? (
        <OnceSecret what="API key" secret={secret} onDone={() => setSecret(null)} />
      ) : (
        <CreateKey
          onCreated={(s) => {
            setSecret(s);
            reload();
          }}
        />
      )}
      <Show
        loaded={loaded}
        what="keys"
        ok={(keys) => (
          <div class="stack">
            {ROLES.map(({ role }) => (
              <KeyTable role={role} keys={keys.filter((k) => k.role === role)} onChange={reload} />
            ))}
          </div>
        )}
      />
    </>
  );
}

function CreateKey({ onCreated }: { onCreated: (secret: string) => void }) {
  const [role, setRole] = useState<Key['role']>('ingest');
  const [name, setName] = useState('');
  const action = useAction();
  return (
    <form
      class="panel inline"
      aria-label="Create an API key"
      onSubmit={(e) => {
        e.preventDefault();
        void action
          .run(() =>
            post<{ secret: string }>('/v1/keys', { role, ...(name.trim() ? { name: name.trim() } : {}) }),
          )
          .then((r) => {
            if (!r) return;
            setName('');
            onCreated(r.secret);
          });
      }}
    >
      <Field label="Role">
        <select value={role} onChange={(e) => setRole(e.currentTarget.value as Key['role'])}>
          {ROLES.map((r) => (
            <option value={r.role}>
              {r.role}: {r.help}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Name" hint="What uses it (ci, web app, …).">
        <input maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={action.busy}>
        Create key
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}

function KeyTable({ role, keys, onChange }: { role: string; keys: Key[]; onChange: () => void }) {
  const action = useAction();
  return (
    <>
      <Table
        empty="None yet."
        caption={`${role} keys`}
        rows={keys}
        columns={[
          { label: 'Name', cell: (k) => k.name },
          { label: 'Prefix', cell: (k) => <code>{k.prefix}…</code> },
          { label: 'Created (UTC)', cell: (k) => fmtTime(k.createdAt) },
          { label: 'Last used (UTC)', cell: (k) => (k.lastUsedAt ? fmtTime(k.lastUsedAt) : 'never') },
          {
            label: 'Revoked',
            cell: (k) =>
              k.revokedAt ? (
                fmtTime(k.revokedAt)
              ) : (
                <Confirm
                  label="Revoke"
                  question={`Revoke ${k.prefix}…? Clients using it are refused within seconds.`}
                  busy={action.busy}
                  onConfirm={() =>
                    void action.run(() => del(`/v1/keys/${k.id}`)).then((r) => r && onChange())
                  }
                />
              ),
          },
        ]}
      />
      <ErrorNote error={action.error} />
    </>
  );
}
