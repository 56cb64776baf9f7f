import { get } from '../api.ts';
import { Show } from '../components/states.tsx';
import { Table } from '../components/table.tsx';
import { useLoad } from '../components/use-load.ts';
import { fmtTime } from '../format.ts';
import type { Session } from '../api.ts';

interface App {
  id: string;
  name: string;
  createdAt: string;
}
interface Key {
  id: string;
  role: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

/** Settings (admin keys): the tenant's apps and keys as they are; managing them is the CLI's and the admin API's. */
export function Settings({ session }: { session: Session }) {
  const loaded = useLoad('settings', async () => {
    const [apps, keys] = await Promise.all([
      get<{ apps: App[] }>('/v1/apps'),
      get<{ keys: Key[] }>('/v1/keys'),
    ]);
    return { apps: apps.apps, keys: keys.keys };
  });
  if (session.role !== 'admin') {
    return (
      <>
        <h1>Settings</h1>
        <p class="error" role="alert">
          Settings need an admin key; this session was opened with a {session.role} key.
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Settings</h1>
      <p>
        Tenant <code>{session.tenantId}</code>.
      </p>
      <Show
        loaded={loaded}
        what="settings"
        ok={(s) => (
          <div class="grid">
            <Table
              caption="Apps"
              rows={s.apps}
              columns={[
                { label: 'Name', cell: (a) => a.name },
                { label: 'Id', cell: (a) => <code>{a.id}</code> },
                { label: 'Created (UTC)', cell: (a) => fmtTime(a.createdAt) },
              ]}
            />
            <Table
              caption="API keys"
              rows={s.keys}
              columns={[
                { label: 'Role', cell: (k) => k.role },
                { label: 'Prefix', cell: (k) => <code>{k.prefix}…</code> },
                { label: 'Created (UTC)', cell: (k) => fmtTime(k.createdAt) },
                { label: 'Revoked', cell: (k) => (k.revokedAt ? fmtTime(k.revokedAt) : '–') },
              ]}
            />
          </div>
        )}
      />
    </>
  );
}
