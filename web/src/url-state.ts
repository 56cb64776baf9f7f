import { useEffect, useState } from 'preact/hooks';

/**
 * The console's whole view state lives in the URL (path and query), so a view can be
 * shared and reloaded. Pages read it with useLocation and change it with navigate.
 */
export interface Location {
  path: string;
  params: URLSearchParams;
}

const CHANGE = 'usagehub:navigate';

const current = (): Location => ({ path: location.pathname, params: new URLSearchParams(location.search) });

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    addEventListener('popstate', update);
    addEventListener(CHANGE, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(CHANGE, update);
    };
  }, []);
  return loc;
}

/** Goes to `path` with `params`; `replace` for changes not worth a Back step (typing in a filter). */
export function navigate(
  path: string,
  params: URLSearchParams | Record<string, string> = {},
  replace = false,
): void {
  const q = new URLSearchParams(params);
  for (const [k, v] of [...q]) if (v === '') q.delete(k);
  const url = path + (q.size ? `?${q}` : '');
  if (url === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  dispatchEvent(new Event(CHANGE));
}

/** The same path with some parameters changed (undefined or '' removes one). */
export function withParams(loc: Location, changes: Record<string, string | undefined>): URLSearchParams {
  const q = new URLSearchParams(loc.params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  return q;
}
