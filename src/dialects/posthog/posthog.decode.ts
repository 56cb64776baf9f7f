/**
 * The many ways a PostHog client wraps its JSON (posthog.com/docs/api/capture, and what
 * posthog-js and the server libraries send): plain, gzip (by Content-Encoding; by
 * `compression=gzip` or `gzip-js`; or recognised by its magic bytes), lz-string
 * (`compression=lz64` or `lz-string`), base64, and the legacy form field `data=` (or
 * `?data=` on GET). Everything ends as one JSON text, or a catalogued error.
 *
 * The same layers are undone two ways: whole, bounded by the decoded limit while
 * decoding (`unwrap`), and only their first characters (`unwrapHead`), where the project
 * token usually is — so a key is checked before a body is decoded whole.
 */
import { promisify } from 'node:util';
import { brotliDecompress, brotliDecompressSync, gunzip, gunzipSync, inflate, inflateSync } from 'node:zlib';
import { parse as parseQueryString } from 'fast-querystring';
import { UsageHubError } from '../../domain/errors.ts';
import { decodeUtf8, decodeUtf8InTurns } from '../../http/body.ts';
import { LARGE_BODY_BYTES, type Turns } from '../../threads/turns.ts';
import { inflatePrefix, type Inflation } from '../../http/inflate-prefix.ts';
import { decodeLz64 } from './lz64.ts';
import { POSTHOG_LIMITS } from './posthog.limits.ts';

export interface Wrapped {
  /** The request body's bytes as they came (empty on GET). */
  body: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  /** The query string's parameters. */
  query: Record<string, unknown>;
}

/** How each layer is undone: whole or just its head. */
interface Codec {
  inflate(bytes: Buffer, kind: Inflation): Buffer | Promise<Buffer>;
  text(bytes: Buffer): string | Promise<string>;
  lz64(text: string): string;
  base64(text: string): string;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const isGzip = (b: Buffer) => b.length >= 2 && b[0] === GZIP_MAGIC[0] && b[1] === GZIP_MAGIC[1];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Gzip, or JSON (an object or a list, after any whitespace). */
function looksUnwrapped(b: Buffer): boolean {
  if (isGzip(b)) return true;
  for (const c of b.subarray(0, 64)) {
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b || c === 0x5b;
  }
  return false;
}

const undecodable = (how: string) =>
  new UsageHubError('invalid_body', `The body could not be decoded: ${how}.`);
const tooLarge = () =>
  new UsageHubError(
    'body_too_large',
    `The decoded body is larger than PostHog's limit of ${POSTHOG_LIMITS.batchBytes / 1024 / 1024} MB.`,
  );

const ENCODINGS: Record<string, Inflation | null> = {
  '': null,
  identity: null,
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
};

async function unwrapWith(req: Wrapped, codec: Codec): Promise<string> {
  const encoding = (req.contentEncoding ?? '').trim().toLowerCase();
  const inflation = ENCODINGS[encoding];
  if (inflation === undefined)
    throw new UsageHubError(
      'unsupported_encoding',
      `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip, deflate, br or identity.`,
    );
  let bytes = inflation ? await codec.inflate(req.body, inflation) : req.body;
  let compression = str(req.query.compression)?.toLowerCase();
  let data = str(req.query.data);
  // A form label on a body that is JSON or gzip (what some mobile and server SDKs send) is
  // not believed: a form's payload is in its field data=.
  if (req.contentType?.startsWith('application/x-www-form-urlencoded') && !looksUnwrapped(bytes)) {
    const form = parseQueryString(await codec.text(bytes)) as Record<string, unknown>;
    data = str(form.data);
    compression = str(form.compression)?.toLowerCase() ?? compression;
    if (data === undefined) throw undecodable('a form body needs its payload in the field data');
  }
  if (data !== undefined) bytes = Buffer.from(data, 'utf8');
  if (bytes.length === 0) throw new UsageHubError('invalid_body', 'The request has no payload.');

  if (compression === 'gzip' || compression === 'gzip-js' || isGzip(bytes))
    bytes = await codec.inflate(bytes, 'gzip');
  if (compression === 'lz64' || compression === 'lz-string') return codec.lz64(await codec.text(bytes));
  const text = (await codec.text(bytes)).trim();
  // JSON starts with one of these; anything else is taken for base64 (PostHog's legacy data=).
  return text.startsWith('{') || text.startsWith('[') ? text : codec.base64(text);
}

/**
 * The JSON text a request carries, undone of its compression and encodings, within
 * PostHog's decoded limit; a large body is inflated off the main thread and decoded in turns.
 */
export const unwrap = (req: Wrapped, turns: Turns): Promise<string> => unwrapWith(req, wholeCodec(turns));

/**
 * The first `chars` or so characters of the JSON text a request carries, with work
 * bounded by that and by the request's own size; '' when they cannot be had.
 */
export async function unwrapHead(req: Wrapped, chars: number): Promise<string> {
  try {
    return await unwrapWith(req, headCodec(chars));
  } catch {
    return '';
  }
}

/** Bounded while it inflates: a small bomb cannot grow past the limit in memory. */
const BOUNDED = { maxOutputLength: POSTHOG_LIMITS.batchBytes };
const INFLATE = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync } as const;
const INFLATE_ASYNC = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
} as const;

