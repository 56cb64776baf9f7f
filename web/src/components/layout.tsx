import type { ComponentChildren } from 'preact';
import type { Session } from '../api.ts';
import { navigate, type Location } from '../url-state.ts';

const PAGES = [
  { path: '/', label: 'Overview' },
  { path: '/events', label: 'Events' },
  { path: '/sessions', label: 'Sessions' },
  { path: '/companies', label: 'Companies' },
  { path: '/media', label: 'Media' },
  { path: '/webhooks', label: 'Webhooks', admin: true },
  { path: '/settings', label: 'Settings', admin: true },
];

/** Keeps the shared view state (range, app) when moving between pages. */
const SHARED = ['range', 'from', 'to', 'app'];

export function Link({
  href,
  children,
  ...rest
}: {
  href: string;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <a
      href={href}
      {...rest}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        const url = new URL(href, location.origin);
        navigate(url.pathname, url.searchParams);
      }}
    >
      {children}
    </a>
  );
}

export function Layout(props: {
  loc: Location;
  session: Session;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const { loc, session } = props;
  const shared = new URLSearchParams();
  for (const k of SHARED) {
    const v = loc.params.get(k);
    if (v) shared.set(k, v);
  }
  const suffix = shared.size ? `?${shared}` : '';
  return (
    <div class="layout">
      <header>
        <a class="brand" href="/">
          usagehub
        </a>
        <nav aria-label="Pages">
          {PAGES.filter((p) => !p.admin || session.role === 'admin').map((p) => (
            <Link
              href={p.path + suffix}
              class={loc.path === p.path || (p.path !== '/' && loc.path.startsWith(p.path)) ? 'active' : ''}
            >
              {p.label}
            </Link>
          ))}
        </nav>
        <div class="who">
          <span title={`tenant ${session.tenantId}, key ${session.keyId}`}>{session.role} key</span>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main>{props.children}</main>
    </div>
  );
}
