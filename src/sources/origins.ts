import type { FastifyRequest } from 'fastify';
import { UsageHubError } from '../domain/errors.ts';

/** Most origins a source may list: a few sites and their staging copies. */
export const MAX_ORIGINS = 50;

/**
 * An origin as browsers send it (RFC 6454: scheme, host, port; no path), from what an
 * admin typed (`https://App.example.com/` → `https://app.example.com`); null when it is
 * not an http(s) origin.
 */
export function normalizeOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) return null;
  return url.origin;
}

/**
 * Refuses a browser's request from a page whose origin the write key's source does not
 * allow. Only a browser's request is held to it: browsers name the page's origin on every
 * cross-site request and a page cannot change it; a server library sends none.
 */
export function refuseForeignOrigin(req: FastifyRequest, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  const origin = req.headers.origin;
  if (origin === undefined || allowed.includes(origin)) return;
  throw new UsageHubError(
    'origin_not_allowed',
    `This write key may not send from ${JSON.stringify(origin.slice(0, 200))}: its source allows ${allowed.slice(0, 5).join(', ')}${allowed.length > 5 ? ', …' : ''}.`,
  );
}
