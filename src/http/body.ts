/**
 * What every request body goes through before any route sees it: the Content-Encoding
 * undone (gzip, deflate, br; the body limit counts the decompressed bytes), the bytes
 * decoded as strict UTF-8, JSON parsed, and the result held to the canonical form
 * (domain/canonical.ts) — so that no route, mapping or store ever handles a lone
 * surrogate, an infinite number or a structure nested thousands of levels deep.
 */
import { chargeDecoded } from '../limits/ingest-admission.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import compress from '@fastify/compress';
import { parse as parseQueryString } from 'fast-querystring';
import { CANONICAL_LIMITS, checkCanonical } from '../domain/canonical.ts';
import { UsageHubError, problem, type Problem } from '../domain/errors.ts';
import { DEPTH_SCAN_FROM_CHARS, nestsDeeperThan } from './json-depth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's size in bytes once its Content-Encoding is undone (0 without a body): what the amplification bound is a multiple of. */
    bodyBytes: number;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body's bytes as text; invalid UTF-8 is refused rather than replaced with U+FFFD. */
export function decodeUtf8(body: Buffer | string): string {
  if (typeof body === 'string') return body;
  try {
    return utf8.decode(body);
  } catch {
    throw new UsageHubError('invalid_body', 'The request body is not valid UTF-8.');
  }
}

/** Throws `validation_failed` (body) or `invalid_request` when `value` is outside the canonical form. */
export function assertCanonical(value: unknown, where: 'body' | 'query' | 'params', path = ''): void {
  if (value === undefined || value === null) return;
  const problems: Problem[] = [];
  checkCanonical(value, path, problems);
  if (problems.length === 0) return;
  throw new UsageHubError(where === 'body' ? 'validation_failed' : 'invalid_request', undefined, problems);
}

/**
 * Refuses a large JSON text that nests deeper than the canonical form allows, before it
 * is parsed (http/json-depth.ts says why); a small one is left to the canonical check.
 */
export function refuseDeepJson(text: string): void {
  if (text.length < DEPTH_SCAN_FROM_CHARS || !nestsDeeperThan(text, CANONICAL_LIMITS.maxDepth)) return;
  throw new UsageHubError('validation_failed', undefined, [
    problem('(body)', 'field_range', `the body is nested more than ${CANONICAL_LIMITS.maxDepth} levels deep`),
  ]);
}

/**
 * A parser for `application/json` bodies (registered with parseAs 'buffer'): strict
 * UTF-8, then Fastify's own JSON parser (which refuses `__proto__` keys), then `then`
 * on the value — where a route reshapes what it takes.
 */
export function strictJsonParser(app: FastifyInstance, then: (value: unknown) => unknown = (v) => v) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  return (req: FastifyRequest, body: Buffer | string, done: Done): void => {
    req.bodyBytes = body.length;
    chargeDecoded(req, body.length);
    const text = decodedOrRefused(body, done);
    if (text === null) return;
    try {
      refuseDeepJson(text);
    } catch (err) {
      return done(err as Error);
    }
    // The default parser is synchronous and calls back; its type also allows a promise.
    void parseJson(req, text, (err, parsed) => {
      if (err) return done(err);
      let value: unknown;
      try {
        value = then(parsed);
      } catch (thrown) {
        return done(thrown as Error);
      }
      done(null, value);
    });
  };
}

type Done = (err: Error | null, value?: unknown) => void;

/** The body as text, or null after handing the parser's callback the invalid_body error. */
function decodedOrRefused(body: Buffer | string, done: Done): string | null {
  try {
    return decodeUtf8(body);
  } catch (err) {
    done(err as Error);
    return null;
  }
}

/**
 * A parser for `application/x-www-form-urlencoded` bodies (parseAs 'buffer'; sessions v3,
 * the OAuth token endpoint): strict UTF-8 too, then the query-string parser
 * @fastify/formbody uses. A percent sequence that is not UTF-8 stays as it was sent
 * rather than turning into U+FFFD.
 */
export function strictFormParser(req: FastifyRequest, body: Buffer | string, done: Done): void {
  req.bodyBytes = body.length;
  chargeDecoded(req, body.length);
  const text = decodedOrRefused(body, done);
  if (text !== null) done(null, parseQueryString(text));
}

/** Installs the body handling on the root instance, before any route is registered. */
export async function installBodyHandling(app: FastifyInstance): Promise<void> {
  // Request decoding only. Compressing answers (a few bytes each, for ingest) would put an
  // onSend hook on every route, and even off it decorates every reply from a hook unless a
  // route says `compress: false` — said here for every route, before the plugin sees them.
  app.addHook('onRoute', (route) => {
    (route as { compress?: false | object }).compress ??= false;
  });
  await app.register(compress, {
    globalCompression: false,
    globalDecompression: true,
    requestEncodings: ['gzip', 'deflate', 'br', 'identity'],
    onUnsupportedRequestEncoding: (encoding: string) =>
      new UsageHubError(
        'unsupported_encoding',
        `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip, deflate, br or identity.`,
      ),
  });

  app.decorateRequest('bodyBytes', 0);
  app.decorateRequest('limitSender', null);
  app.decorateRequest('admittedBytes', 0);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, strictJsonParser(app));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, strictFormParser);

  // A callback hook, not an async one: it runs on every request, and a promise per
  // request shows in the 1-event ingest rate.
  app.addHook('preValidation', (req, _reply, done) => {
    try {
      assertCanonical(req.params, 'params');
      assertCanonical(req.query, 'query');
      assertCanonical(req.body, 'body');
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });
}
