import { useEffect, useState } from 'preact/hooks';
import type { Loaded } from './states.tsx';

/**
 * Runs `load` whenever `key` changes; a late answer to an older key is dropped. With
 * `keep`, what was loaded stays on screen while the next answer loads (a refresh after
 * an action keeps the page, and what the action said, in place).
 */
export function useLoad<T>(key: string, load: () => Promise<T>, options: { keep?: boolean } = {}): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setLoaded((was) => (options.keep && was.state === 'ok' ? was : { state: 'loading' }));
    load().then(
      (value) => current && setLoaded({ state: 'ok', value }),
      (error: Error) => current && setLoaded({ state: 'error', error }),
    );
    return () => {
      current = false;
    };
    // `key` stands for everything `load` depends on.
  }, [key]);
  return loaded;
}