/** Compressed bodies from this size are inflated on libuv's threads; a smaller one (what posthog-js sends) in place. */
const INFLATE_AWAY_FROM = 8 * 1024;

function inflated(kind: Inflation, run: () => Buffer | Promise<Buffer>): Promise<Buffer> | Buffer {
  const refused = (err: unknown) => {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      return tooLarge();
    return undecodable(`it is not valid ${kind === 'br' ? 'br' : kind}`);
  };
  try {
    const out = run();
    return Buffer.isBuffer(out) ? out : out.catch((err: unknown) => Promise.reject(refused(err)));
  } catch (err) {
    throw refused(err);
  }
}

/**
 * Small bodies the head's look inflated whole, kept for the whole decode of the same
 * request (the same Buffer), so that a batch is inflated once: most PostHog bodies decode
 * to less than the head's share.
 */
const inflatedWhole = new WeakMap<Buffer, Buffer>();

const wholeCodec = (turns: Turns): Codec => ({
  inflate: (bytes, kind) => {
    const done = inflatedWhole.get(bytes);
    if (done) return done;
    return inflated(kind, () =>
      bytes.length < INFLATE_AWAY_FROM ? INFLATE[kind](bytes, BOUNDED) : INFLATE_ASYNC[kind](bytes, BOUNDED),
    );
  },
  text: (bytes) => (bytes.length < LARGE_BODY_BYTES ? decodeUtf8(bytes) : decodeUtf8InTurns(bytes, turns)),
  lz64(text) {
    const out = decodeLz64(text.trim().replace(/ /g, '+'), POSTHOG_LIMITS.batchBytes);
    if (out.outcome === 'too_large') throw tooLarge();
    if (out.outcome === 'invalid' || out.text === '') throw undecodable('it is not valid lz-string base64');
    return out.text;
  },
  base64(text) {
    // A form's decoding turns base64's + into spaces; URL-safe base64 is taken too.
    if (!BASE64.test(text)) throw undecodable('it is neither JSON nor base64');
    const decoded = decodeUtf8(Buffer.from(text.replace(/ /g, '+'), 'base64')).trim();
    if (!decoded.startsWith('{') && !decoded.startsWith('['))
      throw undecodable('its base64 does not hold JSON');
    return decoded;
  },
});

const BASE64 = /^[A-Za-z0-9+/_ -]*={0,2}$/;

/** The most a body's head is inflated to in place; past it, the stream. */
const HEAD_IN_PLACE_BYTES = 64 * 1024;

function headCodec(chars: number): Codec {
  return {
    inflate: (bytes, kind) => {
      // A small body in place, in one call, without the stream's setup and its trip
      // through libuv's pool — if it inflates to at most HEAD_IN_PLACE_BYTES (a batch as
      // the SDKs send it). One larger, or damaged, goes to the stream, which yields what
      // comes before the fault: a bomb costs at most that much more than it did.
      if (bytes.length < INFLATE_AWAY_FROM) {
        try {
          const whole = INFLATE[kind](bytes, { maxOutputLength: Math.min(chars * 4, HEAD_IN_PLACE_BYTES) });
          inflatedWhole.set(bytes, whole);
          return whole;
        } catch {
          // past the head's share, or damaged
        }
      }
      return inflatePrefix(bytes, kind, chars * 4);
    },
    // A head may end inside a character: replaced, not refused.
    text: (bytes) => bytes.subarray(0, chars * 4).toString('utf8'),
    lz64: (text) => {
      const out = decodeLz64(text.trim().replace(/ /g, '+'), chars, true);
      return out.outcome === 'ok' ? out.text : '';
    },
    base64: (text) =>
      Buffer.from(text.slice(0, Math.ceil(chars / 3) * 4).replace(/ /g, '+'), 'base64').toString('utf8'),
  };
}
