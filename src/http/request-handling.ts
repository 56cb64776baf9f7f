import type { FastifyInstance } from 'fastify';
import { installSecurityHeaders } from './security-headers.ts';
import { UsageHubError, type ErrorCode } from '../domain/errors.ts';
import { installBodyHandling } from './body.ts';
import { errorHandler, nativeEnvelope } from './error-handler.ts';
import { bodyAjv, paramsAjv } from './validator.ts';

/**
 * What every usagehub HTTP surface shares, the server's and the CLI's in-process admin
 * API alike: validation, strict body parsing, the principal a role hook sets, and errors
 * in usagehub's own envelope (dialects set their own inside their plugins).
 */
export async function installRequestHandling(
  app: FastifyInstance,
  onReject: (code: ErrorCode, ingestSource?: string) => void,
): Promise<void> {
  // Query strings and path parameters arrive as text and are converted to the schema's
  // types; bodies are JSON and are taken as they are, never coerced.
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodyAjv.compile(schema) : paramsAjv.compile(schema),
  );
  installSecurityHeaders(app);
  await installBodyHandling(app);
  app.decorateRequest('principal', null);
  app.decorateRequest('client', null);
  app.decorateRequest('sessionPrincipal', null);
  app.setErrorHandler(
    errorHandler((e, req) => ({ status: e.status, body: nativeEnvelope(e, req) }), onReject),
  );
  app.setNotFoundHandler((req, reply) => {
    const e = new UsageHubError('route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`);
    onReject(e.code);
    void reply.status(404).send(nativeEnvelope(e, req));
  });
}
