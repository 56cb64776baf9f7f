import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Headers every answer carries: `nosniff`, so that a browser never reads a JSON answer
 * (or an error echoing a client's text) as a script or a page. Set on the reply before
 * the route runs: no hook on the way out for every request.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    done();
  });
}

/**
 * For a plugin whose answers carry a secret (new API keys, write keys, OAuth client
 * secrets, a console session's CSRF token): no cache, shared or private, keeps them.
 */
export function answersCarrySecrets(plugin: FastifyInstance): void {
  plugin.addHook('onRequest', (_req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    void reply.header('cache-control', 'no-store');
    done();
  });
}
