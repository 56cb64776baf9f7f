import { useState } from 'preact/hooks';
import { SCOPES } from '../../../../src/domain/scopes.ts';
import { del, get, post } from '../../api.ts';
import { Confirm, ErrorNote, Field, OnceSecret, useAction } from '../../components/form.tsx';
import { Show } from '../../components/states.tsx';
import { Table } from '../../components/table.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmtTime } from '../../format.ts';

interface Client {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** OAuth clients of the push dialect's token endpoint: create (the secret shown once), revoke. */
export function OAuthClients() {
  const [version, setVersion] = useState(0);
  const [created, setCreated] = useState<{ id: string; secret: string } | null>(null);
  const reload = () => setVersion((v) => v + 1);
  const loaded = useLoad(
    `clients ${version}`,
    () => get<{ clients: Client[] }>('/v1/oauth-clients').then((r) => r.clients),
    { keep: true },
  );
  const action = useAction();
  return (
    <>
      {created ? (
        <>
          <p>
            client_id <code>{created.id}</code>
          </p>
          <OnceSecret what="client secret" secret={created.secret} onDone={() => setCreated(null)} />
        </>
      ) : (
        <CreateClient
          onCreated={(c) => {
            setCreated(c);
            reload();
          }}
        />
      )}
      <Show
        loaded={loaded}
        what="OAuth clients"
        ok={(clients) => (
          <Table
            empty="None yet."
            caption="OAuth clients (client credentials, push dialect)"
            rows={clients}
            columns={[
              { label: 'Name', cell: (c) => c.name },
              { label: 'client_id', cell: (c) => <code>{c.id}</code> },
              { label: 'Scopes', cell: (c) => c.scopes.join(', ') },
              { label: 'Created (UTC)', cell: (c) => fmtTime(c.createdAt) },
              { label: 'Last token (UTC)', cell: (c) => (c.lastUsedAt ? fmtTime(c.lastUsedAt) : 'never') },
              {
                label: 'Revoked',
                cell: (c) =>
                  c.revokedAt ? (
                    fmtTime(c.revokedAt)
                  ) : (
                    <Confirm
                      label="Revoke"
                      question={`Revoke ${c.name}? Its tokens stop working.`}
                      busy={action.busy}
                      onConfirm={() =>
                        void action.run(() => del(`/v1/oauth-clients/${c.id}`)).then((r) => r && reload())
                      }
                    />
                  ),
              },
            ]}
          />
        )}
      />
      <ErrorNote error={action.error} />
    </>
  );
}

function CreateClient({ onCreated }: { onCreated: (c: { id: string; secret: string }) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['connector.write']);
  const action = useAction();
  return (
    <form
      class="panel inline"
      aria-label="Create an OAuth client"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim() === '' || scopes.length === 0) return;
        void action
          .run(() =>
            post<{ client: { id: string }; secret: string }>('/v1/oauth-clients', {
              name: name.trim(),
              scopes,
            }),
          )
          .then((r) => {
            if (!r) return;
            setName('');
            onCreated({ id: r.client.id, secret: r.secret });
          });
      }}
    >
      <Field label="Client name">
        <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <label class="check">
            <input
              type="checkbox"
              checked={scopes.includes(s)}
              onChange={(e) =>
                setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))
              }
            />{' '}
            {s}
          </label>
        ))}
      </fieldset>
      {scopes.length === 0 && <p class="error">Choose at least one scope.</p>}
      <button type="submit" disabled={action.busy || name.trim() === '' || scopes.length === 0}>
        Create client
      </button>
      <ErrorNote error={action.error} />
    </form>
  );
}
