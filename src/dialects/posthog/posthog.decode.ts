/**
 * The many ways a PostHog client wraps its JSON (posthog.com/docs/api/capture, and what
 * posthog-js and the server libraries send): plain, gzip (by Content-Encoding, undone
 * before this; by `compression=gzip` or `gzip-js`; or recognised by its magic bytes),
 * lz-string (`compression=lz64` or `lz-string`), base64, and the legacy form field
 * `data=` (or `?data=` on GET). Everything ends as one JSON value, or a catalogued error.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import LZString from 'lz-string';
import { parse as parseQueryString } from 'fast-querystring';
import { UsageHubError } from '../../domain/errors.ts';
import { decodeUtf8 } from '../../http/body.ts';
import { POSTHOG_LIMITS } from './posthog.limits.ts';

export interface Wrapped {
  /** The request body's bytes as they came (empty on GET). */
  body: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  /** The query string's parameters. */
  query: Record<string, unknown>;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const isGzip = (b: Buffer) => b.length >= 2 && b[0] === GZIP_MAGIC[0] && b[1] === GZIP_MAGIC[1];
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const undecodable = (how: string) =>
  new UsageHubError('invalid_body', `The body could not be decoded: ${how}.`);
const tooLarge = () =>
  new UsageHubError(
    'body_too_large',
    `The decoded body is larger than PostHog's limit of ${POSTHOG_LIMITS.batchBytes / 1024 / 1024} MB.`,
  );

/** The JSON text a request carries, undone of its compression and encodings. */
export function unwrap(req: Wrapped): string {
  let compression = str(req.query.compression)?.toLowerCase();
  let bytes: Buffer = decoded(req.body, req.contentEncoding);
  let data = str(req.query.data);
  if (req.contentType?.startsWith('application/x-www-form-urlencoded')) {
    const form = parseQueryString(decodeUtf8(bytes)) as Record<string, unknown>;
    data = str(form.data);
    compression = str(form.compression)?.toLowerCase() ?? compression;
    if (data === undefined) throw undecodable('a form body needs its payload in the field data');
  }
  if (data !== undefined) bytes = Buffer.from(data, 'utf8');
  if (bytes.length === 0) throw new UsageHubError('invalid_body', 'The request has no payload.');

  if (compression === 'gzip' || compression === 'gzip-js' || isGzip(bytes)) bytes = gunzip(bytes);
  if (compression === 'lz64' || compression === 'lz-string') return lz64(decodeUtf8(bytes));
  const text = decodeUtf8(bytes).trim();
  // JSON starts with one of these; anything else is taken for base64 (PostHog's legacy data=).
  return text.startsWith('{') || text.startsWith('[') ? text : base64(text);
}

/**
 * The body undone of its Content-Encoding, here rather than by the server's streaming
 * decompression: a capture body is small and whole, and one synchronous call costs a
 * fraction of a stream per request (bench:sdk).
 */
function decoded(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return inflated(() => gunzipSync(body, BOUNDED), 'gzip');
    case 'deflate':
      return inflated(() => inflateSync(body, BOUNDED), 'deflate');
    case 'br':
      return inflated(() => brotliDecompressSync(body, BOUNDED), 'br');
    default:
      throw new UsageHubError(
        'unsupported_encoding',
        `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip, deflate, br or identity.`,
      );
  }
}

/** Bounded while it inflates: a small bomb cannot grow past the limit in memory. */
const BOUNDED = { maxOutputLength: POSTHOG_LIMITS.batchBytes };

function inflated(inflate: () => Buffer, what: string): Buffer {
  try {
    return inflate();
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooLarge();
    throw undecodable(`it is not valid ${what}`);
  }
}

const gunzip = (bytes: Buffer): Buffer => inflated(() => gunzipSync(bytes, BOUNDED), 'gzip');

function lz64(text: string): string {
  let out: string | null;
  try {
    // lz-string keeps its output as shared pieces until the end, where one too long for
    // a string throws RangeError rather than filling memory.
    out = LZString.decompressFromBase64(text.trim().replace(/ /g, '+'));
  } catch (err) {
    if (err instanceof RangeError) throw tooLarge();
    throw undecodable('it is not valid lz-string base64');
  }
  if (out === null || out === '') throw undecodable('it is not valid lz-string base64');
  if (out.length > POSTHOG_LIMITS.batchBytes) throw tooLarge();
  return out;
}

const BASE64 = /^[A-Za-z0-9+/_ -]*={0,2}$/;

function base64(text: string): string {
  // A form's decoding turns base64's + into spaces; URL-safe base64 is taken too.
  if (!BASE64.test(text)) throw undecodable('it is neither JSON nor base64');
  const decoded = decodeUtf8(Buffer.from(text.replace(/ /g, '+'), 'base64')).trim();
  if (!decoded.startsWith('{') && !decoded.startsWith('['))
    throw undecodable('its base64 does not hold JSON');
  return decoded;
}
