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
import secureJson from 'secure-json-parse';
import { UsageHubError, type Problem } from '../domain/errors.ts';
import { LARGE_BODY_BYTES, Turns } from '../threads/turns.ts';
import { DEPTH_SCAN_FROM_CHARS, nestsDeeperThan } from './json-scan.ts';
import { parseLargeJson, tooDeep } from './large-json.ts';
import { LargeBodies, enterLargeBody, leaveLargeBody } from './large-bodies.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's size in bytes once its Content-Encoding is undone (0 without a body): what the amplification bound is a multiple of. */
    bodyBytes: number;
    /** Set when the body was held to the canonical form while it was parsed (a large body, in turns): not walked again. */
    bodyChecked: boolean;
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

/** Bytes decoded per turn: about 2 ms. */
const DECODE_STEP = 1024 * 1024;

/** decodeUtf8 for a large body, a megabyte a turn. */
export async function decodeUtf8InTurns(body: Buffer, turns: Turns): Promise<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const parts: string[] = [];
  try {
    for (let at = 0; at < body.length; at += DECODE_STEP) {
      const end = Math.min(body.length, at + DECODE_STEP);
      parts.push(decoder.decode(body.subarray(at, end), { stream: end < body.length }));
      const wait = turns.pass();
      if (wait) await wait;
    }
  } catch {
    throw new UsageHubError('invalid_body', 'The request body is not valid UTF-8.');
  }
  return parts.join('');
}

/**
 * A JSON body's text parsed, within the canonical form: a large one in turns
 * (http/large-json.ts; `req.bodyChecked` then says the canonical check is done), a
 * smaller one whole after its depth is measured.
 */
export async function parseJsonBody(req: FastifyRequest, text: string, turns?: Turns): Promise<unknown> {
  if (text.length >= LARGE_BODY_BYTES) {
    const value = await parseLargeJson(text, turns ?? new Turns());
    req.bodyChecked = true;
    return value;
  }
  refuseDeepJson(text);
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new UsageHubError('invalid_body', `The body is not valid JSON: ${(err as Error).message}`);
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
 * is parsed (http/json-scan.ts says why); a small one is left to the canonical check.
 */
export function refuseDeepJson(text: string): void {
  if (text.length >= DEPTH_SCAN_FROM_CHARS && nestsDeeperThan(text, CANONICAL_LIMITS.maxDepth))
    throw tooDeep();
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
    if (body.length >= LARGE_BODY_BYTES) {
      largeJson(req, body, then).then((value) => done(null, value), done);
      return;
    }
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

async function largeJson(req: FastifyRequest, body: Buffer | string, then: (value: unknown) => unknown) {
  // Through the gate before the size is charged: the gate checks the byte rate again.
  await enterLargeBody(req);
  chargeDecoded(req, body.length);
  const turns = new Turns();
  const text = typeof body === 'string' ? body : await decodeUtf8InTurns(body, turns);
  return then(await parseJsonBody(req, text, turns));
}

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
  app.decorateRequest('bodyChecked', false);
  app.decorate('largeBodies', new LargeBodies());
  app.decorateRequest('largeBodyRelease', null);
  const leave = (req: FastifyRequest, _reply: unknown, done: () => void) => {
    leaveLargeBody(req);
    done();
  };
  app.addHook('onResponse', leave);
  app.addHook('onRequestAbort', (req, done) => {
    leaveLargeBody(req);
    done();
  });
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
      if (!req.bodyChecked) assertCanonical(req.body, 'body');
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });
}
