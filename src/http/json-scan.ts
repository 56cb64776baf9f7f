/**
 * One pass over a JSON text's characters before any parse: how deep it nests, and where
 * the items of its batch are. V8's JSON.parse takes ~140 ns per level of nesting (20 MB of
 * `[` parse for 2.6 s before failing), forty times its usual cost per byte, and the
 * canonical form refuses anything deeper than CANONICAL_LIMITS.maxDepth anyway: a large
 * body is measured first, so no client can make the parse itself the slow part. A body
 * larger still is parsed in pieces cut where the scan found its batch's commas
 * (http/large-json.ts), and the scan itself runs in turns.
 */

/** Bodies at least this long are measured before they are parsed; a shorter one parses in milliseconds whatever its shape. */
export const DEPTH_SCAN_FROM_CHARS = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The batch of a JSON text: the top-level array, or else the largest array that is the
 * value of a key of the top-level object (`{"batch": [...]}`, `{"events": [...]}`).
 */
export interface ListSpan {
  /** Index of its `[` and of its `]`. */
  start: number;
  end: number;
  /** Where its key's string literal starts and ends (quotes included); null for a top-level array. */
  key: [number, number] | null;
  /** Commas between its items where the text may be cut, about `pieceChars` apart. */
  cuts: number[];
}

interface OpenList extends ListSpan {
  depth: number;
  lastCut: number;
}

/**
 * The scan, resumable: `step` reads on from where it stopped. Strings are skipped as
 * JSON lexes them (to the closing quote, past each escaped character); whether the text
 * is valid JSON is left to the parse.
 */
export class JsonScan {
  /** Set once the text opens more than maxDepth objects and arrays inside one another: the scan then stops. */
  tooDeep = false;
  /** The batch found so far (complete lists only). */
  list: ListSpan | null = null;
  /** A list closed by `}`: not JSON, the pieces cannot be trusted; the whole parse will say what is wrong. */
  broken = false;
  private i = 0;
  private depth = 0;
  private topIsObject = false;
  private lastKey: [number, number] | null = null;
  private open: OpenList | null = null;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly pieceChars = Infinity,
  ) {}

  get done(): boolean {
    return this.tooDeep || this.i >= this.text.length;
  }

  /** Reads about `chars` more characters (a string is read to its end); returns `done`. */
  step(chars = Infinity): boolean {
    const { text, maxDepth } = this;
    const end = Math.min(text.length, this.i + chars);
    let { i, depth } = this;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        const start = i;
        for (i++; i < text.length; i++) {
          const s = text.charCodeAt(i);
          if (s === BACKSLASH) i++;
          else if (s === QUOTE) break;
        }
        if (depth === 1 && this.topIsObject) this.lastKey = [start, i];
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > maxDepth) {
          this.tooDeep = true;
          break;
        }
        if (depth === 1) this.topIsObject = c === OPEN_BRACE;
        if (c === OPEN_BRACKET && (depth === 1 || (depth === 2 && this.topIsObject)))
          this.open = {
            start: i,
            end: -1,
            key: depth === 1 ? null : this.lastKey,
            cuts: [],
            depth,
            lastCut: i,
          };
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        const open = this.open;
        if (open && open.depth === depth) {
          if (c === CLOSE_BRACE) this.broken = true;
          open.end = i;
          if (!this.list || open.end - open.start > this.list.end - this.list.start) this.list = open;
          this.open = null;
        }
        depth--;
      } else if (c === COMMA) {
        const open = this.open;
        if (open && open.depth === depth && i - open.lastCut >= this.pieceChars) {
          open.cuts.push(i);
          open.lastCut = i;
        }
      }
    }
    this.i = i;
    this.depth = depth;
    return this.done;
  }
}

/** Whether `text`, read as JSON, opens more than `maxDepth` objects and arrays inside one another. Linear in its length. */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  const scan = new JsonScan(text, maxDepth);
  scan.step();
  return scan.tooDeep;
}
