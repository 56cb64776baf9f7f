import type { ComponentChildren } from 'preact';
import { get } from '../api.ts';
import { PRESETS } from '../time-range.ts';
import { navigate, withParams, type Location } from '../url-state.ts';
import { useLoad } from './use-load.ts';

export interface AppRef {
  id: string;
  name: string;
}

/** The tenant's apps (id → name), loaded once per page view. */
export function useApps() {
  return useLoad('apps', () => get<{ apps: AppRef[] }>('/v1/query/apps').then((r) => r.apps));
}

/** The time range and app filter every page has; they live in the URL. */
export function Filters({ loc, children }: { loc: Location; children?: ComponentChildren }) {
  return (
    <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
      <RangeFields loc={loc} />
      <AppField loc={loc} />
      {children}
    </form>
  );
}

const setter = (loc: Location) => (changes: Record<string, string | undefined>) =>
  navigate(loc.path, withParams(loc, changes));

/** The time range: a preset, or custom dates. */
export function RangeFields({ loc }: { loc: Location }) {
  const range = loc.params.get('range') ?? '24h';
  const set = setter(loc);
  return (
    <>
      <label>
        Time range
        <select value={range} onChange={(e) => set({ range: e.currentTarget.value })}>
          {PRESETS.map((p) => (
            <option value={p.id}>{p.label}</option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {range === 'custom' && (
        <>
          <label>
            From
            <input
              type="date"
              value={loc.params.get('from') ?? ''}
              onChange={(e) => set({ from: e.currentTarget.value })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={loc.params.get('to') ?? ''}
              onChange={(e) => set({ to: e.currentTarget.value })}
            />
          </label>
        </>
      )}
    </>
  );
}

function AppField({ loc }: { loc: Location }) {
  const apps = useApps();
  return (
    <label>
      App
      <select
        value={loc.params.get('app') ?? ''}
        onChange={(e) => setter(loc)({ app: e.currentTarget.value })}
      >
        <option value="">All apps</option>
        {apps.state === 'ok' && apps.value.map((a) => <option value={a.id}>{a.name}</option>)}
      </select>
    </label>
  );
}
