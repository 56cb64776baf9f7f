import { useState } from 'preact/hooks';
import { SOURCE_KINDS } from '../../../../src/sources/source-registry.port.ts';
import { del, get, post } from '../../api.ts';
import { Confirm, CopyButton, ErrorNote, Field, Snippet, useAction } from '../../components/form.tsx';
import { Show } from '../../components/states.tsx';
import { useLoad } from '../../components/use-load.ts';
import { fmtTime } from '../../format.ts';
import { sdkSnippets } from './sdk-snippets.ts';

interface Source {
  id: string;
  kind: (typeof SOURCE_KINDS)[number];
  app: string;
  writeKey: string;
  createdAt: string;
  revokedAt: string | null;
}
interface App {
  id: string;
  name: string;
}

/** Sources: the write keys Segment and PostHog SDKs send with, each into one app, with the SDK set up for it. */
export function Sources() {
  const [version, setVersion] = useState(0);
  const reload = () => setVersion((v) => v + 1);
  const loaded = useLoad(
    `sources ${version}`,
    async () => {
      const [sources, apps] = await Promise.all([
        get<{ sources: Source[] }>('/v1/sources'),
        get<{ apps: App[] }>('/v1/apps'),
      ]);
      return { sources: sources.sources, apps: apps.apps };
    },
    { keep: true },
  );
  return (
    <Show
      loaded={loaded}
      what="sources"
      ok={({ sources, apps }) => (
        <>
          <CreateSource apps={apps} onCreated={reload} />
          {sources.length === 0 && <p class="empty">No sources yet.</p>}
          <div class="stack">
            {sources.map((s) => (
              <SourcePanel
                source={s}
                appName={apps.find((a) => a.id === s.app)?.name ?? s.app}
                onChange={reload}
              />
            ))}
          </div>
        </>
      )}
    />
  );
}

function CreateSource({ apps, onCreated }: { apps: App[]; onCreated: () => void }) {
  const [kind, setKind] = useState<Source['kind']>('segment');
  const [app, setApp] = useState(apps[0]?.id ?? '');
  const action = useAction();
  return (
    <form
      class="panel inline"
      aria-label="Create a source"
      onSubmit={(e) => {
        e.preventDefault();
        if (app) void action.run(() => post('/v1/sources', { kind, app })).then((r) => r && onCreated());
      }}
    >
      <Field label="SDK">
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value as Source['kind'])}>
          {SOURCE_KINDS.map((k) => (
            <option value={k}>{k}</option>
          ))}
        </select>
      </Field>
      <Field label="Into app">
        <select value={app} onChange={(e) => setApp(e.currentTarget.value)}>
          {apps.map((a) => (
            <option value={a.id}>{a.name}</option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={action.busy || !app}>
        Create source
      </button>
      {apps.length === 0 && <p class="error">Create an app first.</p>}
      <ErrorNote error={action.error} />
    </form>
  );
}

function SourcePanel({
  source: s,
  appName,
  onChange,
}: {
  source: Source;
  appName: string;
  onChange: () => void;
}) {
  const action = useAction();
  return (
    <section class="panel" aria-label={`Source ${s.id}`}>
      <h2>
        {s.kind} → {appName} {s.revokedAt && <span class="state state-paused">revoked</span>}
      </h2>
      <p>
        Write key <code>{s.writeKey}</code> <CopyButton text={s.writeKey} />{' '}
        <span class="help">
          Public by design: it can only send events, into {appName}. Created {fmtTime(s.createdAt)}.
        </span>
      </p>
      {s.revokedAt ? (
        <p class="help">Revoked {fmtTime(s.revokedAt)}.</p>
      ) : (
        <>
          <details>
            <summary>Set up the SDK</summary>
            <div class="grid">
              {sdkSnippets(s.kind, s.writeKey, location.origin).map((x) => (
                <Snippet title={x.title} code={x.code} />
              ))}
            </div>
          </details>
          <Confirm
            label="Revoke"
            question="Revoke this write key? SDKs using it are refused within seconds."
            busy={action.busy}
            onConfirm={() => void action.run(() => del(`/v1/sources/${s.id}`)).then((r) => r && onChange())}
          />
        </>
      )}
      <ErrorNote error={action.error} />
    </section>
  );
}
