import type { Session } from '../../api.ts';
import { Link } from '../../components/layout.tsx';
import { AdminOnly } from '../../components/states.tsx';
import type { Location } from '../../url-state.ts';
import { Apps } from './apps.tsx';
import { ApiKeys } from './api-keys.tsx';
import { OAuthClients } from './oauth-clients.tsx';
import { Registries } from './registries.tsx';
import { Sources } from './sources.tsx';
import { Limits } from './limits.tsx';

const SECTIONS = [
  { path: '/settings', label: 'Apps', page: Apps },
  { path: '/settings/keys', label: 'API keys', page: ApiKeys },
  { path: '/settings/oauth-clients', label: 'OAuth clients', page: OAuthClients },
  { path: '/settings/sources', label: 'Sources', page: Sources },
  { path: '/settings/registries', label: 'Registries', page: Registries },
  { path: '/settings/limits', label: 'Limits', page: Limits },
];

/** Settings (admin keys only): apps, API keys, OAuth clients, SDK sources, the dialects' registries, and limits. */
export function Settings({ loc, session }: { loc: Location; session: Session }) {
  if (session.role !== 'admin') return <AdminOnly title="Settings" role={session.role} />;
  const section = SECTIONS.find((s) => s.path === loc.path) ?? SECTIONS[0]!;
  const Page = section.page;
  return (
    <>
      <h1>Settings</h1>
      <p>
        Tenant <code>{session.tenantId}</code>.
      </p>
      <nav class="tabs" aria-label="Settings">
        {SECTIONS.map((s) => (
          <Link href={s.path} class={s === section ? 'active' : ''}>
            {s.label}
          </Link>
        ))}
      </nav>
      <Page />
    </>
  );
}
