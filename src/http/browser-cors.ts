import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that browser libraries post to from any site (Segment's /v1/t, PostHog's /e): CORS opens it. */
    browserIngest?: boolean;
  }
}

/**
 * CORS for the routes that SDKs in web pages send to directly: any origin may send
 * events there (the write key is what admits them), preflight included, for a day.
 * Every other route stays closed to other origins. Installed before the routes, whose
 * `config.browserIngest` it collects.
 */
export async function installBrowserCors(app: FastifyInstance): Promise<void> {
  const open = new Set<string>();
  // Routes with parameters (Segment's /v1/projects/:writeKey/settings), as patterns.
  const patterns: RegExp[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.config?.browserIngest) return;
    if (route.url.includes(':')) patterns.push(patternOf(route.url));
    else open.add(route.url);
  });
  const opened = { origin: true, methods: ['GET', 'POST'], maxAge: 86_400 };
  const closed = { origin: false };
  await app.register(cors, {
    hideOptionsRoute: true,
    // A callback, not a promise: it runs on every request.
    delegator: (req, done) => {
      const q = req.url.indexOf('?');
      const path = q === -1 ? req.url : req.url.slice(0, q);
      done(null, open.has(path) || patterns.some((p) => p.test(path)) ? opened : closed);
    },
  });
}

/** `/v1/projects/:writeKey/settings` → a pattern matching one path segment per parameter. */
function patternOf(url: string): RegExp {
  const parts = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}$`);
}
