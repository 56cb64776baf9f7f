const numbers = new Intl.NumberFormat('en');

export const fmt = (n: number): string => numbers.format(Math.round(n * 100) / 100);

export const fmtTime = (ms: number | string): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

export const fmtSeconds = (s: number | null): string => {
  if (s === null) return '–';
  if (s < 60) return `${fmt(s)} s`;
  if (s < 3600) return `${fmt(s / 60)} min`;
  return `${fmt(s / 3600)} h`;
};

/** "+12 %" against the previous value; null when there is nothing to compare with. */
export function change(now: number, before: number): string | null {
  if (before === 0) return now === 0 ? '±0 %' : null;
  const pct = ((now - before) / before) * 100;
  return `${pct >= 0 ? '+' : '−'}${fmt(Math.abs(pct))} %`;
}
