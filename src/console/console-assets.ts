import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where Vite writes the console (web/vite.config.ts), seen from src/console or dist/console alike. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** The console's own paths: each answers the page, whose script shows the right view. */
export const CONSOLE_PAGES = [
  '/',
  '/sign-in',
  '/events',
  '/sessions',
  '/companies',
  '/media',
  '/webhooks',
  '/settings',
];
/** Pages with a path below them: an endpoint (/webhooks/{id}), a settings section. */
const CONSOLE_SECTIONS = ['/webhooks/*', '/settings/*'];

/**
 * Nothing but the console's own files may run or load: no inline script, no CDN, no
 * framing. Charts set styles through the CSSOM, which style-src does not restrict.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>usagehub</title>
<p>The console has not been built. Run <code>npm run build</code> (npm ci does it too), then reload.</p>`;

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache');
}

/** The console at `/`: its pages (one HTML file), and its hashed assets, cached for good. */
export const consoleAssets: FastifyPluginAsync<{ dist?: string }> = async (app, { dist = WEB_DIST }) => {
  const index = `${dist}index.html`;
  const page = existsSync(index) ? readFileSync(index, 'utf8') : NOT_BUILT;
  for (const url of CONSOLE_PAGES) {
    app.get(url, { schema: { hide: true } }, (_req, reply) => pageHeaders(reply).send(page));
  }
  for (const url of CONSOLE_SECTIONS) {
    app.get(url, { schema: { hide: true } }, (_req, reply) => pageHeaders(reply).send(page));
  }
  if (!existsSync(`${dist}assets`)) return;
  await app.register(fastifyStatic, {
    root: `${dist}assets`,
    prefix: '/assets/',
    // File names carry a hash of their content: a new build is a new name.
    maxAge: '365d',
    immutable: true,
    index: false,
    wildcard: false,
  });
};
