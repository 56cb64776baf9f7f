/**
 * A large JSON body parsed in pieces, in turns (threads/turns.ts): the scan (http/json-scan.ts)
 * finds the body's batch — the top-level array, or the largest array under a key of the
 * top-level object — and the commas between its items; the items are then parsed some
 * 64 KB at a time and held to the canonical form as they come, and the rest of the body
 * (the batch's key and its siblings) on its own. Between pieces, other requests run.
 *
 * The value is the one `JSON.parse` would give, with Fastify's rules (`__proto__` and
 * `constructor.prototype` refused): each piece is a complete JSON text, the pieces of
 * the batch are its items cut only at its own commas, and a duplicate key later in the
 * body still wins over the batch, as in a whole parse.
 */
import { randomBytes } from 'node:crypto';
import secureJson from 'secure-json-parse';
import { CANONICAL_LIMITS, checkCanonical } from '../domain/canonical.ts';
import { UsageHubError, problem, type Problem } from '../domain/errors.ts';
import type { Turns } from '../threads/turns.ts';
import { JsonScan, type ListSpan } from './json-scan.ts';

/** The most characters parsed in one go: one item of a batch, or a body without its batch. */
export const MAX_PIECE_CHARS = 2 * 1024 * 1024;
/** Items are parsed in pieces of about this many characters (a test may choose fewer). */
const PIECE_CHARS = 64 * 1024;
/** Characters scanned per step of the scan (a few milliseconds). */
const SCAN_STEP = 1024 * 1024;

const SAFE = { protoAction: 'error', constructorAction: 'error' } as const;

function parsePiece(text: string): unknown {
  try {
    return secureJson.parse(text, undefined, SAFE);
  } catch (err) {
    throw new UsageHubError('invalid_body', `The body is not valid JSON: ${(err as Error).message}`);
  }
}

export const tooDeep = () =>
  new UsageHubError('validation_failed', undefined, [
    problem('(body)', 'field_range', `the body is nested more than ${CANONICAL_LIMITS.maxDepth} levels deep`),
  ]);

const pieceTooLarge = (what: string) =>
  new UsageHubError(
    'body_too_large',
    `${what} is larger than ${MAX_PIECE_CHARS / 1024 / 1024} MiB of JSON; send large batches as many items.`,
  );

async function pass(turns: Turns): Promise<void> {
  const wait = turns.pass();
  if (wait) await wait;
}

/**
 * Parses `text` as JSON in turns, and checks it against the canonical form (a
 * `validation_failed` names the fields at fault, with their paths in the whole body).
 */
export async function parseLargeJson(text: string, turns: Turns, pieceChars = PIECE_CHARS): Promise<unknown> {
  const scan = new JsonScan(text, CANONICAL_LIMITS.maxDepth, pieceChars);
  while (!scan.step(SCAN_STEP)) await pass(turns);
  if (scan.tooDeep) throw tooDeep();
  if (scan.broken)
    throw new UsageHubError('invalid_body', 'The body is not valid JSON: an array is closed by }.');
  const problems: Problem[] = [];
  const list = scan.list;
  if (!list) {
    if (text.length > MAX_PIECE_CHARS) throw pieceTooLarge('A body without a list of events');
    const value = parsePiece(text);
    checkCanonical(value, '', problems);
    return canonicalOrThrow(value, problems);
  }
  const items = await parseItems(text, list, turns, problems, pieceChars);
  if (!list.key) return canonicalOrThrow(items, problems);

  // The rest of the body, with the batch replaced by a marker no client can send.
  const marker = `\u0000batch ${randomBytes(8).toString('hex')}`;
  const rest = `${text.slice(0, list.start)}${JSON.stringify(marker)}${text.slice(list.end + 1)}`;
  if (rest.length > MAX_PIECE_CHARS) throw pieceTooLarge('The body outside its list of events');
  const envelope = parsePiece(rest) as Record<string, unknown>;
  // The items were checked as they came; the rest is checked before they join it.
  checkCanonical(envelope, '', problems);
  const key = parsePiece(text.slice(list.key[0], list.key[1] + 1)) as string;
  // Unless a later duplicate of the key replaced it, as it would in a whole parse.
  if (envelope[key] === marker) envelope[key] = items;
  return canonicalOrThrow(envelope, problems);
}

async function parseItems(
  text: string,
  list: ListSpan,
  turns: Turns,
  problems: Problem[],
  pieceChars: number,
): Promise<unknown[]> {
  const items: unknown[] = [];
  const prefix = list.key ? `${parsePiece(text.slice(list.key[0], list.key[1] + 1)) as string}.` : '';
  const bounds = [list.start, ...list.cuts, list.end];
  for (let b = 0; b + 1 < bounds.length; b++) {
    const from = bounds[b]! + 1;
    const to = bounds[b + 1]!;
    // A piece is its cut's first item and those after it up to pieceChars: one much
    // longer holds an item past the limit.
    if (to - from > MAX_PIECE_CHARS + pieceChars) throw pieceTooLarge('An item of the batch');
    const slice = text.slice(from, to);
    // Between two cuts there is at least one item: `[1,,2]` and `[1,]` are not JSON.
    if (bounds.length > 2 && slice.trim() === '')
      throw new UsageHubError('invalid_body', 'The body is not valid JSON: a list has an empty item.');
    const piece = parsePiece(`[${slice}]`) as unknown[];
    for (const item of piece) {
      if (problems.length < CANONICAL_LIMITS.maxProblems)
        checkCanonical(item, `${prefix}${items.length}`, problems);
      items.push(item);
    }
    await pass(turns);
  }
  return items;
}

function canonicalOrThrow(value: unknown, problems: Problem[]): unknown {
  if (problems.length > 0) throw new UsageHubError('validation_failed', undefined, problems);
  return value;
}
